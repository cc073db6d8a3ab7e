"""GCP connector: Cloud Asset Inventory (live, ``cloudgov scan gcp``) and ``gcloud asset``
export files (offline, ``cloudgov scan snapshot``).

``collect`` does the I/O (google-cloud-asset, the Directory API); ``assets`` reduces every
shape an asset comes in to one record; ``normalize`` (with ``resources``, ``audit``,
``identities``) turns records into the normalized model without any I/O.
"""
