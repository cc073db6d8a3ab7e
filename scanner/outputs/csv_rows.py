"""CSV: one row per finding (every status), for spreadsheets.

Written as UTF-8 with a byte-order mark, so Excel on a zh-TW Windows (whose default for a
CSV without one is the ANSI code page, cp950) shows the Chinese titles and remediation
instead of mojibake; Python's csv and pandas read it as well (``utf-8-sig``). LibreOffice
does not go by the mark: choose UTF-8 in its import dialog (tests/test_output_escaping.py opens
the file in LibreOffice that way).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from typing import IO, TYPE_CHECKING

from scanner.outputs.escape import csv_row

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.csv"
BOM = "\ufeff"
COLUMNS = [
    "policy",
    "status",
    "severity",
    "controls",
    "provider",
    "account",
    "region",
    "kind",
    "resource_id",
    "resource_name",
    "message",
    "waiver_id",
    "waiver_expires",
    "title_en",
    "title_zh",
    "remediation_en",
    "remediation_zh",
    "controls_zh",  # the articles as a zh-TW reader cites them: 新興科技資通安全管控指引第八條第一項第一款
]


@lru_cache(maxsize=4096)
def _cited_zh(controls: tuple[str, ...]) -> str:
    from scanner.cite import cite_list

    return cite_list(tuple(controls), "zh-TW")


def render(result: ScanResult, stream: IO[str]) -> None:
    stream.write(BOM)
    w = csv.writer(stream, lineterminator="\r\n")  # RFC 4180 line ends, what Excel writes too
    w.writerow(COLUMNS)
    get = result.policies.get
    for f in result.findings:
        p = get(f.policy)
        r = f.resource
        w.writerow(
            csv_row([
                f.policy,
                f.status.value,
                f.severity.value,
                ";".join(f.controls),
                r.provider,
                r.account,
                r.region or "",
                r.kind,
                r.id,
                r.name,
                f.message,
                f.waiver.id if f.waiver else "",
                f.waiver.expires if f.waiver else "",
                p.title_en if p else "",
                p.title_zh if p else "",
                p.remediation_en if p else "",
                p.remediation_zh if p else "",
                _cited_zh(f.controls),
            ])
        )
