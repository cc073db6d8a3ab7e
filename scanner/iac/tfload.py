"""A Terraform root module evaluated by tfparse (Cloud Custodian's binding of Aqua's defsec
evaluator), turned into our model (:mod:`scanner.iac.hcl`).

tfparse does what Terraform does with the code: variables (defaults, ``*.tfvars``, module
inputs), locals, functions (``try``, ``coalesce``, ``lookup``, ternaries …), ``count`` and
``for_each`` (one block per instance, addressed as ``terraform plan`` prints it),
``dynamic`` blocks, module calls (local, and registry modules ``terraform init`` recorded
in ``.terraform/modules/modules.json``) and references (a referenced block's unique id).
What it leaves to us, done here:

* ``null``: a variable whose value is ``null`` (its default, or passed so) comes back as
  an unresolved ``var.x``; we follow module inputs up to the root and drop it (null is
  absent). Any other unresolved expression becomes :class:`~scanner.iac.hcl.Unknown`.
* references: a block id in a value becomes a :class:`~scanner.iac.hcl.Ref` to its address.
* provider maps: ``providers = { aws = aws.tw }`` is read from the module call's source.
* instances that cannot be known: a ``count`` it could not evaluate, or a block with no
  instance whose ``count``/``for_each`` depends on something without a value, becomes a
  problem (a coverage gap → ERROR), never "no resource".
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.iac.hcl import ParseProblem, Ref, TfModule, TfProject, TfResource, Unknown

__all__ = ["load_project", "local_module_sources", "TfInputs", "workspace_of", "variables_declared"]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MODULE_PREFIX = re.compile(r'^((?:module\.[A-Za-z0-9_-]+(?:\[(?:"[^"]*"|\d+)\])?\.)*)(.*)$')
_INDEX = re.compile(r'\[(?:"[^"]*"|\d+)\]$')
_HEADER = re.compile(r'^(resource|data|module)\s+"?([A-Za-z0-9_-]+)"?(?:\s+"?([A-Za-z0-9_-]+)"?)?\s*\{')
_META_ARG = re.compile(r"^\s*(count|for_each)\s*=\s*(.+?)\s*$")
_EXPR_REF = re.compile(r"\b(var|local|data|module|each|count|path|terraform|[a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")
_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.M)
_ATTR_REF = re.compile(r'((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[(?:"[^"]*"|\d+)\])?)\.[A-Za-z0-9_]+')
_MARKER = re.compile(r"cloudgov-unknown-\d+", re.I)  # a leaf :meth:`_Loader._again` could not give
_CALL_META = {"__tfmeta", "id", "source", "version", "providers", "count", "for_each", "depends_on"}
_SKIP = {"variable", "output", "terraform", "locals", "moved", "import", "check", "removed"}


def local_module_sources(directory: Path) -> list[Path]:
    """Directories the ``.tf`` files in ``directory`` call as local modules (cheap: no parse)."""
    out: list[Path] = []
    for f in sorted(directory.glob("*.tf")):
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        out.extend((directory / s).resolve() for s in _SOURCE.findall(text))
    return out


@dataclass(frozen=True)
class TfInputs:
    """What ``terraform plan`` is told on its command line: ``-var-file`` files and ``-var``
    assignments (in the order given; every ``-var`` after every ``-var-file``) and the
    workspace (else ``TF_WORKSPACE``, else ``.terraform/environment``, else ``default``)."""

    var_files: tuple[Path, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    workspace: str | None = None


def workspace_of(root: Path, inputs: TfInputs | None = None) -> str:
    """The workspace ``terraform.workspace`` names, chosen as Terraform chooses it."""
    if inputs is not None and inputs.workspace:
        return inputs.workspace
    if os.environ.get("TF_WORKSPACE"):
        return os.environ["TF_WORKSPACE"]
    try:
        name = (root / ".terraform" / "environment").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    return name or "default"


def _vars_files(root: Path) -> list[Path]:
    """The files Terraform loads by itself, in its order (later ones win): terraform.tfvars,
    terraform.tfvars.json, then every ``*.auto.tfvars``/``*.auto.tfvars.json`` in lexical
    order of their names."""
    files = [root / "terraform.tfvars", root / "terraform.tfvars.json"]
    files += sorted([*root.glob("*.auto.tfvars"), *root.glob("*.auto.tfvars.json")], key=lambda f: f.name)
    return [f for f in files if f.is_file()]


_VARIABLE = re.compile(r'^variable\s+"?([A-Za-z_][A-Za-z0-9_-]*)"?\s*\{')
_TYPE = re.compile(r"^\s*type\s*=\s*(.+?)\s*$")


def variables_declared(root: Path) -> dict[str, str | None]:
    """``variable`` blocks of a root module: name → its ``type`` expression (None: no type)."""
    out: dict[str, str | None] = {}
    current: tuple[Path, str] | None = None
    for f, depth, line in _lines(root):
        m = _VARIABLE.match(line) if depth == 0 else None
        if m:
            current = (f, m.group(1))
            out[m.group(1)] = None
        elif depth == 0:
            current = None
        elif depth == 1 and current and current[0] == f and (t := _TYPE.match(line)):
            out[current[1]] = t.group(1)
    return out


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


def _var_assignments(root: Path, variables: tuple[tuple[str, str], ...]) -> str:
    """``-var`` values as a tfvars file, parsed as Terraform parses them: the raw string for a
    variable without a type or of a primitive type (``string``, ``number``, ``bool``), an HCL
    expression for any other type (``list(string)``, ``map(…)``, ``any``)."""
    types = variables_declared(root)
    lines = []
    for name, value in variables:
        kind = (types.get(name) or "string").strip()
        if kind in ("string", "number", "bool"):
            literal = kind != "string" and re.fullmatch(r"-?\d+(\.\d+)?|true|false", value.strip())
            lines.append(f"{name} = {value.strip() if literal else _hcl_string(value)}")
        else:
            lines.append(f"{name} = {value}")
    return "\n".join(lines) + "\n"


def _run_tfparse(root: Path, vars_files: list[Path], problems: list[ParseProblem], workspace: str = "default",
                 given: frozenset[Path] = frozenset()) -> dict[str, Any]:
    try:
        import tfparse  # lazy: the CLI must start fast
    except ImportError as e:
        from scanner.errors import InputError

        raise InputError("reading Terraform needs the `iac` extra: pip install 'cloudgov[iac]'") from e

    paths = [os.path.relpath(v.resolve(), root.resolve()) for v in vars_files]
    try:
        return tfparse.load_from_path(str(root), stop_on_hcl_error=True, vars_paths=paths, workspace_name=workspace)
    except tfparse.ParseError as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else "parse error"
        _given_file_error(message, root, given)
        m = re.search(r"TerraformConverter: ([^:]+\.(?:tf|tfvars|json)):(.*)", message)
        file, why = (m.group(1), m.group(2).strip()) if m else (".", message)
        problems.append(ParseProblem(file, f"cannot parse Terraform: {why}"))
    try:  # the rest of the module, without the file that does not parse
        return tfparse.load_from_path(str(root), stop_on_hcl_error=False, vars_paths=paths, workspace_name=workspace)
    except Exception as e:  # noqa: BLE001 — the evaluator's own failure is a gap, not a crash
        problems.append(ParseProblem(".", f"Terraform could not be evaluated: {str(e).strip()[:300]}"))
        return {}


def _given_file_error(message: str, root: Path, given: frozenset[Path]) -> None:
    """A ``--var-file`` (or ``--var``) the user gave that does not parse is bad input (exit 2),
    not a coverage gap."""
    m = re.search(r"failed to load tfvars from (.+?): (.*)", message)
    if not m or not given:
        return
    path = (root / m.group(1)).resolve()
    if path in given:
        from scanner.errors import InputError

        why = m.group(2).split(": ", 1)[-1].strip()
        shown = "--var" if path.name == "command-line.tfvars" else f"--var-file {path}"
        raise InputError(f"{shown}: {why}")


def _split(path: str) -> tuple[str, str]:
    """``module.a["k"].aws_s3_bucket.x[0]`` → (``module.a["k"].``, ``aws_s3_bucket.x[0]``)."""
    m = _MODULE_PREFIX.match(path)
    return (m.group(1), m.group(2)) if m else ("", path)


def _block_key(path: str) -> str:
    """The module call key ``terraform init`` uses: module names without instance keys."""
    return ".".join(re.sub(r"\[.*\]$", "", seg) for seg in re.findall(r'module\.([A-Za-z0-9_-]+(?:\[(?:"[^"]*"|\d+)\])?)', path))


class _Loader:
    def __init__(self, root: Path, inputs: TfInputs | None = None) -> None:
        self.root = root
        self.project = TfProject(root=root)
        self.inputs = inputs or TfInputs()
        self.workspace = workspace_of(root, inputs)
        self.vars_files = _vars_files(root) + [f.resolve() for f in self.inputs.var_files]
        self.blocks: list[tuple[str, dict[str, Any]]] = []  # (tfparse key, block)
        self.ids: dict[str, tuple[str, str, str]] = {}  # uuid → (address, type, mode)
        self.variables: dict[str, dict[str, Any]] = {}  # "module.a.variable.x" → block
        self.module_calls: dict[str, dict[str, Any]] = {}  # 'module.a["k"]' → block
        self.locals: dict[str, dict[str, Any]] = {}  # module prefix → merged locals
        self.modules: dict[str, TfModule] = {}
        self.addresses: dict[str, tuple[str, str]] = {}  # resource/data address → (type, mode)
        self.markers: dict[str, str] = {}  # marker of an unknown module input → what it was

    def load(self) -> TfProject:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="cloudgov-tfvars-") as tmp:
            given = frozenset(f.resolve() for f in self.inputs.var_files)
            if self.inputs.variables:  # -var after every -var-file, as one more file
                assigned = Path(tmp) / "command-line.tfvars"
                assigned.write_text(_var_assignments(self.root, self.inputs.variables), encoding="utf-8")
                self.vars_files.append(assigned)
                given |= {assigned.resolve()}
            doc = _run_tfparse(self.root, self.vars_files, self.project.problems, self.workspace, given)
            return self._build(doc)

    def _build(self, doc: dict[str, Any]) -> TfProject:
        for key, items in doc.items():
            for b in items if isinstance(items, list) else []:
                meta = b.get("__tfmeta") or {}
                self.blocks.append((key, b))
                kind, path = meta.get("type"), meta.get("path", "")
                if isinstance(b.get("id"), str):
                    mode = "data" if kind == "data" else "managed"
                    self.ids[b["id"]] = (path, key, mode)
                    if kind in ("resource", "data"):
                        self.addresses[path] = (key, mode)
                if key == "variable":
                    self.variables[path] = b
                elif key == "module":
                    self.module_calls[path] = b
                elif key == "locals":
                    self.locals.setdefault(_split(path)[0], {}).update(b)
        self._modules()
        instances: dict[str, set[str]] = {}
        for key, b in self.blocks:
            meta = b.get("__tfmeta") or {}
            if key in _SKIP or key in ("module", "provider") or meta.get("type") not in ("resource", "data"):
                continue
            self._add(key, b, meta, instances)
        self._missing_instances(instances)
        self._missing_keys()
        return self.project

    def _missing_keys(self) -> None:
        """A for_each key the evaluator produced no instance for (it drops keys whose value
        is null): those instances are unknown, never absent."""
        seen: dict[str, tuple[set[str], Any, dict[str, Any], str]] = {}
        for key, b in self.blocks:
            meta = b.get("__tfmeta") or {}
            is_module = key == "module"
            if (meta.get("type") != "resource" and not is_module) or "for_each" not in b:
                continue
            path = meta.get("path", "")
            m = re.search(r'\["((?:[^"\\]|\\.)*)"\]$', path)
            if not m:
                continue
            block = path[: m.start()]
            entry = seen.setdefault(block, (set(), b["for_each"], meta, "module" if is_module else key))
            entry[0].add(m.group(1))
        for block, (present, each, meta, rtype) in seen.items():
            keys = set(each) if isinstance(each, dict) else {str(x) for x in each} if isinstance(each, list) else set()
            for k in sorted(keys - present):
                is_module = rtype == "module"
                self.project.problems.append(ParseProblem(
                    str(meta.get("filename", ".")),
                    f'instances of {block}["{k}"] unknown: the evaluator gave no instance for this for_each key',
                    None if is_module else rtype, f'{block}["{k}"]', "InstancesUnknown",
                ))

    # -- modules and providers -------------------------------------------------------------
    def _modules(self) -> None:
        root = TfModule(address="", directory=self.root)
        self.modules[""] = root
        self.project.modules.append(root)
        for path in sorted(self.module_calls, key=len):
            prefix = path + "."
            parent_prefix = _split(path)[0]
            module = TfModule(address=prefix, parent=self.modules.get(parent_prefix, root))
            self.modules[prefix] = module
            self.project.modules.append(module)
        for path, call in self.module_calls.items():
            self.modules[path + "."].passed_providers = self._provider_map(call, self.modules[_split(path)[0]])
            self.modules[path + "."].directory = self._module_dir(path, call)
        for key, b in self.blocks:
            if key != "provider":
                continue
            meta = b["__tfmeta"]
            prefix = _split(meta.get("path", ""))[0]
            attrs = self._clean(b, prefix) or {}
            name = meta.get("path", "").rsplit("provider.", 1)[-1]
            alias = attrs.get("alias")
            self.modules.get(prefix, root).providers[f"{name}.{alias}" if isinstance(alias, str) else name] = attrs

    def _source_lines(self, meta: dict[str, Any]) -> list[str]:
        try:
            lines = (self.root / meta["filename"]).read_text(encoding="utf-8", errors="replace").splitlines()
        except (OSError, KeyError):
            return []
        return lines[int(meta.get("line_start", 1)) - 1 : int(meta.get("line_end", 0))]

    def _provider_map(self, call: dict[str, Any], parent: TfModule) -> dict[str, tuple[TfModule, str]]:
        """``providers = { aws = aws.tw }``: tfparse gives the keys, the values are read from
        the call's own lines (a provider reference is a bare name, nothing to evaluate)."""
        if "providers" not in call:
            return {}
        text = " ".join(self._source_lines(call["__tfmeta"]))
        m = re.search(r"\bproviders\s*=\s*\{([^}]*)\}", text)
        pairs = re.findall(r'"?([A-Za-z0-9_.-]+)"?\s*=\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?)', m.group(1)) if m else []
        return {local: (parent, target) for local, target in pairs}

    def _module_dir(self, path: str, call: dict[str, Any]) -> Path | None:
        source = call.get("source")
        caller = self.modules[_split(path)[0]].directory
        if isinstance(source, str) and source.startswith(("./", "../")) and caller is not None:
            d = (caller / source).resolve()
            return d if d.is_dir() else None
        manifest = self.root / ".terraform" / "modules" / "modules.json"
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8")).get("Modules", [])
        except (OSError, ValueError, AttributeError):
            entries = []
        key = _block_key(path)
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and e.get("Key") == key and e.get("Dir"):
                d = (self.root / e["Dir"]).resolve()
                return d if d.is_dir() else None
        return None

    # -- values ----------------------------------------------------------------------------
    def _var_is_null(self, prefix: str, name: str, depth: int = 0) -> bool:
        """Is ``var.name`` in the module instance ``prefix`` certainly null?"""
        if depth > 20:
            return False
        call = self.module_calls.get(prefix[:-1]) if prefix else None
        if call is not None and name in call:
            given = call[name]
            if given is None:
                return True
            if isinstance(given, dict) and "__attribute__" in given:
                m = re.fullmatch(r"var\.([A-Za-z0-9_-]+)", str(given["__attribute__"]))
                return m is not None and self._var_is_null(_split(prefix[:-1])[0], m.group(1), depth + 1)
            return False
        if not prefix and self._var_in_tfvars(name):
            return False
        block = self.variables.get(f"{prefix}variable.{name}")
        return block is not None and "default" in block and block["default"] is None

    def _var_in_tfvars(self, name: str) -> bool:
        for f in self.vars_files:
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if f.name.endswith(".json"):
                try:
                    if name in (json.loads(text) or {}):
                        return True
                except (ValueError, TypeError):
                    pass
                continue
            if re.search(rf'^\s*"?{re.escape(name)}"?\s*[=:]', text, re.M):
                return True
        return False

    def _var_known(self, prefix: str, name: str) -> bool:
        """Does ``var.name`` have a value (possibly null) in this module instance?"""
        call = self.module_calls.get(prefix[:-1]) if prefix else None
        if call is not None and name in call:
            given = call[name]
            return not (isinstance(given, dict) and "__attribute__" in given) or self._var_is_null(prefix, name)
        if not prefix and self._var_in_tfvars(name):
            return True
        block = self.variables.get(f"{prefix}variable.{name}")
        return block is not None and "default" in block

    def _clean(self, value: Any, prefix: str) -> Any:
        if isinstance(value, dict):
            if "__attribute__" in value:
                expr = str(value["__attribute__"])
                m = re.fullmatch(r"var\.([A-Za-z0-9_-]+)", expr)
                if m and self._var_is_null(prefix, m.group(1)):
                    return None
                # an attribute of another block that evaluation left open (`x.y.primary_blob_endpoint`)
                ref = _ATTR_REF.fullmatch(expr)
                if ref and self.addresses.get(prefix + ref.group(1)):
                    return Ref(prefix + ref.group(1), *self.addresses[prefix + ref.group(1)])
                return Unknown(expr)
            out = {}
            for k, v in value.items():
                if k == "__tfmeta" or (k == "id" and isinstance(v, str) and _UUID.fullmatch(v)):
                    continue
                c = self._clean(v, prefix)
                if c is not None:  # null is absent
                    out[k] = c
            return out
        if isinstance(value, list):
            return [self._clean(v, prefix) for v in value]
        if isinstance(value, str) and "-" in value:
            marker = _MARKER.search(value)
            if marker:
                return Unknown(self.markers.get(marker.group(0).lower(), "(a value not known from code)"))
            if _UUID.fullmatch(value):
                hit = self.ids.get(value)
                return Ref(*hit) if hit else Unknown("(a value computed at apply time)")
            if _UUID.search(value):
                return Unknown(_UUID.sub(lambda m: "${" + self.ids.get(m.group(0), ("?",))[0] + "}", value))
        return value

    # -- resources -------------------------------------------------------------------------
    def _add(self, rtype: str, b: dict[str, Any], meta: dict[str, Any], instances: dict[str, set[str]]) -> None:
        path = meta.get("path", "")
        prefix, local = _split(path)
        mode = "data" if meta.get("type") == "data" else "managed"
        module = self.modules.get(prefix) or self.modules[""]
        block_addr = prefix + _INDEX.sub("", local)
        instances.setdefault(block_addr, set()).add(path)
        file = str(meta.get("filename", ""))
        if mode == "managed" and "count" in b and not isinstance(b["count"], int):
            why = f"count = {self._expr(b['count'])} cannot be evaluated from code"
            self.project.problems.append(
                ParseProblem(file, f"instances of {block_addr} unknown: {why}", rtype, block_addr, "InstancesUnknown"))
            return
        attrs = self._clean({k: v for k, v in b.items() if k not in ("count", "for_each")}, prefix) or {}
        self._unexpanded_dynamics(attrs, meta, prefix, path)
        name = _INDEX.sub("", local).rsplit(".", 1)[-1]
        res = TfResource(
            address=path, type=rtype, name=name, module=module, file=file,
            start_line=int(meta.get("line_start", 0)), end_line=int(meta.get("line_end", 0)), attrs=attrs, mode=mode,
        )
        if mode == "data":
            self.project.data.append(res)
        else:
            module.resources.append(res)

    def _lines(self, filename: str) -> list[str]:
        cache = self.__dict__.setdefault("_files", {})
        if filename not in cache:
            try:
                cache[filename] = (self.root / filename).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                cache[filename] = []
        return cache[filename]

    def _unexpanded_dynamics(self, attrs: dict[str, Any], meta: dict[str, Any], prefix: str, path: str) -> None:
        """A ``dynamic "x"`` block of the source with no ``x`` in the result: empty for_each,
        or one the evaluator could not expand. Unless the for_each is certainly empty, ``x``
        comes from the module evaluated again on its own (:meth:`_again`), else it is unknown —
        never "absent" (an absent replication rule or CMK block would be a PASS)."""
        lines = self._lines(str(meta.get("filename", "")))[int(meta.get("line_start", 1)) - 1 : int(meta.get("line_end", 0))]
        depth, pending = 0, None
        for line in lines:
            stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("#", 1)[0])
            if depth == 1:
                m = re.match(r'\s*dynamic\s+"([A-Za-z0-9_-]+)"', line)
                pending = m.group(1) if m else pending
            elif depth == 2 and pending:
                m = re.match(r"\s*for_each\s*=\s*(.+?)\s*$", line)
                if m:
                    if pending not in attrs and not self._certainly_empty(prefix, m.group(1)):
                        again = self._again(prefix).get(path[len(prefix):], {}).get(pending)
                        attrs[pending] = (self._clean(again, prefix) if again is not None
                                          else Unknown(f'dynamic "{pending}" for_each = {m.group(1)}'))
                    pending = None
            depth = max(0, depth + stripped.count("{") - stripped.count("}"))

    def _again(self, prefix: str) -> dict[str, dict[str, Any]]:
        """The module instance ``prefix`` evaluated once more as a root of its own, its inputs
        given as a tfvars file of what the first evaluation computed for the call.

        Why: defsec's ``flatten``/``try`` give up on a whole collection when one leaf deep
        inside is unknown (``account_id = data.aws_caller_identity.current.account_id`` in
        one replication rule), so the ``dynamic`` block over it is dropped. Here every leaf
        the first evaluation left open (an expression, or a nested ``null``, which tfparse
        prints for unknown leaves too) is a marker string that :meth:`_clean` turns back into
        :class:`Unknown`; known leaves, block ids included, pass through unchanged. Only the
        dynamic blocks the first evaluation dropped are taken from this one."""
        cache: dict[str, dict[str, dict[str, Any]]] = self.__dict__.setdefault("_again_cache", {})
        if prefix in cache:
            return cache[prefix]
        cache[prefix] = {}
        module, call = self.modules.get(prefix), self.module_calls.get(prefix[:-1]) if prefix else None
        if module is None or module.directory is None or call is None:
            return cache[prefix]

        def mark(value: Any, where: str, top: bool = False) -> Any:
            if (value is None and not top) or (isinstance(value, dict) and "__attribute__" in value):
                token = f"cloudgov-unknown-{len(self.markers)}"
                self.markers[token] = f"{prefix[:-1]} input {where} (not known from code)"
                return token
            if isinstance(value, dict):
                return {k: mark(v, f"{where}.{k}") for k, v in value.items() if k != "__tfmeta"}
            if isinstance(value, list):
                return [mark(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return value

        inputs = {k: mark(v, k, top=True) for k, v in call.items() if k not in _CALL_META}
        import tempfile

        import tfparse

        with tempfile.TemporaryDirectory(prefix="cloudgov-tf-") as tmp:
            vars_file = Path(tmp) / "inputs.tfvars.json"
            vars_file.write_text(json.dumps(inputs), encoding="utf-8")
            try:
                doc = tfparse.load_from_path(str(module.directory), stop_on_hcl_error=False,
                                             vars_paths=[os.path.relpath(vars_file, module.directory)],
                                             workspace_name=self.workspace)
            except Exception:  # noqa: BLE001 — the dropped blocks then stay unknown
                return cache[prefix]
        for key, items in doc.items():
            for b in items if isinstance(items, list) else []:
                meta = b.get("__tfmeta") or {}
                if meta.get("type") in ("resource", "data") and isinstance(b.get("id"), str):
                    mode = "data" if meta["type"] == "data" else "managed"
                    self.ids[b["id"]] = (prefix + meta.get("path", ""), key, mode)
                    cache[prefix][meta.get("path", "")] = b
        return cache[prefix]

    def _certainly_empty(self, prefix: str, expr: str) -> bool:
        """The few for_each forms whose emptiness follows from a null or empty variable."""
        if expr.replace(" ", "") in ("[]", "{}", "toset([])", "tomap({})"):
            return True
        m = re.fullmatch(r"\(?\s*var\.([A-Za-z0-9_-]+)\s*(==|!=)\s*null\s*\)?\s*\?\s*(.+?)\s*:\s*(.+)", expr)
        if m and self._var_is_null(prefix, m.group(1)):
            chosen = m.group(3) if m.group(2) == "==" else m.group(4)
            return chosen.replace(" ", "") in ("[]", "{}", "toset([])")
        m = re.fullmatch(r"(?:toset\(|flatten\(\[?)?\s*var\.([A-Za-z0-9_-]+)\s*\]?\)?", expr)
        if m:
            name = m.group(1)
            call = self.module_calls.get(prefix[:-1]) if prefix else None
            if call is not None and name in call:
                return call[name] in (None, [], {})
            block = self.variables.get(f"{prefix}variable.{name}")
            return (not prefix or not self._var_in_tfvars(name)) and block is not None and block.get("default", 0) in (None, [], {})
        return False

    @staticmethod
    def _expr(value: Any) -> str:
        return str(value["__attribute__"]) if isinstance(value, dict) and "__attribute__" in value else "null"

    def _missing_instances(self, instances: dict[str, set[str]]) -> None:
        """Blocks declared in a module's files but absent from tfparse's result: zero
        instances (fine) unless their count/for_each rests on something without a value."""
        for prefix, module in self.modules.items():
            if module.directory is None:
                if prefix:
                    call = self.module_calls.get(prefix[:-1], {})
                    meta = call.get("__tfmeta") or {}
                    self.project.problems.append(ParseProblem(
                        str(meta.get("filename", ".")),
                        f"module {prefix[:-1]} not scanned: source {call.get('source')!r} is not a local path "
                        "and was not downloaded (run `terraform init`)", None, prefix[:-1], "ModuleNotDownloaded",
                    ))
                continue
            for f, header, kind, rtype, name, expr in _declared(module.directory):
                addr = f"{prefix}{'data.' if kind == 'data' else ''}{rtype}.{name}" if kind != "module" else f"{prefix}module.{rtype}"
                if kind == "module":
                    if any(p == addr or p.startswith(addr + "[") for p in self.module_calls):
                        continue
                elif addr in instances:
                    continue
                if expr is None or self._expr_known(prefix, expr):
                    continue  # count = 0, for_each = {} (or a kind we do not model)
                rel = _rel(f, self.root)
                if kind != "data":
                    self.project.problems.append(ParseProblem(
                        rel, f"instances of {addr} unknown: {header} = {expr} cannot be evaluated from code",
                        rtype if kind == "resource" else None, addr, "InstancesUnknown",
                    ))

    def _expr_known(self, prefix: str, expr: str) -> bool:
        for head, name in _EXPR_REF.findall(expr):
            if head == "var":
                if not self._var_known(prefix, name):
                    return False
            elif head == "local":
                v = self.locals.get(prefix, {}).get(name)
                if v is None or (isinstance(v, dict) and "__attribute__" in v):
                    return False
            elif head not in ("each", "count", "path", "terraform"):
                return False  # a resource, data source or module output: known at apply time
        return True


def _rel(path: Path, base: Path) -> str:
    return os.path.relpath(path.resolve(), base.resolve())


def _lines(directory: Path) -> Iterator[tuple[Path, int, str]]:
    """(file, brace depth before the line, line) for every line of the ``.tf`` files in
    ``directory``, in order — the shape of the code without evaluating it."""
    for f in sorted(directory.glob("*.tf")):
        try:
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        depth = 0
        for line in lines:
            yield f, depth, line
            stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("#", 1)[0])
            depth = max(0, depth + stripped.count("{") - stripped.count("}"))


def _declared(directory: Path) -> list[tuple[Path, str, str, str, str, str | None]]:
    """(file, meta-argument, kind, type, name, count/for_each expression) of every top-level
    resource/data/module block in ``directory`` — read line by line, no evaluation."""
    out: list[list[Any]] = []
    current: list[Any] | None = None
    for f, depth, line in _lines(directory):
        if depth == 0:
            m = _HEADER.match(line)
            if m:
                kind, a, b = m.groups()
                current = [f, "", kind, a, b or "", None] if kind != "module" else [f, "", kind, a, "", None]
                out.append(current)
        elif depth == 1 and current is not None and current[0] == f and current[5] is None:
            arg = _META_ARG.match(line)
            if arg:
                current[1], current[5] = arg.group(1), arg.group(2)
    return [tuple(x) for x in out]  # type: ignore[misc]


def load_project(root: str | Path, inputs: TfInputs | None = None) -> TfProject:
    """Evaluate the root module in ``root`` and every module it calls, with the variables
    and workspace ``inputs`` give (as ``terraform plan -var-file … -var …`` would)."""
    return _Loader(Path(root), inputs).load()
