"""CloudFormation templates: intrinsic functions evaluated where certain, resources normalized.

A template has no region of its own: a stack gets it when it is deployed (``aws
cloudformation deploy --region``, the console, a StackSet). So the region is what the user
tells ``cloudgov iac --region``; without it every resource is ``region_unresolved`` and the
residency policies answer ERROR saying the region is decided at deployment, never PASS.

Values are evaluated only where the answer is certain: literals, ``Ref`` to a parameter with
a ``Default`` (SSM-typed parameters excepted: their default names a parameter, not a value),
pseudo parameters that the region decides, ``Fn::Sub`` / ``Fn::Join`` / ``Fn::Select`` /
``Fn::FindInMap`` over those, and ``Fn::If`` whose condition is itself certain. Anything else
(``Fn::ImportValue``, a resource attribute, a parameter without a default) is unknown (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scanner.iac.normalize import Normalized, declare

__all__ = ["Template", "normalize_template", "TYPES", "NO_REGION"]

NO_REGION = ("a CloudFormation template has no region: the stack's region is decided at deployment "
             "(give `cloudgov iac --region`)")

_ABSENT = object()  # Ref AWS::NoValue: the property is not set
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")



def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A top-level mapping of the template; anything else reads as empty."""
    v = doc.get(name)
    return v if isinstance(v, dict) else {}

class Template:
    """One template's parameters, mappings, conditions and resources, with a region if given."""

    def __init__(self, doc: dict[str, Any], region: str | None, id_prefix: str) -> None:
        self.doc = doc
        self.region = region
        self.prefix = id_prefix  # "<file>#"
        self.parameters: dict[str, Any] = _section(doc, "Parameters")
        self.mappings: dict[str, Any] = _section(doc, "Mappings")
        self.conditions: dict[str, Any] = _section(doc, "Conditions")
        res = _section(doc, "Resources")
        self.resources = {k: v for k, v in res.items() if isinstance(v, dict) and isinstance(v.get("Type"), str)}

    # --- evaluation ---------------------------------------------------------------------------

    def type_of(self, logical_id: str | None) -> str | None:
        res = self.resources.get(logical_id or "")
        return res["Type"] if res else None

    def id_of(self, logical_id: str) -> str:
        return f"{self.prefix}{logical_id}"

    def props(self, logical_id: str) -> dict[str, Any]:
        p = self.resources[logical_id].get("Properties")
        return p if isinstance(p, dict) else {}

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        return [(lid, self.props(lid)) for lid, r in self.resources.items() if r["Type"] in types]

    def has(self, props: dict[str, Any], key: str) -> bool:
        return key in props and self._eval(props[key], 0) is not _ABSENT

    def value(self, v: Any) -> Any:
        """The certain value of an expression; None when unknown or absent."""
        out = self._eval(v, 0)
        return None if out is _ABSENT else out

    def target(self, v: Any) -> str | None:
        """The logical id a ``Ref`` / ``Fn::GetAtt`` / ``Fn::Sub "${X.Arn}"`` refers to, if a resource."""
        if isinstance(v, dict) and len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref" and arg in self.resources:
                return arg
            if fn == "Fn::GetAtt":
                lid = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
                return lid if lid in self.resources else None
            if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                cond = self.condition(arg[0])
                return None if cond is None else self.target(arg[1] if cond else arg[2])
            if fn == "Fn::Sub" and isinstance(arg, str):
                refs = {m.split(".", 1)[0] for m in _SUB.findall(arg)} & set(self.resources)
                return next(iter(refs)) if len(refs) == 1 else None
        return None

    def _param(self, name: str) -> Any:
        if name == "AWS::Region":
            return self.region
        if name == "AWS::Partition":
            return None if self.region is None else (
                "aws-cn" if self.region.startswith("cn-") else "aws-us-gov" if "-gov-" in self.region else "aws")
        if name == "AWS::URLSuffix":
            return None if self.region is None else ("amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com")
        if name == "AWS::NoValue":
            return _ABSENT
        p = self.parameters.get(name)
        if not isinstance(p, dict) or "Default" not in p:
            return None  # a resource, a pseudo parameter known only at deployment, or no default
        if str(p.get("Type", "")).startswith("AWS::SSM::Parameter"):
            return None  # the default names an SSM parameter; its value is read at deployment
        default = p["Default"]
        if str(p.get("Type", "")) == "Number":
            try:
                return int(default)
            except (TypeError, ValueError):
                return None
        return default

    def _eval(self, v: Any, depth: int) -> Any:
        if depth > 20:
            return None
        if isinstance(v, list):
            items = [self._eval(x, depth + 1) for x in v]
            return [x for x in items if x is not _ABSENT]
        if not isinstance(v, dict):
            return v
        if len(v) != 1 or not next(iter(v)).startswith(("Fn::", "Ref")):
            out = {}
            for k, x in v.items():
                e = self._eval(x, depth + 1)
                if e is not _ABSENT:
                    out[k] = e
            return out
        (fn, arg), = v.items()
        d = depth + 1
        if fn == "Ref":
            return self._param(arg) if isinstance(arg, str) else None
        if fn == "Fn::Sub":
            return self._sub(arg, d)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            sep, items = self._eval(arg[0], d), self._eval(arg[1], d)
            if isinstance(sep, str) and isinstance(items, list) and all(isinstance(i, (str, int)) for i in items):
                return sep.join(str(i) for i in items)
            return None
        if fn == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            idx, items = self._eval(arg[0], d), self._eval(arg[1], d)
            try:
                return items[int(idx)] if isinstance(items, list) else None
            except (TypeError, ValueError, IndexError):
                return None
        if fn == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
            keys = [self._eval(a, d) for a in arg[:3]]
            try:
                return self.mappings[keys[0]][keys[1]][keys[2]] if all(isinstance(k, str) for k in keys) else None
            except (KeyError, TypeError):
                return None
        if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            cond = self.condition(arg[0], d)
            return None if cond is None else self._eval(arg[1] if cond else arg[2], d)
        return None  # Fn::GetAtt, Fn::ImportValue, Fn::GetAZs, Fn::Base64 …: known only at deployment

    def _sub(self, arg: Any, depth: int) -> str | None:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, local = arg[0], {k: self._eval(x, depth + 1) for k, x in arg[1].items()}
        else:
            text, local = arg, {}
        if not isinstance(text, str):
            return None
        unknown = False

        def one(m: re.Match) -> str:
            nonlocal unknown
            name = m.group(1).strip()
            value = local[name] if name in local else (None if "." in name else self._param(name))
            if not isinstance(value, (str, int)):
                unknown = True
                return ""
            return str(value)

        out = _SUB.sub(one, text)
        return None if unknown else out.replace("${!", "${")

    def condition(self, v: Any, depth: int = 0) -> bool | None:
        """True / False when a condition is certain, else None."""
        if depth > 20:
            return None
        if isinstance(v, str):
            return self.condition(self.conditions.get(v), depth + 1) if v in self.conditions else None
        if isinstance(v, bool):
            return v
        if not isinstance(v, dict) or len(v) != 1:
            return None
        (fn, arg), = v.items()
        if fn == "Condition":
            return self.condition(arg, depth + 1)
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = (self._eval(x, depth + 1) for x in arg)
            return None if a is None or b is None else str(a) == str(b)
        parts = [self.condition(x, depth + 1) for x in arg] if isinstance(arg, list) else [None]
        if fn == "Fn::Not":
            return None if parts[0] is None else not parts[0]
        if fn == "Fn::And":
            return False if False in parts else (None if None in parts else True)
        if fn == "Fn::Or":
            return True if True in parts else (None if None in parts else False)
        return None

    # --- helpers the type normalizers share ---------------------------------------------------

    def key_ref(self, v: Any) -> tuple[str | None, str | None]:
        """(key_manager, key id) for a KMS key argument: a key in this template → customer;
        an ``alias/aws/*`` AWS-managed alias → provider; a literal we cannot classify → (None, it)."""
        lid = self.target(v)
        if lid and self.type_of(lid) in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            return "customer", self.id_of(lid)
        if lid and self.type_of(lid) == "AWS::KMS::Alias":
            key = self.target(self.props(lid).get("TargetKeyId"))
            if key and self.type_of(key) in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
                return "customer", self.id_of(key)
            return None, self.id_of(lid)
        value = self.value(v)
        if isinstance(value, str) and value:
            return ("provider", value) if "alias/aws/" in value else (None, value)
        return None, None

    def tags(self, props: dict[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        tags = props.get("Tags")
        if isinstance(tags, list):
            for t in tags:
                if isinstance(t, dict):
                    k, val = self.value(t.get("Key")), self.value(t.get("Value"))
                    if isinstance(k, str) and isinstance(val, (str, int, bool)):
                        out[k] = str(val)
        elif isinstance(tags, dict):  # AWS::SSM and a few others take a map
            out = {str(k): str(self.value(x)) for k, x in tags.items() if isinstance(self.value(x), (str, int))}
        return out


Normalizer = Callable[[str, dict[str, Any], Template], Normalized | None]

#: CloudFormation type → normalizer; filled by :mod:`scanner.iac.cfn_aws` on import (:func:`register`).
TYPES: dict[str, Normalizer] = {}
#: CloudFormation type → the canonical kinds its resources may take
KINDS: dict[str, tuple[str, ...]] = {}


def register(types: dict[str, tuple[Normalizer, str | tuple[str, ...]]]) -> None:
    """Declare each CloudFormation type once: its normalizer and the kinds it produces."""
    declare(types, TYPES, KINDS)


def normalize_template(tf, inventory, *, region: str | None = None, location: str | None = None) -> None:
    """Add one CloudFormation template's resources to ``inventory`` (account ``iac``)."""
    from scanner.iac import cfn_aws  # noqa: F401  (registers the types)
    from scanner.iac.templates import add_resource

    tpl = Template(tf.doc, region, f"{tf.rel}#")
    how = "--region (the stack's region)" if region else NO_REGION
    for lid, res in tpl.resources.items():
        fn = TYPES.get(res["Type"])
        if fn is None:
            continue
        n = fn(lid, tpl.props(lid), tpl)
        if n is None:
            continue
        if n.kind == "identity.user":
            # not deployed yet: the user comes into being when the stack is created, i.e. now
            n.properties.setdefault("created", inventory.collected_at)
        source = {"format": "cloudformation", "logical_id": lid, "type": res["Type"]}
        if "Condition" in res:
            source["condition"] = res["Condition"]  # created only when the condition holds
        lines = getattr(res, "lines", (0, 0))
        add_resource(inventory, n, provider="aws", rid=tpl.id_of(lid), name=lid, region=region, how=how,
                     file=tf.shown, lines=lines, tags=tpl.tags(tpl.props(lid)), source=source)
