"""Terraform as Terraform evaluates it: the model our normalizers read.

:mod:`scanner.iac.tfload` fills it from tfparse (Aqua's defsec evaluator: modules,
``count``, ``for_each``, ``dynamic``, functions, references) or
:mod:`scanner.iac.plan` from ``terraform show -json``. Every :class:`TfResource` is one
*instance*, addressed as ``terraform plan`` prints it (``module.a["k"].aws_s3_bucket.this[0]``),
with its attributes already evaluated. Two markers stand for what evaluation could not give:

* :class:`Unknown` — a value not knowable from code (a variable without a value, an
  attribute computed at apply time); a property read from it stays unknown → ERROR.
* :class:`Ref` — a reference to another block (``aws_kms_key.k[0].arn``), with its address.

``null`` is absent, as in Terraform: an argument set to ``null`` is dropped when loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["TfResource", "TfModule", "TfProject", "ParseProblem", "Unknown", "Ref", "resolve", "ref_address"]


@dataclass(frozen=True)
class Unknown:
    """A value evaluation could not give (the expression, for the reason shown)."""

    expr: str

    def __repr__(self) -> str:
        return self.expr


@dataclass(frozen=True)
class Ref:
    """A reference to another block: its full instance address and type."""

    address: str  # module.a.aws_kms_key.k[0] / data.aws_kms_key.s3
    type: str
    mode: str = "managed"  # or "data"

    def __repr__(self) -> str:
        return self.address


@dataclass
class ParseProblem:
    file: str
    message: str
    type: str | None = None  # the Terraform type whose instances are unknown (None: any)
    address: str | None = None  # the block it is about, when it is about one
    code: str = "ParseError"


@dataclass
class TfResource:
    address: str  # module.a["k"].aws_s3_bucket.logs[0]
    type: str
    name: str
    module: TfModule
    file: str
    start_line: int
    end_line: int
    attrs: dict[str, Any]
    mode: str = "managed"

    @property
    def location(self) -> dict[str, Any]:
        return {"file": self.file, "start_line": self.start_line, "end_line": self.end_line}


@dataclass
class TfModule:
    address: str  # "" for the root, 'module.a["k"].' for children (a prefix)
    directory: Path | None = None
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws" / "aws.tw" -> attrs
    passed_providers: dict[str, tuple[TfModule, str]] = field(default_factory=dict)
    parent: TfModule | None = None
    resources: list[TfResource] = field(default_factory=list)


@dataclass
class TfProject:
    root: Path
    modules: list[TfModule] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    data: list[TfResource] = field(default_factory=list)  # data sources, by address in .lookup
    source: str = "terraform"  # or "plan"

    @property
    def resources(self) -> list[TfResource]:
        return [r for m in self.modules for r in m.resources]

    def lookup(self, address: str) -> TfResource | None:
        index = self.__dict__.get("_index")
        if index is None:
            index = {r.address: r for r in [*self.resources, *self.data]}
            self.__dict__["_index"] = index
        return index.get(address)


def known(value: Any) -> bool:
    """True when nothing inside ``value`` is unknown or a reference."""
    if isinstance(value, (Unknown, Ref)):
        return False
    if isinstance(value, str):
        return "${" not in value
    if isinstance(value, list):
        return all(known(v) for v in value)
    if isinstance(value, dict):
        return all(known(v) for v in value.values())
    return True


def resolve(value: Any, module: TfModule | None = None) -> Any:
    """The value when evaluation made it certain, else None (unknown). ``module`` is kept
    for the callers' sake: values are evaluated when loaded."""
    return value if known(value) else None


def ref_address(value: Any) -> str | None:
    """The full address a reference points at (None when ``value`` is not a reference)."""
    return value.address if isinstance(value, Ref) else None


_PROVIDER_REF = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?")


def _provider_ref(value: Any) -> str | None:
    """``aws.tw`` (as written in ``provider = aws.tw``) or None."""
    text = value.expr if isinstance(value, Unknown) else value
    if not isinstance(text, str):
        return None
    text = text.strip().removeprefix("${").removesuffix("}").strip()
    return text if _PROVIDER_REF.fullmatch(text) else None
