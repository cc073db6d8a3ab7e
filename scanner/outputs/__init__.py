"""One renderer per format, looked up by name.

Each renderer module has ``FILENAME`` (used with --output-dir) and
``render(result, stream)`` writing text to ``stream``; the JSON documents (json, sarif)
take ``pretty=True`` for indented output (compact by default).
"""

from __future__ import annotations

import gc
import importlib
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scanner.errors import UsageError

if TYPE_CHECKING:
    from scanner.result import ScanResult

__all__ = ["RENDERERS", "resolve_formats", "render_all", "render"]

RENDERERS = {
    "table": "scanner.outputs.table",
    "json": "scanner.outputs.json_doc",
    "sarif": "scanner.outputs.sarif",
    "junit": "scanner.outputs.junit",
    "csv": "scanner.outputs.csv_rows",
}


def resolve_formats(formats: list[str], output_dir: Path | None) -> list[str]:
    out: list[str] = []
    for item in formats:
        for name in item.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in RENDERERS:
                raise UsageError(f"unknown output format {name!r}; use one of {', '.join(RENDERERS)}")
            if name not in out:
                out.append(name)
    to_stdout = [f for f in out if f != "table"] if output_dir is None else []
    if len(to_stdout) > 1:
        raise UsageError(
            f"{len(to_stdout)} file formats ({', '.join(to_stdout)}) cannot share standard output; "
            "give --output-dir"
        )
    return out or ["table"]


def _module(name: str):
    return importlib.import_module(RENDERERS[name])


#: the renderers whose output is a JSON document, compact unless asked to be pretty
_JSON_DOCUMENTS = {"json", "sarif"}


def render(result: ScanResult, name: str, stream, *, pretty: bool = False) -> None:
    if name in _JSON_DOCUMENTS:
        _module(name).render(result, stream, pretty=pretty)
    else:
        _module(name).render(result, stream)


def render_all(
    result: ScanResult,
    formats: list[str],
    output_dir: Path | None,
    *,
    stdout: IO[str] | None = None,
    pretty: bool = False,
) -> list[Path]:
    """Write each format; returns the files written (``stdout``, default sys.stdout, is not a file).
    ``pretty``: the JSON documents indented for people (default: compact)."""
    # Renderers allocate short-lived, acyclic dicts by the million; left on, the cyclic
    # collector would rescan the whole inventory each time and make output superlinear.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_all(result, formats, output_dir, stdout or sys.stdout, pretty)
    finally:
        if gc_was_enabled:
            gc.enable()


def _render_all(
    result: ScanResult, formats: list[str], output_dir: Path | None, stdout: IO[str], pretty: bool
) -> list[Path]:
    written: list[Path] = []
    for name in formats:
        mod = _module(name)
        if name == "table" or output_dir is None:
            render(result, name, stdout, pretty=pretty)
            continue
        output_dir.mkdir(parents=True, exist_ok=True)
        path = output_dir / mod.FILENAME
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            render(result, name, fh, pretty=pretty)
        tmp.replace(path)
        written.append(path)
    return written
