"""ARM template expressions (``"[parameters('location')]"``) evaluated where certain.

A small parser for the expression language (function calls, 'strings' with '' escapes,
numbers, ``.property`` and ``[index]`` access) and the functions whose result code alone
decides: ``parameters`` (their ``defaultValue``), ``variables``, ``concat``, ``format``,
``toLower``/``toUpper``, ``if``/``equals``/``not``/``and``/``or``, ``resourceId`` (a
reference a resource in the same template can be matched by). Everything else, and
``resourceGroup().location`` unless the user gave ``--location``, is :class:`Unknown` with the
reason, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Unknown", "ResourceRef", "evaluate", "is_expression", "Scope"]

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>[(),.\[\]]))")


@dataclass(frozen=True)
class Unknown:
    """A value decided at deployment; ``why`` says what it depends on."""

    why: str


@dataclass(frozen=True)
class ResourceRef:
    """``resourceId('Microsoft.KeyVault/vaults/keys', 'kv', 'k')`` → type and name path."""

    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}/{self.name}"


class Scope(Protocol):
    def parameter(self, name: str) -> Any: ...
    def variable(self, name: str) -> Any: ...
    def resource_group_location(self) -> Any: ...


def is_expression(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("[") and v.endswith("]") and not v.startswith("[[")


def evaluate(value: Any, scope: Scope, depth: int = 0) -> Any:
    """Evaluate strings that are expressions, recursively through objects and arrays."""
    if depth > 30:
        return Unknown("expression nesting too deep")
    if isinstance(value, dict):
        return {k: evaluate(v, scope, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, scope, depth + 1) for v in value]
    if isinstance(value, str) and value.startswith("[["):
        return value[1:]  # an escaped literal bracket
    if not is_expression(value):
        return value
    try:
        tokens = _tokenize(value[1:-1])
        node, pos = _parse(tokens, 0)
        if pos != len(tokens):
            raise ValueError("trailing input")
    except (ValueError, IndexError):
        return Unknown(f"cannot parse expression {value}")
    return _eval(node, scope, depth + 1, value)


def _tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected {text[pos:pos + 10]!r}")
        kind = m.lastgroup or "op"
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _parse(tokens: list[tuple[str, str]], pos: int) -> tuple[Any, int]:
    kind, text = tokens[pos]
    if kind == "str":
        node: Any = ("lit", text[1:-1].replace("''", "'"))
        pos += 1
    elif kind == "num":
        node, pos = ("lit", int(text)), pos + 1
    elif kind == "name" and pos + 1 < len(tokens) and tokens[pos + 1] == ("op", "("):
        pos += 2
        args = []
        while tokens[pos] != ("op", ")"):
            arg, pos = _parse(tokens, pos)
            args.append(arg)
            if tokens[pos] == ("op", ","):
                pos += 1
        node, pos = ("call", text.lower(), args), pos + 1
    else:
        raise ValueError(f"unexpected {text!r}")
    while pos < len(tokens) and tokens[pos] in (("op", "."), ("op", "[")):
        if tokens[pos] == ("op", "."):
            node, pos = ("get", node, ("lit", tokens[pos + 1][1])), pos + 2
        else:
            index, pos = _parse(tokens, pos + 1)
            if tokens[pos] != ("op", "]"):
                raise ValueError("missing ]")
            node, pos = ("get", node, index), pos + 1
    return node, pos


def _eval(node: Any, scope: Scope, depth: int, source: str) -> Any:
    if node[0] == "lit":
        return node[1]
    if node[0] == "get":
        base, key = _eval(node[1], scope, depth, source), _eval(node[2], scope, depth, source)
        for v in (base, key):
            if isinstance(v, Unknown):
                return v
        try:
            if isinstance(base, dict):
                match = next((k for k in base if str(k).lower() == str(key).lower()), None)
                return base[match] if match is not None else Unknown(f"{source}: no property {key!r}")
            return base[int(key)]
        except (TypeError, ValueError, IndexError):
            return Unknown(f"{source}: cannot index")
    _, name, arg_nodes = node
    if name == "if" and len(arg_nodes) == 3:  # only the branch taken is evaluated
        cond = _eval(arg_nodes[0], scope, depth, source)
        if isinstance(cond, Unknown):
            return cond
        return _eval(arg_nodes[1] if cond else arg_nodes[2], scope, depth, source)
    args = [_eval(a, scope, depth, source) for a in arg_nodes]
    if name == "resourcegroup" and not args:
        return {"location": scope.resource_group_location(),
                "name": Unknown("the resource group is chosen at deployment"),
                "id": Unknown("the resource group is chosen at deployment")}
    if name == "resourceid" and len(args) >= 2:
        parts = [a for a in args if not isinstance(a, Unknown)]
        types = [str(a) for a in parts if "/" in str(a) and "." in str(a).split("/")[0]]
        if types and len(parts) == len(args):
            i = args.index(types[-1])
            return ResourceRef(types[-1], "/".join(str(a) for a in args[i + 1:]))
        return Unknown(f"{source}: resource id not certain")
    unknown = next((a for a in args if isinstance(a, Unknown)), None)
    if unknown is not None:
        return unknown
    fn = _FUNCTIONS.get(name)
    if name == "parameters" and len(args) == 1:
        return evaluate(scope.parameter(str(args[0])), scope, depth + 1)
    if name == "variables" and len(args) == 1:
        return evaluate(scope.variable(str(args[0])), scope, depth + 1)
    if fn is None:
        return Unknown(f"{source}: {name}() is known only at deployment")
    try:
        return fn(*args)
    except (TypeError, ValueError, IndexError, KeyError):
        return Unknown(f"{source}: cannot evaluate {name}()")


def _concat(*args: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    return "".join(str(a).lower() if isinstance(a, bool) else str(a) for a in args)


def _format(fmt: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)(:[^}]*)?\}", lambda m: str(args[int(m.group(1))]), fmt)


_FUNCTIONS: dict[str, Any] = {
    "concat": _concat,
    "format": _format,
    "tolower": lambda s: str(s).lower(),
    "toupper": lambda s: str(s).upper(),
    "string": lambda s: s if isinstance(s, str) else str(s).lower() if isinstance(s, bool) else str(s),
    "int": int,
    "bool": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
    "equals": lambda a, b: a == b,
    "not": lambda a: not a,
    "and": lambda *a: all(a),
    "or": lambda *a: any(a),
    "true": lambda: True,
    "false": lambda: False,
    "null": lambda: None,
    "empty": lambda v: not v,
    "replace": lambda s, a, b: str(s).replace(str(a), str(b)),
    "trim": lambda s: str(s).strip(),
    "coalesce": lambda *a: next((x for x in a if x is not None), None),
}
