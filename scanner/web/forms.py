"""Reading form fields into the register's document shape, and safe upload names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from scanner.errors import InputError

__all__ = ["FormFields", "form", "text", "texts", "day", "tri", "number", "safe_filename", "ALLOWED_UPLOADS"]

#: evidence uploads accepted: suffix → the bytes such a file starts with (None: text, checked as UTF-8)
ALLOWED_UPLOADS: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04",),
    ".txt": None,
    ".csv": None,
    ".json": None,
    ".yaml": None,
    ".yml": None,
}


async def form(request: Request) -> FormData:
    """The request's form (parsed once; the CSRF check may have read it already)."""
    return await request.form()


FormFields = Annotated[FormData, Depends(form)]


def text(f: FormData, key: str, limit: int = 2000) -> str | None:
    v = f.get(key)
    if v is None or not isinstance(v, str):
        return None
    v = v.strip()
    if len(v) > limit:
        raise InputError(f"{key}: at most {limit} characters")
    return v or None


def texts(f: FormData, key: str) -> list[str]:
    """A list from a multi-value field, or from one field split on commas and new lines."""
    values = [v for v in f.getlist(key) if isinstance(v, str)]
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in re.split(r"[,\n]", v) if p.strip()]
    return out


def day(f: FormData, key: str) -> date | None:
    v = text(f, key, 20)
    if v is None:
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise InputError(f"{key}: {v!r} is not a date (YYYY-MM-DD)") from None


def tri(f: FormData, key: str) -> bool | None:
    """yes / no / unknown → True / False / None (unknown is never no)."""
    v = text(f, key, 10)
    return {"yes": True, "no": False}.get(v or "", None)


def number(f: FormData, key: str) -> float | None:
    v = text(f, key, 30)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        raise InputError(f"{key}: {v!r} is not a number") from None


def safe_filename(name: str | None) -> str:
    """The last part of an uploaded file's name, cleaned: no folders, no control characters,
    no leading dots; a name that is nothing after that is refused."""
    raw = unicodedata.normalize("NFC", (name or "").replace("\\", "/")).split("/")[-1]
    cleaned = "".join(c for c in raw if unicodedata.category(c)[0] != "C").strip().lstrip(".").strip()
    if not cleaned or cleaned in {".", ".."}:
        raise InputError("the uploaded file has no usable name")
    if len(cleaned) > 200:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = (stem[: 190] + dot + suffix[-9:]) if dot else cleaned[:200]
    return cleaned


def check_upload(name: str, head: bytes) -> None:
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ALLOWED_UPLOADS:
        raise InputError(f"{name}: files of this type are not accepted (accepted: {', '.join(ALLOWED_UPLOADS)})")
    magic = ALLOWED_UPLOADS[suffix]
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
                raise InputError(f"{name}: not a UTF-8 text file") from None
        if b"\x00" in head:
            raise InputError(f"{name}: not a text file")
    elif not any(head.startswith(m) for m in magic):
        raise InputError(f"{name}: the content is not a {suffix[1:].upper()} file")


def save_upload(upload: Any, folder: Path, limit: int, *, check: bool = True) -> Path:
    """An uploaded file written into ``folder`` under its cleaned name, at most ``limit`` bytes;
    ``check``: an accepted type by content (evidence), and not empty."""
    name = safe_filename(upload.filename)
    head = upload.file.read(4096)
    if check:
        check_upload(name, head)
    dest = folder / name
    size = len(head)
    with dest.open("wb") as out:
        out.write(head)
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise InputError(f"{name}: larger than the upload limit of {limit // (1024 * 1024)} MiB")
            out.write(chunk)
    if check and size == 0:
        raise InputError(f"{name}: the file is empty")
    return dest


def uploads(f: FormData, key: str) -> list[Any]:
    """The files chosen in a file field (a field left empty sends one without a name)."""
    return [u for u in f.getlist(key) if hasattr(u, "filename") and u.filename]


def as_dict(f: FormData) -> dict[str, Any]:
    return {k: f.get(k) for k in f.keys()}
