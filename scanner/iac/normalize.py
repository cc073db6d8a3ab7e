"""Terraform resources → normalized Resources (docs/model.md), pure functions.

Each supported Terraform type maps to a canonical kind and the native type a live scan
would report, so the *same* policy predicates run on code and on clouds. The resource id
is the Terraform address with its module path (prefixed with the root directory when a
scan covers several roots); account is ``iac``; region comes from :mod:`scanner.iac.regions`.

A property is written only when the code makes it certain; when a value is an expression
we cannot evaluate (a variable without a default, a function call) the property is left
out, and the policy reports ERROR ("unknown"), never PASS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.iac.hcl import Ref, TfModule, TfProject, TfResource, Unknown, ref_address, resolve
from scanner.iac.regions import place, provider_of
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Resource

__all__ = ["Normalized", "Ctx", "normalize_project", "LOG_CLASS_TAG", "TYPES"]

ACCOUNT = "iac"
LOG_CLASS_TAG = "cloudgov:log-class"


@dataclass
class Normalized:
    kind: str
    native_type: str
    properties: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    edges: list[tuple[str, str]] = field(default_factory=list)  # (type, target address or id)
    region_override: str | None = None  # global services (IAM)


class Ctx:
    """What a type normalizer may consult: the other resources of the same module instance
    (and, for references, any block of the project)."""

    def __init__(self, module: TfModule, prefix: str, now: str | None = None, project: TfProject | None = None) -> None:
        self.module = module
        self.now = now
        self.prefix = prefix  # id prefix of the root ("aws/" or "")
        self.project = project
        self.unexpanded: list[str] = []  # dynamic blocks read that evaluation could not expand
        self.noted: list[str] = []  # the same, already turned into one unknown property
        self._by_type: dict[str, list[TfResource]] = {}
        for r in module.resources:
            self._by_type.setdefault(r.type, []).append(r)

    def value(self, res: TfResource, key: str) -> Any:
        """The certain value of an argument; None when absent or unknown."""
        return resolve(res.attrs.get(key))

    def has(self, res: TfResource, key: str) -> bool:
        return key in res.attrs

    def block(self, res: TfResource | dict, key: str) -> dict[str, Any] | None:
        """First nested block ``key`` (a block may come as one dict or a list of them)."""
        attrs = res.attrs if isinstance(res, TfResource) else res
        v = attrs.get(key)
        if isinstance(v, Unknown):
            self.unexpanded.append(str(v))
            return None
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return v[0]
        return v if isinstance(v, dict) else None

    def blocks(self, attrs: dict, key: str) -> list[dict[str, Any]]:
        v = attrs.get(key)
        if isinstance(v, Unknown):
            self.unexpanded.append(str(v))
            return []
        if isinstance(v, list):
            return [b for b in v if isinstance(b, dict)]
        return [v] if isinstance(v, dict) else []

    def scoped(self, compute: Callable[[], Any]) -> Any:
        """``compute()``, or None when it read a block evaluation could not expand — so that
        only the property it decides is unknown, not the whole resource."""
        mark = len(self.unexpanded)
        value = compute()
        if len(self.unexpanded) > mark:
            self.noted.extend(self.unexpanded[mark:])
            del self.unexpanded[mark:]
            return None
        return value

    def id_of(self, address: str) -> str:
        """The resource id of a full instance address."""
        return f"{self.prefix}{address}"

    def lookup(self, address: str) -> TfResource | None:
        return self.project.lookup(address) if self.project is not None else None

    def attached(self, res: TfResource, types: tuple[str, ...], via: tuple[str, ...]) -> list[TfResource]:
        """Resources of ``types`` whose argument in ``via`` refers to ``res`` (by reference or
        by the same literal name), e.g. the SSE configuration of a bucket."""
        # the same literal name, or the same expression left unevaluated (``"logs-${random_pet.x}"``
        # in both: one value at apply time)
        names = {res.attrs.get(k) for k in ("bucket", "name", "user", "group")} - {None}
        names = {n for n in names if isinstance(n, (str, Unknown))}
        out = []
        for t in types:
            for other in self._by_type.get(t, []):
                for arg in via:
                    v = other.attrs.get(arg)
                    if v is None:
                        continue
                    if ref_address(v) == res.address or (isinstance(v, (str, Unknown)) and v in names):
                        out.append(other)
                        break
        return out

    def of_type(self, t: str) -> list[TfResource]:
        return self._by_type.get(t, [])

    def key_ref(self, value: Any, aws_alias_prefix: str = "alias/aws/") -> tuple[str | None, str | None]:
        """(key_manager, key id or address) for a key argument.

        A reference to a key resource → customer (edge to it); an AWS-managed alias, also
        through ``data "aws_kms_key"`` → provider; another alias → customer (AWS keeps
        ``alias/aws/`` for its own keys); a literal id we cannot classify → (None, id).
        """
        if isinstance(value, Ref):
            if value.mode == "managed" and value.type in KEY_TYPES:
                return "customer", self.id_of(value.address)
            target = self.lookup(value.address)
            if target is not None and value.type == "aws_kms_key":  # data source lookup
                return self.key_ref(target.attrs.get("key_id"), aws_alias_prefix)
            if target is not None and value.type == "aws_kms_alias":
                return self.key_ref(target.attrs.get("target_key_id"), aws_alias_prefix)
            return None, None
        v = resolve(value)
        if isinstance(v, str) and v:
            if aws_alias_prefix and aws_alias_prefix in v:
                return "provider", v
            if aws_alias_prefix and (v.startswith("alias/") or ":alias/" in v):
                return "customer", v
            return None, v
        return None, None


#: Terraform types that create customer-managed keys.
KEY_TYPES = {"aws_kms_key", "aws_kms_replica_key", "azurerm_key_vault_key", "google_kms_crypto_key"}

Normalizer = Callable[[TfResource, Ctx], Normalized | None]

#: Terraform type → normalizer; filled by the provider modules on import (:func:`register`).
TYPES: dict[str, Normalizer] = {}
#: Terraform type → the canonical kinds its resources may take (coverage table, gaps).
KINDS: dict[str, tuple[str, ...]] = {}


def declare(types: dict[str, tuple[Any, str | tuple[str, ...]]], into: dict[str, Any],
            kinds_of: dict[str, tuple[str, ...]]) -> None:
    """Declare each IaC type once: its normalizer (into ``into``) and the kinds it produces
    (into ``kinds_of``). Terraform, CloudFormation and ARM tables are all filled this way."""
    for t, (fn, kinds) in types.items():
        into[t] = fn
        kinds_of[t] = (kinds,) if isinstance(kinds, str) else tuple(kinds)


def register(types: dict[str, tuple[Normalizer, str | tuple[str, ...]]]) -> None:
    """Declare each Terraform type once: its normalizer and the kinds it produces."""
    declare(types, TYPES, KINDS)


def key_props(manager: str | None, key: str | None) -> dict[str, Any]:
    """Encryption fields of a resource encrypted at rest by ``key`` (managed by ``manager``)."""
    props: dict[str, Any] = {"encryption.enabled": True, "encryption.key_manager": manager}
    if key:
        props["encryption.key_id"] = key
    return props


def key_edges(props: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``encrypted_by`` edge to the key named in the properties, if any (none to a
    provider-managed key: ``encryption.key_manager`` already says all there is to say)."""
    key = props.get("encryption.key_id")
    return [("encrypted_by", key)] if key and props.get("encryption.key_manager") != "provider" else []


def log_class(tags: dict[str, Any]) -> str | None:
    v = tags.get(LOG_CLASS_TAG) or tags.get(LOG_CLASS_TAG.replace(":", "_"))
    return v if isinstance(v, str) else None


def tags_of(res: TfResource, ctx: Ctx, key: str = "tags") -> dict[str, str]:
    tags = ctx.value(res, key)
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    raw = res.attrs.get(key)
    if isinstance(raw, dict):  # keep the known ones when some values are not
        return {str(k): v for k, v in raw.items() if isinstance(v, str) and resolve(v) is not None}
    return {}


def _load_provider_modules() -> None:
    from scanner.iac import aws, aws_data, azure, azure_data, gcp, images  # noqa: F401  (register their types)


def normalize_project(project: TfProject, prefix: str, inventory: Inventory) -> None:
    """Add the project's resources, relationships and coverage gaps to ``inventory``."""
    _load_provider_modules()
    for module in project.modules:
        ctx = Ctx(module, prefix, inventory.collected_at, project)
        for res in module.resources:
            fn = TYPES.get(res.type)
            if fn is None:
                continue
            ctx.unexpanded, ctx.noted = [], []
            n = fn(res, ctx)
            if n is None:
                continue
            if ctx.unexpanded:  # what those blocks decide is unknown: keep no property they might
                n.properties = {k: v for k, v in n.properties.items() if k == "log_class"}
                n.edges = []
            placement = place(res)
            region = n.region_override or placement.region
            rid = f"{prefix}{res.address}"
            props = {k: v for k, v in n.properties.items() if v is not None}
            if region is None:
                props["region_unresolved"] = placement.how
            raw = {
                "location": res.location,
                "terraform": {
                    "address": res.address,
                    "type": res.type,
                    "provider_config": placement.provider_config,
                    "region_source": placement.how if n.region_override is None else "global service",
                    **({"unexpanded": [*ctx.noted, *ctx.unexpanded]} if ctx.noted or ctx.unexpanded else {}),
                },
            }
            inventory.add(
                Resource(
                    provider=provider_of(res) or "unknown",
                    account=ACCOUNT,
                    region=region,
                    kind=n.kind,
                    native_type=n.native_type,
                    id=rid,
                    name=n.name or res.name,
                    tags=tags_of(res, ctx) if res.type.startswith(("aws", "azurerm")) else tags_of(res, ctx, "labels"),
                    properties=props,
                    raw=raw,
                )
            )
            for rel_type, target in n.edges:
                inventory.relate(rid, rel_type, target)
    from scanner.iac.aws_data import log_destinations
    from scanner.iac.azure_data import log_feeds

    if project.modules:
        root = Ctx(project.modules[0], prefix, None, project)
        fed = {rid: {"log_class": c} for rid, c in log_destinations(root).items()} | log_feeds(root)
        _log_buckets(inventory, fed)
    for problem in project.problems:
        if problem.type is not None and problem.type not in KINDS:
            continue  # instances of a type no policy judges
        inventory.gap(
            CoverageGap(
                provider="iac",
                account=ACCOUNT,
                region=None,
                # already relative to the working directory (project._relocate), like locations
                service=f"terraform:{problem.file}" + (f"#{prefix}{problem.address}" if problem.address else ""),
                kinds=KINDS[problem.type] if problem.type else tuple(sorted(all_kinds())),
                code=problem.code,
                message=problem.message,
            )
        )


def _log_buckets(inventory: Inventory, fed: dict[str, dict[str, Any]]) -> None:
    """Buckets a trail writes to, or tagged with a log class, are log stores (as in live
    scans); so is object storage that receives access, flow or audit logs (``fed``), which
    takes the class (unless tagged) and the retention the feeding resource sets."""
    from dataclasses import replace

    targets = {rel.target for rel in inventory.relationships if rel.type == "logs_to"}
    for rid, r in list(inventory.resources.items()):
        feed = fed.get(rid)
        if r.kind == "storage.object" and (feed is not None or (
            r.native_type == "AWS::S3::Bucket" and (rid in targets or r.prop("log_class")))
        ):
            r = inventory.resources[rid] = replace(r, kind="log.store")
        if feed is not None and r.kind == "log.store":
            props = dict(r.properties)
            props.setdefault("log_class", feed.get("log_class"))
            if props.get("log_class") is None:
                props["log_class"] = feed.get("log_class")
            if "retention_days" not in props and not props.get("retention_unlimited"):
                props.update({k: v for k, v in feed.items() if k.startswith("retention_")})
            inventory.resources[rid] = replace(r, properties=props)
    inventory._invalidate()


def all_kinds() -> frozenset[str]:
    """Every kind an IaC type is declared to produce (Terraform, CloudFormation, ARM): what a
    file that cannot be parsed leaves unknown. Derived from the three declarations."""
    from scanner.iac import arm, cfn, cfn_aws  # noqa: F401  (cfn_aws declares its types into cfn)

    _load_provider_modules()
    return frozenset(k for table in (KINDS, cfn.KINDS, arm.KINDS) for kinds in table.values() for k in kinds)


def __getattr__(name: str) -> Any:
    if name == "ALL_KINDS":  # computed on first use: the provider modules declare their types on import
        return all_kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
