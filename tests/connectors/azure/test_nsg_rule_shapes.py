"""NSG rules come wrapped (``{name, properties}``, ARM) or flat (Resource Graph's expanded
rows): both read the same, and a rule that is not an object makes the set unreadable."""

from scanner.connectors.azure.network import nsg_rules

RULE = {"direction": "Inbound", "access": "Allow", "protocol": "Tcp", "destinationPortRange": "22",
        "sourceAddressPrefix": "Internet", "priority": 100}


def test_a_flat_rule_reads_like_a_wrapped_one():
    wrapped = nsg_rules([{"name": "ssh", "properties": RULE}])
    assert wrapped == nsg_rules([{"name": "ssh", **RULE}])
    assert wrapped and wrapped[0]["priority"] == 100 and wrapped[0]["sources"] == ["Internet"]
    assert nsg_rules(["not a rule"]) is None
