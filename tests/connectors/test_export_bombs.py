"""Hostile export files for the three offline readers: a 6 MB .json.gz that inflates to
6 GiB (a gzip bomb behind a head that looks like a real export), deep nesting, broken gzip.
Each is one sentence and exit 2, read within the decompressed-size limit (memory bounded)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: the head of each export, as its sniffer recognises it; what follows is JSON whitespace
HEADS = {
    "aws": b'{"fileVersion": "1.0", "configSnapshotId": "x", "configurationItems": [',
    "azure": b'{"total_records": 1, "count": 1, "data": [{"id": "/subscriptions/s/providers/microsoft.storage/'
             b'storageAccounts/a", "type": "microsoft.storage/storageaccounts", "name": "a"}',
    "gcp": json.dumps({"name": "//storage.googleapis.com/b", "asset_type": "storage.googleapis.com/Bucket",
                       "resource": {"data": {"name": "b"}, "location": "asia-east1"}}).encode() + b"\n",
}
INFLATED = 6 << 30  # 6 GiB
MEMBER = 64 << 20  # each gzip member inflates to 64 MiB of spaces


def _bomb(path: Path, head: bytes) -> Path:
    """``head`` then 6 GiB of spaces, as concatenated gzip members (valid gzip, ~6 MB)."""
    spaces = gzip.compress(b" " * MEMBER, compresslevel=9)
    with path.open("wb") as fh:
        fh.write(gzip.compress(head))
        for _ in range(INFLATED // MEMBER):
            fh.write(spaces)
    return path


@pytest.mark.parametrize("cloud", sorted(HEADS))
def test_a_gzip_bomb_is_one_sentence_within_the_decompressed_limit(cloud, tmp_path):
    bomb = _bomb(tmp_path / f"{cloud}-export.json.gz", HEADS[cloud])
    assert bomb.stat().st_size < 8 << 20
    limit = 128 << 20
    probe = (
        "import resource, sys\n"
        "from scanner.connectors.offline import load_paths\n"
        "from scanner.errors import InputError\n"
        "try:\n"
        f"    load_paths([{str(bomb)!r}])\n"
        "    print('READ')\n"
        "except InputError as e:\n"
        "    print(e)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"  # KiB on Linux
    )
    env = {"PATH": "/usr/bin:/bin", "CLOUDGOV_MAX_DECOMPRESSED_BYTES": str(limit), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    message, peak_kib = done.stdout.strip().splitlines()
    assert message.startswith(str(bomb)) and "more than the 128.0 MiB" in message, message
    assert "decompresses to" in message
    # bounded by the limit (a few copies of 128 MiB at most), nowhere near the 6 GiB it inflates to
    assert int(peak_kib) < 1 << 20, f"peak {int(peak_kib) >> 10} MiB"


@pytest.mark.parametrize("cloud", sorted(HEADS))
def test_the_cli_refuses_a_bomb_with_exit_2_and_one_line(cloud, tmp_path, cli):
    bomb = tmp_path / f"{cloud}.json.gz"
    with bomb.open("wb") as fh:  # 64 MiB of spaces behind the head: past an 8 MiB limit
        fh.write(gzip.compress(HEADS[cloud]) + gzip.compress(b" " * MEMBER))
    out = tmp_path / "out"
    done = cli("scan", "snapshot", str(bomb), "-o", str(out), "-q",
               env={"CLOUDGOV_MAX_DECOMPRESSED_BYTES": str(8 << 20)})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "decompresses to more than" in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("cloud", sorted(HEADS))
def test_deep_nesting_and_broken_gzip_are_one_sentence(cloud, tmp_path):
    from scanner.connectors.offline import load_paths
    from scanner.errors import InputError

    deep = tmp_path / f"{cloud}-deep.json"
    head = HEADS[cloud].rstrip(b"\n")
    if cloud == "gcp":  # one NDJSON line whose resource data nests 100,000 deep
        deep.write_bytes(head[:-2] + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}\n")
    else:  # one more item of the list, nesting 100,000 deep
        sep = b"" if head.endswith(b"[") else b", "
        deep.write_bytes(head + sep + b"[" * 100_000 + b"]" * 100_000 + b"]}")
    with pytest.raises(InputError, match="nested too deeply"):
        load_paths([deep])
    broken = tmp_path / f"{cloud}-broken.json.gz"
    broken.write_bytes(gzip.compress(HEADS[cloud] + b" " * 100_000)[:-2000])
    with pytest.raises(InputError) as err:
        load_paths([broken])
    assert str(err.value).startswith(str(broken)) and "\n" not in str(err.value)
