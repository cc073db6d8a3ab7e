"""The input layer: every file a user hands cloudgov is read through here.

Each read checks, in order: the kind (a regular file — never a FIFO, device or directory,
which would block or read forever), the size (and, for gzip, the decompressed size), the
encoding (UTF-8, with or without BOM), then parses safely (YAML: the safe loader, impossible
dates and billion-laughs aliases refused; JSON: nesting depth bounded). Every failure is an
:class:`InputError` whose message is one sentence naming the file and, where the text is at
fault, the line. Schemas (``scanner.schemas``) validate what the parse returns.

Limits are generous for real inputs and can be raised with environment variables:
``CLOUDGOV_MAX_DOCUMENT_BYTES`` (YAML/JSON documents: registers, plans, waivers, config;
default 32 MiB), ``CLOUDGOV_MAX_INPUT_BYTES`` (exports, inventories, evidence; 2 GiB) and
``CLOUDGOV_MAX_DECOMPRESSED_BYTES`` (what a ``.gz`` may inflate to; 2 GiB).
"""

from __future__ import annotations

import io
import json
import os
import stat
import zlib
from pathlib import Path
from typing import IO, Any, cast

from scanner.errors import InputError

__all__ = [
    "read_structured",
    "yaml_load",
    "parse_yaml",
    "parse_json",
    "check_file",
    "read_bytes",
    "read_text",
    "decode_text",
    "gunzip_bounded",
    "open_binary",
    "open_text",
    "max_document_bytes",
    "max_input_bytes",
    "max_decompressed_bytes",
    "MAX_YAML_ALIASES",
]

#: a YAML document may use this many aliases (``*name``); billion-laughs needs far more
MAX_YAML_ALIASES = 200


def _limit(var: str, default: int) -> int:
    try:
        value = int(os.environ.get(var, "") or default)
    except ValueError:
        raise InputError(f"{var} must be a whole number of bytes, not {os.environ.get(var)!r}") from None
    return value if value > 0 else default


def max_document_bytes() -> int:
    return _limit("CLOUDGOV_MAX_DOCUMENT_BYTES", 32 << 20)


def max_input_bytes() -> int:
    return _limit("CLOUDGOV_MAX_INPUT_BYTES", 2 << 30)


def max_decompressed_bytes() -> int:
    return _limit("CLOUDGOV_MAX_DECOMPRESSED_BYTES", 2 << 30)


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def check_file(path: Path, *, limit: int | None = None, what: str = "a file") -> os.stat_result:
    """The file's stat when it is a regular file within ``limit`` bytes; otherwise one sentence."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, not {what}")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is not a regular file (a FIFO, device or socket cannot be {what})")
    limit = max_document_bytes() if limit is None else limit
    if st.st_size > limit:
        raise InputError(f"{path}: {_size(st.st_size)} is more than the {_size(limit)} allowed for {what}")
    return st


def open_binary(path: Path, *, limit: int | None = None, what: str = "a file") -> IO[bytes]:
    """The file opened for reading after :func:`check_file`; reads stop at the limit even if
    the file grows meanwhile."""
    limit = max_input_bytes() if limit is None else limit
    check_file(path, limit=limit, what=what)
    try:
        fh = open(path, "rb")  # noqa: SIM115 (the caller closes it)
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})") from None
    return cast(IO[bytes], _Bounded(fh, limit, path, what))


def read_bytes(path: Path, *, limit: int | None = None, what: str = "a file") -> bytes:
    with open_binary(path, limit=max_document_bytes() if limit is None else limit, what=what) as fh:
        return fh.read()


def decode_text(data: bytes, path: Path | str, *, what: str = "a file") -> str:
    """UTF-8 (a BOM allowed); anything else is one sentence saying where it stops being UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"{path}: is not UTF-8 text (byte 0x{data[e.start]:02x} at line {line}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise InputError(f"{path}: holds NUL characters, so it is not a text file")
    return text


def read_text(path: Path, *, limit: int | None = None, what: str = "a file") -> str:
    return decode_text(read_bytes(path, limit=limit, what=what), path, what=what)


def gunzip_bounded(data: bytes, path: Path | str, *, limit: int | None = None) -> bytes:
    """``data`` decompressed, refusing more than ``limit`` bytes of output (a gzip bomb)."""
    limit = max_decompressed_bytes() if limit is None else limit
    d = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    out = bytearray()
    chunk = data
    try:
        while chunk:
            out += d.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit:
                raise InputError(f"{path}: decompresses to more than {_size(limit)}; refused as a possible gzip bomb")
            chunk = d.unconsumed_tail
            if d.eof and d.unused_data:  # concatenated gzip members
                rest = d.unused_data
                d = zlib.decompressobj(wbits=47)
                chunk = rest
    except zlib.error as e:
        raise InputError(f"{path}: not a valid gzip file ({e})") from None
    return bytes(out)


class _Bounded(io.RawIOBase):
    """A read-only stream that raises InputError past ``limit`` bytes (a file that grows,
    or a decompressing stream inflating beyond the decompressed-size limit)."""

    def __init__(self, raw: IO[bytes], limit: int, path: Path | str, what: str, *, inflated: bool = False):
        self._raw, self._limit, self._path, self._what, self._inflated = raw, limit, path, what, inflated
        self._seen = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return not self._inflated and self._raw.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("seek")
        pos = self._raw.seek(offset, whence)
        self._seen = pos
        return pos

    def tell(self) -> int:
        return self._raw.tell() if self.seekable() else self._seen

    def readinto(self, b: Any) -> int:
        try:
            data = self._raw.read(len(b))
        except (zlib.error, EOFError) as e:
            raise InputError(f"{self._path}: not a valid gzip file ({e})") from None
        except OSError as e:  # gzip.BadGzipFile among others
            raise InputError(f"{self._path}: cannot read it ({e})") from None
        self._seen += len(data)
        if self._seen > self._limit:
            how = "decompresses to" if self._inflated else "is"
            raise InputError(f"{self._path}: {how} more than the {_size(self._limit)} allowed for {self._what}")
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def bounded_gzip_stream(fh: IO[bytes], path: Path | str, *, what: str = "a file") -> IO[bytes]:
    """A gzip stream over ``fh`` whose decompressed output is bounded."""
    import gzip

    inner = _Bounded(cast(IO[bytes], gzip.GzipFile(fileobj=fh)), max_decompressed_bytes(), path, what, inflated=True)
    return cast(IO[bytes], io.BufferedReader(inner))  # type: ignore[type-var]  # _Bounded is a raw stream


def open_text(path: Path, *, what: str = "a file", encoding: str = "utf-8-sig") -> IO[str]:
    """A text stream over a plain or gzipped file (detected by its magic bytes), within the
    input and decompressed-size limits, for readers that stream (JSON lines, exports)."""
    buffered = io.BufferedReader(open_binary(Path(path), limit=max_input_bytes(), what=what))  # type: ignore[type-var]
    stream: IO[bytes] = buffered
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        stream = bounded_gzip_stream(buffered, path, what=what)
    return io.TextIOWrapper(stream, encoding=encoding)


# --- YAML ----------------------------------------------------------------------------------


def _loader_class() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc, valid-type]
        pass

    def timestamp(loader: Any, node: Any) -> Any:
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except (ValueError, OverflowError) as e:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date ({e})", node.start_mark
            ) from None

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return _Loader


_LOADER: type | None = None


def yaml_load(text: str) -> Any:
    """yaml.safe_load, through libyaml's C loader when PyYAML was built with it (about ten
    times faster: the catalogue and policies are read on every run); an impossible date is a
    YAMLError with its line, not a ValueError."""
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


def _count_aliases(text: str) -> int:
    import yaml

    n = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent):
            n += 1
            if n > MAX_YAML_ALIASES:
                break
    return n


def parse_yaml(text: str, path: Path | str) -> Any:
    """User YAML: safe types only, real dates, a bounded number of aliases."""
    import yaml

    try:
        if "*" in text and _count_aliases(text) > MAX_YAML_ALIASES:
            raise InputError(
                f"{path}: more than {MAX_YAML_ALIASES} YAML aliases; refused as a possible billion-laughs document"
            )
        return yaml_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(f"{path}: malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{path}: the YAML is nested too deeply") from None


def parse_json(text: str, path: Path | str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply") from None


def read_structured(path: Path, *, what: str = "a file", limit: int | None = None) -> Any:
    """The parsed content of a .json file, or of YAML for any other suffix."""
    text = read_text(Path(path), limit=limit, what=what)
    if Path(path).suffix.lower() == ".json":
        return parse_json(text, path)
    return parse_yaml(text, path)
