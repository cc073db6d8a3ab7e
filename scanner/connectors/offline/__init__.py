"""Offline inputs: files the clouds already export, and our own snapshots, auto-detected.

Each format module exposes ``FORMATS``: a list of :class:`FileFormat`. ``cloudgov scan
snapshot`` sniffs every file, groups the files by format (a credential report and an
authorization-details file belong together), lets each format load its group into an
Inventory, and merges the results. Format modules are imported lazily, and a connector
whose optional SDK is missing still reads its export files (the readers are pure Python).
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import InputError
from scanner.inventory import Inventory, merge

__all__ = ["FileFormat", "detect", "load_paths", "FORMAT_MODULES"]

#: Modules that contribute FORMATS, in sniffing order (most specific first).
FORMAT_MODULES = (
    "scanner.connectors.offline.native",
    "scanner.connectors.aws.offline",
    "scanner.connectors.azure.offline",
    "scanner.connectors.gcp.offline",
)

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileFormat:
    name: str  # e.g. "cloudgov-snapshot", "aws-config-snapshot"
    description: str
    sniff: Callable[[Path, str], bool]  # (path, first ~64 KiB of decompressed text) -> bool
    load: Callable[[list[Path]], Inventory]  # all files of this format at once


def _formats() -> list[FileFormat]:
    out: list[FileFormat] = []
    for mod_name in FORMAT_MODULES:
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as e:
            if e.name and mod_name.startswith(e.name):  # the connector isn't there
                continue
            raise
        out.extend(getattr(mod, "FORMATS", ()))
    return out


def read_head(path: Path, size: int = HEAD_BYTES) -> str:
    """The first ``size`` bytes of a file as text, decompressing gzip (through the input
    layer: a FIFO, device or oversize file is refused before it is opened)."""
    import zlib

    from scanner.docfile import open_binary

    with open_binary(path, what="an input file") as fh:
        magic = fh.read(2)
        fh.seek(0)
        if magic == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=fh) as gz:
                    data = gz.read(size)
            except (zlib.error, EOFError, gzip.BadGzipFile) as e:
                raise InputError(f"{path}: not a valid gzip file ({e})") from None
        else:
            data = fh.read(size)
    return data.decode("utf-8-sig", errors="replace")


def read_export(path: Path, *, what: str = "an export file") -> str:
    """The whole text of a plain or gzipped export file, read through the input layer: a
    FIFO or device is refused, the file must be within ``CLOUDGOV_MAX_INPUT_BYTES`` and
    what it inflates to within ``CLOUDGOV_MAX_DECOMPRESSED_BYTES`` (a gzip bomb stops
    there, with one sentence, instead of filling memory)."""
    from scanner.docfile import open_text

    try:
        with open_text(Path(path), what=what) as fh:
            return fh.read()
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from None


def _expand(paths: Iterable[str | Path]) -> tuple[list[Path], bool]:
    files: list[Path] = []
    from_dir = False
    for p in paths:
        p = Path(p)
        if p.is_dir():
            from_dir = True
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.is_file():
            files.append(p)
        elif p.exists():
            from scanner.docfile import check_file

            check_file(p, what="an input file")  # a FIFO, device or socket: one sentence
        else:
            raise InputError(f"{p}: no such file or directory")
    return files, from_dir


def detect(path: Path, formats: list[FileFormat] | None = None) -> FileFormat | None:
    formats = formats if formats is not None else _formats()
    try:
        head = read_head(path)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None
    for fmt in formats:
        if fmt.sniff(path, head):
            return fmt
    return None


def load_paths(
    paths: Iterable[str | Path], *, on_skip: Callable[[Path], None] | None = None
) -> Inventory:
    """Load and merge every recognised file. A file named explicitly that no format
    recognises is an error; inside a directory it is skipped (and reported via on_skip)."""
    formats = _formats()
    groups: dict[str, tuple[FileFormat, list[Path]]] = {}
    explicit = [Path(p) for p in paths]
    if not explicit:
        raise InputError("no input files given")
    for p in explicit:
        files, from_dir = _expand([p])
        for f in files:
            fmt = detect(f, formats)
            if fmt is None:
                if from_dir:
                    if on_skip:
                        on_skip(f)
                    continue
                raise InputError(
                    f"{f}: not a recognised input (a cloudgov snapshot, an AWS Config snapshot, "
                    "an IAM credential report, az/gcloud export files)"
                )
            groups.setdefault(fmt.name, (fmt, []))[1].append(f)
    if not groups:
        raise InputError(f"no recognised input files in {', '.join(map(str, explicit))}")
    return merge(fmt.load(files) for fmt, files in groups.values())
