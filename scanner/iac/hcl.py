"""Terraform read in our own process: modules, variables, locals, providers, resources.

checkov renders Terraform far more completely than this (functions, ``for_each``), but
it never tells a check which *region* a provider points at. So we parse the code
ourselves (python-hcl2, imported lazily), walk the module tree from the root, and keep
just enough to place each resource: its address (with the module path), file and lines,
its attributes, and the provider configuration it uses.

Expressions are evaluated only where the answer is certain: literals, ``var.x`` (from
``*.tfvars`` files, module call arguments and defaults), ``local.x`` and string
interpolation of those. Anything else stays *unresolved* (``None``), never guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["TfResource", "TfModule", "TfProject", "ParseProblem", "load_project", "resolve", "ref_address"]

_META = ("__start_line__", "__end_line__")
_VAR = re.compile(r"\$\{\s*(var|local)\.([A-Za-z0-9_-]+)\s*\}")
_WHOLE_REF = re.compile(r"^\$\{\s*([A-Za-z0-9_.\-\[\]\"]+)\s*\}$")


@dataclass
class ParseProblem:
    file: str
    message: str


@dataclass
class TfResource:
    address: str  # module.a.module.b.aws_s3_bucket.logs
    type: str
    name: str
    module: "TfModule"
    file: str
    start_line: int
    end_line: int
    attrs: dict[str, Any]

    @property
    def location(self) -> dict[str, Any]:
        return {"file": self.file, "start_line": self.start_line, "end_line": self.end_line}


@dataclass
class TfModule:
    address: str  # "" for the root, "module.a." for children (a prefix)
    directory: Path
    variables: dict[str, Any] = field(default_factory=dict)  # name -> value (None: unknown)
    locals: dict[str, Any] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws" / "aws.tw" -> attrs
    passed_providers: dict[str, tuple["TfModule", str]] = field(default_factory=dict)
    parent: "TfModule | None" = None
    resources: list[TfResource] = field(default_factory=list)


@dataclass
class TfProject:
    root: Path
    modules: list[TfModule] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def resources(self) -> list[TfResource]:
        return [r for m in self.modules for r in m.resources]


def strip_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_meta(v) for k, v in value.items() if k not in _META}
    if isinstance(value, list):
        return [strip_meta(v) for v in value]
    return value


def _parse_file(path: Path, problems: list[ParseProblem], rel_to: Path) -> dict[str, Any]:
    """The file's HCL as python-hcl2 gives it (read-only: the result may be shared)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(ParseProblem(_rel(path, rel_to), f"cannot read Terraform: {e.strerror}"))
        return {}
    # Parse each file once per run: a module called N times, and the root search before the
    # scan, would otherwise parse the same file again each time (lark is most of our time).
    # Keyed by path and content, so an edited file is never served stale.
    key = (str(path.resolve()), hashlib.blake2b(data, digest_size=16).digest())
    hit = _PARSED.get(key)
    if hit is None:
        hit = _parse_bytes(data)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))  # oldest first
        _PARSED[key] = hit
    doc, error = hit
    if error is not None:
        problems.append(ParseProblem(_rel(path, rel_to), f"cannot parse Terraform: {error}"))
    return doc


_PARSED: dict[tuple[str, bytes], tuple[dict[str, Any], str | None]] = {}
_PARSED_MAX = 4096


def _parse_bytes(data: bytes) -> tuple[dict[str, Any], str | None]:
    import hcl2  # lazy: the CLI must start fast

    try:
        return hcl2.loads(data.decode("utf-8"), with_meta=True), None
    except Exception as e:  # lark raises many error types; one bad file must not stop the scan
        return {}, (str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _tfvars(directory: Path, problems: list[ParseProblem], rel_to: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    files = [directory / "terraform.tfvars"] + sorted(directory.glob("*.auto.tfvars"))
    for f in files:
        if f.is_file():
            values.update(strip_meta(_parse_file(f, problems, rel_to)))
    for f in [directory / "terraform.tfvars.json"] + sorted(directory.glob("*.auto.tfvars.json")):
        if f.is_file():
            try:
                values.update(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError) as e:
                problems.append(ParseProblem(_rel(f, rel_to), f"cannot read variables file: {e}"))
    return values


def _downloaded_modules(root: Path) -> dict[str, Path]:
    """``terraform init`` records remote modules in .terraform/modules/modules.json."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {m["Key"]: root / m["Dir"] for m in doc.get("Modules", []) if m.get("Key") and m.get("Dir")}


def load_project(root: str | Path, *, max_depth: int = 12) -> TfProject:
    """Parse the root module in ``root`` and every module it calls (local or downloaded)."""
    root = Path(root)
    project = TfProject(root=root)
    downloaded = _downloaded_modules(root)
    root_vars = _tfvars(root, project.problems, root)
    _load_module(project, root, "", None, root_vars, {}, downloaded, "", 0, max_depth)
    return project


def _load_module(
    project: TfProject,
    directory: Path,
    address: str,
    parent: TfModule | None,
    given_vars: dict[str, Any],
    passed_providers: dict[str, tuple[TfModule, str]],
    downloaded: dict[str, Path],
    key: str,
    depth: int,
    max_depth: int,
) -> None:
    module = TfModule(address=address, directory=directory, parent=parent, passed_providers=passed_providers)
    project.modules.append(module)
    blocks: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for f in sorted(directory.glob("*.tf")):
        project.files.append(f)
        doc = _parse_file(f, project.problems, project.root)
        rel = _rel(f, project.root)
        for block_type, entries in doc.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                blocks.setdefault(block_type, []).append((rel, entry))

    declared: dict[str, Any] = {}
    for _, entry in blocks.get("variable", []):
        for name, body in entry.items():
            if name in _META:
                continue
            declared[name] = strip_meta(body).get("default") if isinstance(body, dict) else None
    module.variables = {name: given_vars.get(name, default) for name, default in declared.items()}
    for _, entry in blocks.get("locals", []):
        module.locals.update({k: strip_meta(v) for k, v in entry.items() if k not in _META})
    for _, entry in blocks.get("provider", []):
        for pname, body in entry.items():
            attrs = strip_meta(body)
            alias = attrs.get("alias")
            module.providers[f"{pname}.{alias}" if alias else pname] = attrs

    for rel, entry in blocks.get("resource", []):
        for rtype, named in entry.items():
            for rname, body in named.items():
                module.resources.append(
                    TfResource(
                        address=f"{address}{rtype}.{rname}",
                        type=rtype,
                        name=rname,
                        module=module,
                        file=rel,
                        start_line=int(body.get("__start_line__", 0)),
                        end_line=int(body.get("__end_line__", 0)),
                        attrs=strip_meta(body),
                    )
                )

    for rel, entry in blocks.get("module", []):
        for mname, body in entry.items():
            attrs = strip_meta(body)
            child_key = f"{key}.{mname}" if key else mname
            source = attrs.get("source")
            child_dir = _module_dir(directory, source, downloaded.get(child_key))
            if child_dir is None or depth >= max_depth:
                why = "nesting too deep" if child_dir is not None else (
                    f"source {source!r} is not a local path and was not downloaded (run `terraform init`)"
                )
                project.problems.append(ParseProblem(rel, f"module {address}module.{mname} not scanned: {why}"))
                continue
            args = {k: resolve(v, module) for k, v in attrs.items() if k not in ("source", "version", "providers")}
            mapping: dict[str, tuple[TfModule, str]] = {}
            for local_name, ref in (attrs.get("providers") or {}).items():
                target = _provider_ref(ref)
                if target:
                    mapping[local_name] = (module, target)
            _load_module(
                project, child_dir, f"{address}module.{mname}.", module, args, mapping, downloaded,
                child_key, depth + 1, max_depth,
            )


def _module_dir(base: Path, source: Any, downloaded: Path | None) -> Path | None:
    if isinstance(source, str) and source.startswith(("./", "../")):
        d = (base / source).resolve()
        return d if d.is_dir() else None
    return downloaded if downloaded and downloaded.is_dir() else None


def _provider_ref(value: Any) -> str | None:
    """``"${aws.tw}"`` → ``aws.tw``."""
    if not isinstance(value, str):
        return None
    m = _WHOLE_REF.match(value)
    text = m.group(1) if m else value
    return text if re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?", text) else None


def ref_address(value: Any) -> str | None:
    """``"${aws_kms_key.k.arn}"`` or ``"${aws_kms_key.k[0].arn}"`` → ``aws_kms_key.k`` (None otherwise)."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"\$\{\s*([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(\[[^\]]*\])?(\.[A-Za-z0-9_.]+)?\s*\}", value)
    if not m or m.group(1) in ("var", "local", "module", "data", "each", "count", "path", "self"):
        return None
    return f"{m.group(1)}.{m.group(2)}"


def resolve(value: Any, module: TfModule, _depth: int = 0) -> Any:
    """The value of an expression when it is certain, else None (unknown)."""
    if _depth > 10:
        return None
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, list):
        items = [resolve(v, module, _depth + 1) for v in value]
        return None if any(i is None for i in items) else items
    if isinstance(value, dict):
        out = {k: resolve(v, module, _depth + 1) for k, v in value.items()}
        return None if any(v is None for v in out.values()) else out
    if not isinstance(value, str):
        return None
    if "${" not in value:
        return value
    whole = _VAR.fullmatch(value.strip())
    if whole:
        return _lookup(whole.group(1), whole.group(2), module, _depth)
    parts: list[str] = []
    pos = 0
    for m in _VAR.finditer(value):
        parts.append(value[pos : m.start()])
        v = _lookup(m.group(1), m.group(2), module, _depth)
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            return None
        parts.append(str(v))
        pos = m.end()
    parts.append(value[pos:])
    text = "".join(parts)
    return None if "${" in text else text


def _lookup(kind: str, name: str, module: TfModule, depth: int) -> Any:
    table = module.variables if kind == "var" else module.locals
    if name not in table:
        return None
    return resolve(table[name], module, depth + 1)
