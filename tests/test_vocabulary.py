"""Guards of the one vocabulary (scanner/vocabulary.yaml, policy areas, connectors' service
tables): a kind, a property or an area added in one place and forgotten in another turns
one of these red instead of dropping findings silently."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from policies.registry import load_areas, load_policies
from scanner import vocabulary
from scanner.model import Kind

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "policies" / "cases"

#: (policy, status) pairs no case can show because the predicate does not give that status by
#: design, and why. Everything else needs a PASS, a FAIL and an ERROR case in tests/policies/cases.
_REGISTER_IS_THE_RECORD = "the register is the record of it, so its absence is the finding (FAIL), never unknown"
CASE_EXEMPT_STATUSES = {
    ("vendor.review_current", "ERROR"): "no completed review on record: " + _REGISTER_IS_THE_RECORD,
    ("vendor.materiality_assessed", "ERROR"): "materiality not assessed (ETG 2.6): " + _REGISTER_IS_THE_RECORD,
    ("vendor.contract_in_force", "ERROR"): "no contract in force: " + _REGISTER_IS_THE_RECORD,
    ("vendor.audit_performed", "ERROR"): "no audit on record: " + _REGISTER_IS_THE_RECORD
                                         + "; an unassessed materiality takes the stricter interval (ETG 6.1)",
    ("exit.plan_exists", "ERROR"): "no exit plan on record: " + _REGISTER_IS_THE_RECORD,
    ("exit.stressed_exit_playbook", "ERROR"): "a plan without a stressed-exit playbook: " + _REGISTER_IS_THE_RECORD,
    ("exit.portable_export_formats", "ERROR"): "a plan naming no export format: " + _REGISTER_IS_THE_RECORD,
    ("exit.residual_data", "PASS"): "a residue resource exists only for data found left after an exit (always FAIL); "
                                   "a clean exit is exit.deletion_verified's PASS",
    ("exit.residual_data", "ERROR"): "an incomplete verification is exit.deletion_verified's ERROR; a residue "
                                    "resource is data known to be left",
}


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> list[tuple[str, object]]:
    """(origin, Resource) for every resource our samples and fixtures produce."""
    pytest.importorskip("tfparse")
    from tests.vocabulary_inputs import resources

    return list(resources(tmp_path_factory.mktemp("vocabulary")))


# --- kinds and properties ------------------------------------------------------------------


def test_every_resource_has_a_known_kind_and_only_known_properties_of_the_right_type(produced):
    assert len(produced) > 500  # the samples, the fixtures of three clouds, IaC and the register
    problems: dict[str, set[str]] = defaultdict(set)
    for origin, r in produced:
        for problem in vocabulary.problems(r):
            problems[problem].add(origin)
    assert not problems, "\n".join(f"{p}  (from {', '.join(sorted(o))})" for p, o in sorted(problems.items()))


def test_every_vocabulary_kind_is_produced_by_some_input(produced):
    """A declared kind no input produces is untested vocabulary: either a fixture is
    missing, or the kind is one reserved below (with the reason)."""
    reserved = {
        "identity.policy": "reserved: standalone policies are folded into roles/actions by every connector",
        "compute.function": "reserved: no connector collects it yet",
        "compute.container": "reserved for exit-plan residue (exit_plans.verify); no connector collects it yet",
        "exit.termination": "built only after `cloudgov exit terminate` (tests/exit_plans/test_termination.py)",
        "exit.residue.data": "built only by `cloudgov exit verify` (tests/exit_plans/test_termination.py)",
        "exit.residue.key": "built only by `cloudgov exit verify` (tests/exit_plans/test_termination.py)",
    }
    emitted = {r.kind for _, r in produced}
    assert not set(reserved) & emitted, "a reserved kind is now produced: drop it from the list"
    assert set(vocabulary.kinds()) - set(reserved) <= emitted, set(vocabulary.kinds()) - set(reserved) - emitted


def test_kind_enum_and_vocabulary_agree():
    cloud_kinds = {k for k, s in vocabulary.kinds().items() if not s.governance}
    assert {k.value for k in Kind} == cloud_kinds


def test_data_bearing_kinds_come_from_the_vocabulary():
    from scanner.model import DATA_BEARING_KINDS

    assert {str(k) for k in DATA_BEARING_KINDS} == vocabulary.data_bearing_kinds()
    assert "storage.object" in vocabulary.data_bearing_kinds() and "kms.key" not in vocabulary.data_bearing_kinds()


def test_every_policy_kind_is_in_the_vocabulary():
    for p in load_policies():
        for kind in p.kinds:
            assert vocabulary.kind(kind) is not None, f"{p.id}: kind {kind}"


def test_case_resources_speak_the_vocabulary():
    """The policy cases are resources too: a case may not test a property no connector may emit
    (a case built on a recorded register resource is checked with its changes applied)."""
    from scanner.model import Resource
    from tests.policies.test_cases import _based

    bad = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            for d in [_based(case["resource"])[0], *(case.get("inventory") or ())]:
                r = Resource("aws", "1", None, d["kind"], "Test::Resource", "x", "x",
                             properties=d.get("properties") or {})
                bad += [f"{path.name}:{case['policy']}:{case.get('name', '')}: {p}" for p in vocabulary.problems(r)]
    assert not bad, "\n".join(bad)


def test_docs_model_reference_is_generated_from_the_vocabulary():
    assert vocabulary.docs_current(), "docs/model.md is stale: run python -m scanner.vocabulary --write-docs"


def test_a_wrong_type_or_value_is_caught():
    from scanner.model import Resource

    r = Resource("aws", "1", "ap-east-2", "storage.object", "AWS::S3::Bucket", "b", "b",
                 properties={"encryption.key_manager": "customers", "replica_regions": "ap-east-1",
                             "encrypted": True, "retention_days": True})
    got = vocabulary.problems(r)
    assert len(got) == 4, got
    assert vocabulary.problems(Resource("aws", "1", None, "storage.tape", "Test::Tape", "f", "f")) == [
        "unknown kind 'storage.tape'"
    ]


# --- connectors: every kind they emit is named by their service tables ---------------------


def test_every_kind_aws_emits_is_hidden_by_an_unreadable_account(produced):
    """An account cloudgov cannot enter yields a gap over ALL_KINDS; a kind missing there
    would yield no finding at all (the EFS hazard): every kind the AWS normalizers emit must
    be a service's kind in scanner/connectors/aws/common.SERVICES."""
    from scanner.connectors.aws.common import ALL_KINDS, SERVICES

    from_services = {k for s in SERVICES.values() for k in s.kinds}
    emitted = {r.kind for origin, r in produced if r.provider == "aws" and "(iac)" not in origin}
    assert emitted, "no AWS resources in the inputs"
    assert emitted <= set(ALL_KINDS), f"not in ALL_KINDS: {emitted - set(ALL_KINDS)}"
    assert emitted <= from_services, f"no service declares: {emitted - from_services}"


def test_aws_regional_services_are_the_table_s():
    from scanner.connectors.aws.common import SERVICES
    from scanner.connectors.aws.fetch_regional import REGION_SERVICES

    assert {s.section for s in SERVICES.values() if s.regional} == set(REGION_SERVICES)
    for name, s in SERVICES.items():
        assert all(vocabulary.kind(k) is not None for k in s.kinds), name


CLOUDS = ("azure", "gcp")

#: types our Azure and GCP fixtures hold that no service of the connector reads, and why
UNREAD_TYPES = {
    "microsoft.resources/subscriptions/resourcegroups": "a resource group holds no data and no policy judges it",
    "spanner.googleapis.com/InstanceConfig": "the instance configuration's replicas are read from the instance",
}


def _services(cloud: str):
    import importlib

    return importlib.import_module(f"scanner.connectors.{cloud}.services")


def _from_connector(produced, cloud: str):
    """Resources the connector's own normalizers and offline readers built (not the hand-made
    sample estate, not IaC)."""
    got = [r for origin, r in produced if r.provider == cloud and "(iac)" not in origin
           and not origin.startswith("samples/")]
    assert got, f"no {cloud} resources in the inputs"
    return got


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_kind_a_connector_emits_is_named_by_each_service_it_comes_from(produced, cloud):
    """A subscription or scope that cannot be read is a gap over ALL_KINDS, a failed call a
    gap over its service's kinds: a kind missing from either would make that failure no
    finding at all. Every resource the normalizers build belongs to the services that list
    or emit its native type, and each of them names its kind."""
    services = _services(cloud)
    problems = set()
    for r in _from_connector(produced, cloud):
        names = services.services_of(r.native_type)
        if not names:
            problems.add(f"{r.native_type}: no service lists or emits it")
        for name in names:
            if r.kind not in services.SERVICES[name].kinds:
                problems.add(f"{r.native_type} is {r.kind}: service {name!r} does not name it")
        if r.kind not in services.ALL_KINDS:
            problems.add(f"{r.kind} is not in ALL_KINDS")
    sample_kinds = {r.kind for origin, r in produced if r.provider == cloud and origin.startswith("samples/")}
    problems |= {f"the samples hold {k}, which no service names" for k in sample_kinds - set(services.ALL_KINDS)}
    assert not problems, "\n".join(sorted(problems))


#: services no fixture exercises yet, and why; a new service comes with its fixture (a
#: recorded or public example), and its entry here goes
UNEXERCISED: dict[tuple[str, str], str] = {
    ("azure", "defender"): "Defender for Cloud plans (ARM pricings, issue 19) are read live only; no recorded or "
                           "public pricings answer in tests/data/azure yet",
    ("gcp", "securitycenter"): "Security Command Center is read live (Security Center Management API, "
                               "tests/connectors/gcp/test_scc.py); the exports these fixtures are hold no SCC state",
    ("azure", "blobcontainers"): "log containers' immutability is folded into their storage account "
                                 "(tests/connectors/azure/test_collect.py); it builds no resource of its own",
    ("azure", "appgateway"): "Application Gateway TLS policies (issue 19) have no recorded or public answer in "
                             "tests/data/azure yet; the sample estate carries one",
    ("gcp", "perimeters"): "VPC Service Controls access policies and perimeters build no resource of their own: "
                           "they become the projects' internet_access.* properties",
}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_service_builds_resources_from_the_fixtures(produced, cloud):
    """A service whose normalizer is left out (or never runs) builds nothing, and no other
    guard sees a kind another service still produces: every service must build at least one
    resource from the fixtures (or be listed above)."""
    services = _services(cloud)
    built = {n for r in _from_connector(produced, cloud) for n in services.services_of(r.native_type)}
    exempt = {n for c, n in UNEXERCISED if c == cloud}
    assert not exempt & built, f"now exercised by a fixture: drop {sorted(exempt & built)} from UNEXERCISED"
    assert set(services.SERVICES) - exempt <= built, (
        f"services that built no resource: {sorted(set(services.SERVICES) - exempt - built)}")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_connector_s_regional_flags_are_true_of_its_resources(produced, cloud):
    """A resource in a region comes from a regional service; one built only from
    tenant- or organisation-wide services is global."""
    services = _services(cloud)
    wrong = {
        f"{r.native_type} in {r.region}: services {names} are all declared regional=False"
        for r in _from_connector(produced, cloud)
        if (names := services.services_of(r.native_type)) and r.region not in (None, "global")
        and not any(services.SERVICES[n].regional for n in names)
    }
    assert not wrong, "\n".join(sorted(wrong))
    for name, s in services.SERVICES.items():
        assert s.kinds and all(vocabulary.kind(k) is not None for k in s.kinds), name


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_type_in_a_connector_s_fixtures_is_read_by_a_service(cloud):
    """A type the fixtures hold that no service lists is dropped without a word: a service
    left out of the table (its types, its normalizers) turns this red."""
    import re

    services = _services(cloud)
    pattern = (r'"type"\s*:\s*"(microsoft\.[a-z0-9]+/[^"]+)"' if cloud == "azure"
               else r'"(?:asset_type|assetType)"\s*:\s*"([a-z0-9.-]+\.googleapis\.com/[A-Za-z]+)"')
    seen: set[str] = set()
    for path in (ROOT / "tests" / "data" / cloud).rglob("*"):
        if path.is_file() and path.suffix in (".json", ".ndjson"):
            seen |= set(re.findall(pattern, path.read_text(encoding="utf-8"), flags=re.I))
    declared = {t for s in services.SERVICES.values() for t in (*s.types, *s.emits)}
    if cloud == "azure":
        seen = {t.lower() for t in seen}
        # a child row (servers/encryptionProtector) is read through its parent's service
        unread = {t for t in seen if t not in declared and t.rsplit("/", 1)[0] not in declared}
    else:
        unread = seen - declared
    assert seen, f"no types found in tests/data/{cloud}"
    assert unread <= set(UNREAD_TYPES), f"no {cloud} service reads {sorted(unread - set(UNREAD_TYPES))}"


def test_azure_and_gcp_derived_lists_are_the_table_s():
    from scanner.connectors.azure import services as az
    from scanner.connectors.azure.collect import QUERIES
    from scanner.connectors.gcp import services as gcp
    from scanner.connectors.gcp.collect import ASSET_GROUPS

    for t in az.NORMALIZED_TYPES:
        assert f"'{t}'" in QUERIES["resources"], t
    assert set(az.HANDLERS) <= set(az.NORMALIZED_TYPES)
    assert ASSET_GROUPS is gcp.ASSET_GROUPS
    listed = {t for types, _ in ASSET_GROUPS.values() for t in types}
    # a REST enrichment's records (Security Command Center) are handled like listed assets
    fetched = {t for s in gcp.SERVICES.values() if s.fetch == gcp.REST for t in s.types}
    assert set(gcp.HANDLERS) <= listed | fetched
    assert not fetched & listed


def test_every_kind_an_iac_type_maps_to_is_in_the_vocabulary_and_in_its_gaps(produced):
    """Each Terraform, CloudFormation and ARM type declares its kinds once (``register`` /
    ``declare``); a type's unreadable instance is a gap over them and an unparsable file a
    gap over their union (ALL_KINDS, derived): a resource of a kind its type does not
    declare would leave that kind out of both."""
    from scanner.iac import arm, cfn
    from scanner.iac.normalize import ALL_KINDS, KINDS

    tables = {"terraform": KINDS, "cloudformation": cfn.KINDS, "arm": arm.KINDS}
    declared = {k for table in tables.values() for kinds in table.values() for k in kinds}
    assert declared <= set(vocabulary.kinds())
    assert set(ALL_KINDS) == declared
    wrong = set()
    for origin, r in produced:
        if "(iac)" not in origin:
            continue
        raw = r.raw or {}
        if "terraform" in raw:
            table, rtype = "terraform", raw["terraform"]["type"]
        else:
            table, rtype = raw["template"]["format"], raw["template"]["type"]
        declared_kinds = tables[table].get(rtype.lower() if table == "arm" else rtype)
        if declared_kinds is None or r.kind not in declared_kinds:
            wrong.add(f"{table} {rtype} gives {r.kind}; its declaration says {declared_kinds}")
    assert not wrong, "\n".join(sorted(wrong))


# --- areas ------------------------------------------------------------------------------


def test_every_area_is_declared_with_titles_board_place_and_appetite():
    areas = {a.name: a for a in load_areas()}
    assert set(areas) == {p.area for p in load_policies()}
    for a in areas.values():
        assert a.title_zh and a.title_en and a.board in ("posture", "governance")
        assert 0 < float(a.appetite["min_pass_rate"]) <= 1, a.name


def test_every_area_has_report_messages_and_an_appetite():
    from scanner.report.data import load_appetite
    from scanner.report.posture import AREAS

    messages = yaml.safe_load((ROOT / "scanner" / "report" / "messages.yaml").read_text(encoding="utf-8"))
    appetite = load_appetite()
    for a in load_areas():
        msg = messages.get(f"area.{a.name}") or {}
        assert msg.get("zh-TW") and msg.get("en"), f"scanner/report/messages.yaml has no area.{a.name}"
        assert a.name in appetite["areas"], a.name
    assert AREAS == tuple(a.name for a in load_areas() if a.board == "posture")


def test_every_policy_of_every_area_has_pass_fail_and_error_cases():
    seen: dict[str, set[str]] = defaultdict(set)
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            seen[case["policy"]].add(case["expect"])
    policies = {p.id for p in load_policies()}
    for (policy, status), why in CASE_EXEMPT_STATUSES.items():
        assert policy in policies and status in ("PASS", "FAIL", "ERROR") and why, (policy, status)
        assert status not in seen.get(policy, set()), f"{policy} has a {status} case: drop its exemption"
    lacking = []
    for p in sorted(policies):
        needed = {s for s in ("PASS", "FAIL", "ERROR") if (p, s) not in CASE_EXEMPT_STATUSES}
        if not needed <= seen.get(p, set()):
            lacking.append(f"{p} has {sorted(seen.get(p, ()))}, needs {sorted(needed)}")
    assert not lacking, "policies lacking PASS/FAIL/ERROR cases:\n" + "\n".join(lacking)


def test_every_data_bearing_kind_meets_a_residency_and_a_key_policy():
    """Data-bearing means: where it is and who holds its key are judged. A new data kind
    no residency or CMK policy names would be collected and never evaluated."""
    policies = list(load_policies())
    for kind in sorted(vocabulary.data_bearing_kinds()):
        areas = {p.area for p in policies if kind in p.kinds}
        assert {"residency", "encryption"} <= areas, f"{kind}: judged only by {sorted(areas)}"
