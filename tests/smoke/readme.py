"""The commands README.md shows, in order, as a user would type them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: runnable examples are in ```sh blocks; synopses with placeholders are in ```text blocks
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.M | re.S)


#: one command per extra, run where that extra is missing (every extra but `all` and `test`
#: has one: tests/test_extras.py keeps the table complete as extras are added)
NEEDS_EXTRA = [
    ("aws", "cloudgov scan aws --profile audit"),
    ("azure", "cloudgov scan azure --subscriptions 11111111-1111-1111-1111-111111111111"),
    ("gcp", "cloudgov scan gcp --scope projects/my-project"),
    ("iac", "cloudgov iac samples/terraform/ --no-checkov"),
    ("postgres", "cloudgov vendor list --db postgresql://postgres@127.0.0.1:5432/cloudgov"),
    ("report", "cloudgov report board --period 2026-Q3 --format pdf --output board.pdf"),
    ("web", "cloudgov serve --port 0"),  # --port 0 is refused: never starts a server
    ("queue", "cloudgov worker --queue redis://127.0.0.1:6379/0"),
]


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


#: The exit code each README command gives when run in order in a fresh install with no
#: cloud credentials (0 ok, 1 findings at or above the threshold, 2 usage / input / no
#: credentials). A README command missing here, or an entry the README no longer has,
#: fails tests/test_readme.py: README and smoke suite cannot drift apart.
EXPECTED_EXIT = {
    "cloudgov scan snapshot samples/estate/ --format table --format sarif --format junit --format json "
    "--output-dir out/ --fail-on high": 1,
    # live scans: no credentials in the smoke environment -> one sentence, exit 2
    "cloudgov scan aws --profile audit --regions all --format sarif --output-dir out/": 2,
    "cloudgov scan aws --organization --role-name CloudgovAudit --regions ap-east-2,ap-northeast-1": 2,
    "cloudgov scan azure --tenant contoso.onmicrosoft.com --management-group root --format json --output-dir out/": 2,
    "cloudgov scan azure --subscriptions "
    "11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222": 2,
    "cloudgov scan gcp --scope organizations/123456789 --format sarif --output-dir out/": 2,
    "cloudgov scan gcp --scope projects/my-project --directory-customer my_customer": 2,
    "cloudgov iac setup": 0,
    "cloudgov iac samples/terraform/ --format sarif --format junit --format json --output-dir out/iac/ "
    "--fail-on high": 1,
    "cloudgov iac samples/terraform/ --baseline out/iac/findings.json": 0,
    "cloudgov vendor import samples/vendors.yaml": 0,
    "cloudgov vendor list": 0,
    "cloudgov vendor show aws-tw": 0,
    "cloudgov vendor review start aws-tw/core-trading": 0,
    "cloudgov vendor evidence add aws-tw samples/vendor-evidence/aws-soc2-type2-2026.pdf --kind soc2-type2 "
    "--valid-until 2027-03-31": 0,
    "cloudgov vendor audit add aws-tw --party regulator --date 2026-06-30 "
    "--report samples/vendor-evidence/aws-firm-audit-2026.pdf": 0,
    "cloudgov vendor check --format sarif --inventory samples/estate/aws.json": 1,
    "cloudgov vendor export --format yaml": 0,
    "cloudgov exit plan import samples/exit-plans.yaml": 0,
    "cloudgov exit check": 1,
    "cloudgov exit lockin --inventory samples/estate/aws.json --service aws-tw/core-trading --diagram lockin.svg": 0,
    "cloudgov exit terminate aws-tw/data-lake --date 2026-11-10 "
    "--certificate samples/after-exit/deletion-certificate-data-lake.pdf": 0,
    "cloudgov exit verify aws-tw/data-lake --inventory samples/after-exit/data-lake-after-exit.json": 1,
    "cloudgov scan snapshot samples/estate/ --store": 1,
    "cloudgov history import samples/history/": 0,
    "cloudgov history": 0,
    "cloudgov report board --period 2026-Q3 --lang zh-TW --format pdf --output board-2026Q3.pdf": 0,
    "cloudgov report board --period 2026-Q3 --lang en --format html --output board-2026Q3.html": 0,
    "cloudgov backups samples/estate/ --format csv --output backups.csv": 0,
    "cloudgov init": 0,
    "cloudgov doctor": 0,
}

_FILE_FOR_FORMAT = {"json": "findings.json", "sarif": "findings.sarif", "junit": "findings.junit.xml",
                    "csv": "findings.csv"}


def files_written(command: str) -> list[str]:
    """The files a command says it writes (relative to its working directory)."""
    words = shlex.split(command)
    out: list[str] = []
    formats = [words[i + 1] for i, w in enumerate(words) if w in ("--format", "-f")]
    for flag in ("--output-dir", "-o"):
        if flag in words:
            d = words[words.index(flag) + 1]
            out += [f"{d.rstrip('/')}/{_FILE_FOR_FORMAT[f]}" for f in formats if f in _FILE_FOR_FORMAT]
    for flag in ("--output", "--diagram"):
        if flag in words:
            out.append(words[words.index(flag) + 1])
    return out


def files_read(command: str) -> list[str]:
    """The sample files and folders a command names."""
    return [w for w in shlex.split(command) if w.startswith("samples/")]
