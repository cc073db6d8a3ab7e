// Compiled with `az bicep build --file logs.bicep` into logs.json beside it: cloudgov reads the JSON.
param location string = 'taiwannorth'

resource pii 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'law-pii-access'
  location: location
  tags: {
    'cloudgov:log-class': 'personal_data_access'
  }
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 730
  }
}
