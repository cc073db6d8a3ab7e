"""``terraform show -json`` plan files: the most exact input a pipeline can give.

Terraform itself has evaluated everything: ``planned_values`` holds every instance with its
address and values, ``resource_changes[].change.after_unknown`` says which values are known
only after apply (→ :class:`~scanner.iac.hcl.Unknown`, or a :class:`~scanner.iac.hcl.Ref`
when the configuration says which block it refers to), and ``configuration`` gives each
resource's provider configuration (its region). A plan has no source lines: a finding points
at the line of the resource's ``"address"`` in the plan file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.iac.hcl import Ref, TfModule, TfProject, TfResource, Unknown

__all__ = ["is_plan", "load_plan"]

_INDEX = re.compile(r'\[(?:"[^"]*"|\d+)\]')


def is_plan(doc: Any) -> bool:
    return isinstance(doc, dict) and "planned_values" in doc and "format_version" in doc


def _modules(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("child_modules") or []:
        out.extend(_modules(child))
    return out


def _config_index(config: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(module path without instance keys, resource address) → configuration resource."""
    out: dict[tuple[str, str], dict[str, Any]] = {}

    def walk(mod: dict[str, Any], prefix: str) -> None:
        for r in mod.get("resources") or []:
            out[(prefix, r.get("address", ""))] = r
        for name, call in (mod.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk(config.get("root_module") or {}, "")
    return out


def _unknowns(values: Any, unknown: Any) -> Any:
    """``values`` with every after-apply value marked; null dropped (absent)."""
    if unknown is True:
        return Unknown("(known after apply)")
    if isinstance(values, dict):
        u = unknown if isinstance(unknown, dict) else {}
        keys = set(values) | {k for k, v in u.items() if v is True}
        out = {k: _unknowns(values.get(k), u.get(k)) for k in keys}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(values, list):
        ul = unknown if isinstance(unknown, list) else []
        return [_unknowns(v, ul[i] if i < len(ul) else None) for i, v in enumerate(values)]
    return values


def load_plan(path: Path, doc: dict[str, Any], rel_file: str) -> TfProject:
    project = TfProject(root=path.parent, source="plan")
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    changes = {c.get("address"): c for c in doc.get("resource_changes") or [] if isinstance(c, dict)}
    config = doc.get("configuration") or {}
    cfg_index = _config_index(config)
    providers = config.get("provider_config") or {}
    modules: dict[str, TfModule] = {}
    root = modules[""] = TfModule(address="", directory=path.parent)
    project.modules.append(root)
    for node in _modules((doc.get("planned_values") or {}).get("root_module") or {}):
        prefix = f"{node['address']}." if node.get("address") else ""
        module = modules.get(prefix)
        if module is None:
            module = modules[prefix] = TfModule(address=prefix, directory=path.parent, parent=root)
            project.modules.append(module)
        for r in node.get("resources") or []:
            if not isinstance(r, dict) or r.get("mode") not in ("managed", "data"):
                continue
            address = str(r.get("address", ""))
            change = (changes.get(address) or {}).get("change") or {}
            attrs = _unknowns(r.get("values") or {}, change.get("after_unknown") or {})
            local = address[len(prefix):]
            cfg = cfg_index.get((_INDEX.sub("", prefix), _INDEX.sub("", local).removeprefix("data.")),
                                cfg_index.get((_INDEX.sub("", prefix), _INDEX.sub("", local)), {}))
            expressions = cfg.get("expressions")
            if isinstance(expressions, dict):
                # known after apply and not set in the configuration: the provider computes it
                # (a v5 bucket's region, its default encryption), exactly as when code omits it
                for k in [k for k, v in attrs.items() if isinstance(v, Unknown) and k not in expressions]:
                    del attrs[k]
                _references(attrs, expressions, prefix)
            key = str(cfg.get("provider_config_key", ""))
            name = key.rsplit(":", 1)[-1] or str(r.get("type", "")).split("_", 1)[0]
            pcfg = providers.get(key) or {}
            if "expressions" not in pcfg:  # only required_providers: the configuration is inherited
                pcfg = providers.get(name) or pcfg
            region = ((pcfg.get("expressions") or {}).get("region") or {}).get("constant_value")
            pname = f"{pcfg.get('name', name)}.{pcfg['alias']}" if pcfg.get("alias") else name
            module.providers.setdefault(pname, {"region": region} if isinstance(region, str) else {})
            if pcfg.get("alias"):
                attrs["provider"] = Unknown(pname)
            line = next((i + 1 for i, t in enumerate(text) if f'"address": {json.dumps(address)}' in t), 1)
            res = TfResource(address=address, type=str(r.get("type")), name=str(r.get("name")), module=module,
                             file=rel_file, start_line=line, end_line=line, attrs=attrs, mode=str(r["mode"]))
            (project.data if r["mode"] == "data" else module.resources).append(res)
    if not project.resources and not doc.get("planned_values"):
        raise InputError(f"{rel_file}: a Terraform plan without planned_values (was it `terraform show -json`?)")
    return project


def _references(attrs: dict[str, Any], expressions: dict[str, Any], prefix: str) -> None:
    """An argument known only after apply that the configuration says refers to a block."""
    for key, expr in expressions.items():
        if not isinstance(expr, dict) or not isinstance(attrs.get(key), Unknown):
            continue
        refs = [x for x in expr.get("references") or [] if isinstance(x, str)]
        target = next((x for x in refs if x.count(".") == 1 and not x.startswith(("var.", "local.", "each."))), None)
        if target:
            attrs[key] = Ref(prefix + target, target.split(".", 1)[0])
