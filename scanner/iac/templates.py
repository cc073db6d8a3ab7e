"""CloudFormation and ARM templates: found, read with line numbers, added to the Inventory.

Both formats are data, so they are read here with the standard parsers and nothing else:

* YAML (CloudFormation): a PyYAML ``SafeLoader`` that accepts the short-form intrinsic tags
  (``!Ref x`` → ``{"Ref": "x"}``, ``!GetAtt a.b`` → ``{"Fn::GetAtt": ["a", "b"]}``, any other
  ``!Fn`` → ``{"Fn::Fn": ...}``), as CloudFormation itself reads them;
* JSON (CloudFormation and ARM): the standard library's pure-Python scanner with its object
  parser wrapped, so every object remembers where it starts and ends.

Every mapping comes back as a :class:`Located` dict whose ``lines`` are (first, last) line,
1-based: what SARIF ``physicalLocation`` needs. Bicep is not read: ``az bicep build`` turns it
into the ARM JSON read here, and a ``.bicep`` without its compiled ``.json`` is a coverage gap.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Located", "TemplateFile", "load_yaml", "load_json", "find_templates", "collect_templates"]

_SKIP_DIRS = {".terraform", ".git", "node_modules", ".venv", "__pycache__", "cdk.out"}
_SUFFIXES = {".yaml", ".yml", ".json", ".template"}
_ARM_SCHEMA = re.compile(r"deploymentTemplate\.json", re.IGNORECASE)
_MAX_BYTES = 20 * 1024 * 1024


class Located(dict):
    """A mapping that knows its (first, last) line in the file it came from."""

    __slots__ = ("lines",)

    def __init__(self, *args: Any, lines: tuple[int, int] = (0, 0)) -> None:
        super().__init__(*args)
        self.lines = lines


# --- YAML ------------------------------------------------------------------------------------


def _yaml_loader():
    import yaml  # lazy: the CLI must start fast

    class CfnLoader(yaml.SafeLoader):
        pass

    def _last_line(node) -> int:
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark
            return end.line + (1 if end.column > 0 else 0)
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for kv in node.value for n in kv]
        if not children:
            return node.end_mark.line + 1
        return max(_last_line(c) for c in children)

    def mapping(loader, node):
        loader.flatten_mapping(node)
        out = Located(lines=(node.start_mark.line + 1, max(node.start_mark.line + 1, _last_line(node))))
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            value = loader.construct_object(value_node, deep=True)
            if isinstance(value, Located) and isinstance(key, str):
                # a resource's lines start at its logical id, not at its first property
                value.lines = (key_node.start_mark.line + 1, value.lines[1])
            out[key] = value
        return out

    def intrinsic(loader, suffix, node):
        name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = mapping(loader, node)
        return {name: value}

    def timestamp_as_text(loader, node):
        return loader.construct_scalar(node)  # AWSTemplateFormatVersion: 2010-09-09 stays a string

    CfnLoader.add_constructor("tag:yaml.org,2002:map", mapping)
    CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", timestamp_as_text)
    CfnLoader.add_multi_constructor("!", intrinsic)
    return CfnLoader


_LOADER = None


def load_yaml(text: str) -> Any:
    """Parse CloudFormation YAML (short-form intrinsics included); raises ValueError."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _yaml_loader()
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except (TypeError, RecursionError) as e:  # e.g. a mapping used as a key
        raise ValueError(f"not a template: {type(e).__name__}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ValueError(f"{problem}{where}") from None


# --- JSON ------------------------------------------------------------------------------------


def load_json(text: str) -> Any:
    """Parse JSON keeping each object's lines; raises ValueError."""
    import json
    import json.decoder
    import json.scanner

    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    decoder = json.JSONDecoder()

    def parse_object(s_and_end, *args):
        obj, end = json.decoder.JSONObject(s_and_end, *args)
        start = s_and_end[1] - 1  # the opening brace
        return Located(obj, lines=(line_of(start), line_of(end - 1))), end

    # the pure-Python scanner reads parse_object at each object (json's documented hook is not enough: lines)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{e.msg} (line {e.lineno})") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


# --- discovery -------------------------------------------------------------------------------


@dataclass
class TemplateFile:
    path: Path
    rel: str  # relative to the scanned directory: the resource id prefix (stable across checkouts)
    shown: str  # relative to the current directory: what SARIF and editors want
    kind: str  # "cloudformation" | "arm"
    doc: dict[str, Any]


@dataclass
class Discovery:
    templates: list[TemplateFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (shown file, message)
    bicep: list[tuple[str, bool]] = field(default_factory=list)  # (shown file, compiled json beside it)


def _shown(path: Path) -> str:
    import os

    cwd = Path.cwd().resolve()
    absolute = path.resolve()
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return os.path.relpath(absolute, cwd) if absolute.anchor == cwd.anchor else absolute.as_posix()


def _candidates(base: Path) -> list[Path]:
    if base.is_file():
        return [base] if base.suffix.lower() in _SUFFIXES or base.suffix == ".bicep" else []
    out = []
    for f in sorted(base.rglob("*")):
        rel = f.relative_to(base).parts
        if any(p in _SKIP_DIRS or p.startswith(".venv") for p in rel[:-1]):
            continue
        if f.is_file() and (f.suffix.lower() in _SUFFIXES or f.suffix == ".bicep") and not f.name.endswith(".tf.json"):
            out.append(f)
    return out


def classify(doc: Any) -> str | None:
    """``cloudformation`` / ``arm`` / None for a parsed document."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("$schema"), str) and _ARM_SCHEMA.search(doc["$schema"]):
        return "arm"
    resources = doc.get("Resources")
    if "AWSTemplateFormatVersion" in doc and isinstance(resources, dict):
        return "cloudformation"
    if isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::") for r in resources.values()
    ):
        return "cloudformation"
    return None


_MARKERS = re.compile(r"AWSTemplateFormatVersion|AWS::|deploymentTemplate\.json", re.IGNORECASE)


def _read_template_text(f: Path) -> tuple[str | None, str | None]:
    """(text, None), or (None, why) when the file looks like a template but cannot be read —
    a coverage gap, never a silent skip — or (None, None) when it is simply not ours."""
    try:
        size = f.stat().st_size
        with f.open("rb") as fh:
            head = fh.read(64 * 1024)
            data = head + fh.read() if size <= _MAX_BYTES else head
    except OSError as e:
        return None, f"cannot read the file ({e.strerror})"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a BOM (Windows editors): a real encoding
        try:
            probe = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, "the file starts with a UTF-16 mark but is not UTF-16 text"
        if size > _MAX_BYTES:
            return (None, f"{size:,} bytes, more than the {_MAX_BYTES:,} a template may be; not read") \
                if _MARKERS.search(probe) else (None, None)
        return probe, None
    looks = bool(_MARKERS.search(head.decode("latin-1")))
    if size > _MAX_BYTES:
        return (None, f"{size:,} bytes, more than the {_MAX_BYTES:,} a template may be; not read") if looks \
            else (None, None)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return (None, f"not UTF-8 text (byte 0x{data[e.start]:02x} at line {line}); save it as UTF-8") if looks \
            else (None, None)


def _shape_problem(doc: Any, looks_arm: bool) -> str | None:
    """A document that declares itself a template but whose resources cannot be read."""
    if not isinstance(doc, dict):
        return None
    if "AWSTemplateFormatVersion" in doc or (not looks_arm and "Resources" in doc):
        res = doc.get("Resources")
        if not isinstance(res, dict):
            return f"Resources is {type(res).__name__}, not a mapping of resources; nothing in it was read"
        bad = [str(k) for k, r in res.items() if not isinstance(r, dict) or not isinstance(r.get("Type"), str)]
        if bad:
            return f"resource {bad[0]!r} has no Type (or is not a mapping); it was not read"
    if isinstance(doc.get("$schema"), str) and _ARM_SCHEMA.search(doc["$schema"]):
        res = doc.get("resources", [])
        if not isinstance(res, list | dict):
            return f"resources is {type(res).__name__}, not a list of resources; nothing in it was read"
    return None


def find_templates(path: str | Path) -> Discovery:
    """Every CloudFormation / ARM template (and .bicep file) under ``path``."""
    base = Path(path)
    root = base if base.is_dir() else base.parent
    found = Discovery()
    for f in _candidates(base):
        shown = _shown(f)
        if f.suffix == ".bicep":
            found.bicep.append((shown, _compiled(f)))
            continue
        text, problem = _read_template_text(f)
        if problem:
            found.problems.append((shown, problem))
            continue
        if text is None:
            continue
        looks_arm = bool(_ARM_SCHEMA.search(text))
        looks_cfn = "AWSTemplateFormatVersion" in text or "AWS::" in text
        if not (looks_arm or looks_cfn):
            continue  # cheap filter: most YAML/JSON in a repository is not a template
        try:
            doc = load_json(text) if f.suffix.lower() == ".json" or text.lstrip().startswith("{") else load_yaml(text)
        except ValueError as e:
            if looks_arm or "AWSTemplateFormatVersion" in text:
                found.problems.append((shown, f"cannot parse template: {e}"))
            continue
        shape = _shape_problem(doc, looks_arm)
        if shape:
            found.problems.append((shown, shape))
            continue
        kind = classify(doc)
        if kind:
            rel = f.relative_to(root).as_posix()
            found.templates.append(TemplateFile(f, rel, shown, kind, doc))
    return found


def _compiled(bicep: Path) -> bool:
    """``az bicep build main.bicep`` writes main.json beside it."""
    out = bicep.with_suffix(".json")
    try:
        return out.is_file() and bool(_ARM_SCHEMA.search(out.read_text(encoding="utf-8-sig")[:4000]))
    except (OSError, UnicodeDecodeError):
        return False


def add_resource(inventory, n, *, provider: str, rid: str, name: str, region: str | None, how: str,
                 file: str, lines: tuple[int, int], tags: dict[str, str], source: dict[str, Any]) -> None:
    """One normalized template resource into the Inventory, with its file and lines."""
    from scanner.model import Resource

    props = {k: v for k, v in n.properties.items() if v is not None}
    region = n.region_override or region
    if region is None:
        props["region_unresolved"] = how
    raw = {
        "location": {"file": file, "start_line": lines[0], "end_line": lines[1]},
        "template": {**source, "region_source": "global service" if n.region_override else how},
    }
    inventory.add(Resource(provider=provider, account="iac", region=region, kind=n.kind,
                           native_type=n.native_type, id=rid, name=n.name or name, tags=tags,
                           properties=props, raw=raw))
    for rel_type, target in n.edges:
        inventory.relate(rid, rel_type, target)


def collect_templates(
    path: str | Path, inventory, *, region: str | None = None, location: str | None = None
) -> tuple[list[str], int]:
    """Normalize every template under ``path`` into ``inventory``; returns notes for the user
    and how many template (and .bicep) files were found."""
    from scanner.iac import arm, cfn
    from scanner.iac.normalize import ALL_KINDS, _log_buckets
    from scanner.model import CoverageGap

    found = find_templates(path)
    notes: list[str] = []
    for t in found.templates:
        (cfn.normalize_template if t.kind == "cloudformation" else arm.normalize_template)(
            t, inventory, region=region, location=location
        )
    _log_buckets(inventory, {})
    for shown, message in found.problems:
        inventory.gap(CoverageGap(provider="iac", account="iac", region=None, service=f"template:{shown}",
                                  kinds=tuple(sorted(ALL_KINDS)), code="ParseError", message=message))
    for shown, compiled in found.bicep:
        if compiled:
            notes.append(f"{shown}: Bicep read through its compiled ARM template beside it")
            continue
        msg = f"{shown}: Bicep is not read directly; run `az bicep build --file {shown}` and scan again"
        notes.append(msg)
        inventory.gap(CoverageGap(provider="iac", account="iac", region=None, service=f"bicep:{shown}",
                                  kinds=tuple(sorted(ALL_KINDS)), code="BicepNotCompiled", message=msg))
    counts = {k: sum(1 for t in found.templates if t.kind == k) for k in ("cloudformation", "arm")}
    if any(counts.values()):
        notes.append(f"templates: {counts['cloudformation']} CloudFormation, {counts['arm']} ARM")
    return notes, len(found.templates) + len(found.bicep) + len(found.problems)
