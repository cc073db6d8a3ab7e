"""The commands README.md shows, in order, as a user would type them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: runnable examples are in ```sh blocks; synopses with placeholders are in ```text blocks
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.M | re.S)


def readme_commands(text: str | None = None) -> list[str]:
    """Each `cloudgov ...` line of the README's ```sh blocks, its trailing comment removed."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out: list[str] = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip()
            if not line.startswith("cloudgov "):
                continue
            words = shlex.split(line, comments=True)
            out.append(shlex.join(words))
    return out
