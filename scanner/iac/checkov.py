"""checkov, run out of process from its own virtualenv, once per ``cloudgov iac`` run.

checkov pins boto3, networkx and packaging versions that conflict with ours, so it is
never imported here: we find its executable, run it with the offline switches
(``BC_SKIP_MAPPING=TRUE``, ``--skip-download``), restrict it to the checks we map plus
our own (``--external-checks-dir``), and parse its JSON. Its failures (missing, crash,
timeout, a file it cannot parse) become one-sentence errors or coverage gaps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError

__all__ = ["CheckResult", "CheckovRun", "PendingCheckov", "find_checkov", "start_checkov", "run_checkov", "parse_output", "CHECKS_DIR", "SETUP_HINT"]

CHECKS_DIR = Path(__file__).with_name("checks")
REPO_ROOT = Path(__file__).resolve().parents[2]
SETUP_HINT = "checkov is not installed where cloudgov looks for it; run `cloudgov iac setup` (or set CLOUDGOV_CHECKOV)."
DEFAULT_TIMEOUT = 900


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    result: str  # PASSED | FAILED | SKIPPED
    resource: str  # Terraform address as checkov renders it
    file: str  # relative to the scanned directory, no leading slash
    start_line: int
    end_line: int
    details: tuple[str, ...] = ()


@dataclass
class CheckovRun:
    version: str | None = None
    results: list[CheckResult] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def user_venv_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("cloudgov")) / "checkov-venv"


def venv_dir() -> Path:
    """checkov's one virtualenv, where ``cloudgov iac setup`` installs and ``cloudgov iac``
    looks: ``CLOUDGOV_CHECKOV_VENV``; else, running from a source checkout that has one
    (``make setup`` creates it), ``<checkout>/.venv-checkov``; else
    ``<user data dir>/cloudgov/checkov-venv``."""
    env = os.environ.get("CLOUDGOV_CHECKOV_VENV")
    if env:
        return Path(env).expanduser()
    repo = REPO_ROOT / ".venv-checkov"
    if repo.is_dir():
        return repo
    return user_venv_dir()


def candidates() -> list[Path]:
    out = []
    env = os.environ.get("CLOUDGOV_CHECKOV")
    if env:
        out.append(Path(env))
    out.append(venv_dir() / "bin" / "checkov")
    return out


def find_checkov() -> Path:
    """The checkov executable, first of: ``CLOUDGOV_CHECKOV`` (an executable), checkov's
    virtualenv (:func:`venv_dir`), ``checkov`` on PATH."""
    env = os.environ.get("CLOUDGOV_CHECKOV")
    if env:
        p = Path(env)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        raise InputError(f"CLOUDGOV_CHECKOV={env} is not an executable file; run `cloudgov iac setup` or fix the path.")
    for p in candidates():
        if p.is_file() and os.access(p, os.X_OK):
            return p
    found = shutil.which("checkov")
    if found:
        return Path(found)
    raise InputError(SETUP_HINT)


def command(executable: Path, directory: Path, check_ids: list[str], var_files: tuple[Path, ...] = ()) -> list[str]:
    extra = [a for f in var_files for a in ("--var-file", str(Path(f).resolve()))]  # the same -var-file values
    return [
        str(executable),
        "--directory", str(directory),
        "--framework", "terraform", "cloudformation", "arm",  # one run for every format cloudgov reads
        "--output", "json",
        "--skip-download",
        "--compact",
        "--external-checks-dir", str(CHECKS_DIR),
        "--check", ",".join(check_ids),
        *extra,
    ]


class PendingCheckov:
    """A checkov run under way: cloudgov parses and normalizes while checkov works."""

    def __init__(self, proc: subprocess.Popen, out: Any, err: Any, directory: Path, timeout: float) -> None:
        import time

        self._proc, self._out, self._err = proc, out, err
        self._directory, self._timeout = directory, timeout
        self._started = time.perf_counter()

    def wait(self) -> CheckovRun:
        import time

        left = max(0.0, self._timeout - (time.perf_counter() - self._started))
        try:
            self._proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise InputError(
                f"checkov did not finish within {self._timeout:.0f} s on {self._directory}; raise --checkov-timeout."
            ) from None
        seconds = time.perf_counter() - self._started
        stdout, stderr = self._read(self._out), self._read(self._err)
        run = parse_output(stdout, returncode=self._proc.returncode, stderr=stderr)
        run.seconds = seconds
        return run

    def cancel(self) -> None:
        """Stop checkov (our own scan failed, or it ran out of time)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._read(self._out), self._read(self._err)

    @staticmethod
    def _read(fh: Any) -> str:
        if fh.closed:
            return ""
        fh.seek(0)
        text = fh.read().decode("utf-8", errors="replace")
        fh.close()
        return text


def start_checkov(
    directory: Path, check_ids: list[str], *, executable: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
    var_files: tuple[Path, ...] = (),
) -> PendingCheckov:
    """Start checkov and return at once; :meth:`PendingCheckov.wait` gives its results."""
    import tempfile

    exe = executable or find_checkov()
    directory = directory.resolve()
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="ERROR")
    env.pop("BC_API_KEY", None)  # never send code to the vendor's platform
    # files, not pipes: a full pipe would stall checkov until we read, i.e. until our scan ends
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(
            command(exe, directory, check_ids, var_files), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=directory,
        )
    except OSError as e:
        out.close()
        err.close()
        raise InputError(f"cannot run checkov at {exe} ({e.strerror}); run `cloudgov iac setup`.") from None
    return PendingCheckov(proc, out, err, directory, timeout)


def run_checkov(
    directory: Path, check_ids: list[str], *, executable: Path | None = None, timeout: float = DEFAULT_TIMEOUT
) -> CheckovRun:
    return start_checkov(directory, check_ids, executable=executable, timeout=timeout).wait()


def parse_output(stdout: str, *, returncode: int = 0, stderr: str = "") -> CheckovRun:
    """checkov's JSON (one report, a list of reports, or an empty-scan summary)."""
    text = stdout.strip()
    if not text:
        if returncode in (0, 1):
            return CheckovRun()
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"checkov failed (exit {returncode}): {last}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        last = (stderr.strip().splitlines() or text.splitlines() or ["no output"])[-1]
        raise InputError(f"checkov did not produce JSON (exit {returncode}): {last[:300]}") from None
    reports = doc if isinstance(doc, list) else [doc]
    run = CheckovRun()
    for rep in reports:
        if not isinstance(rep, dict) or "results" not in rep:
            continue  # {"passed": 0, "failed": 0, ...}: nothing scanned
        run.version = (rep.get("summary") or {}).get("checkov_version") or run.version
        results = rep["results"]
        for bucket in ("failed_checks", "passed_checks", "skipped_checks"):
            for c in results.get(bucket) or []:
                run.results.append(_result(c))
        run.parsing_errors.extend(str(p) for p in results.get("parsing_errors") or [])
    return run


def _result(c: dict[str, Any]) -> CheckResult:
    lines = c.get("file_line_range") or [0, 0]
    return CheckResult(
        check_id=c.get("check_id", ""),
        result=(c.get("check_result") or {}).get("result", ""),
        resource=c.get("resource", ""),
        file=str(c.get("file_path", "")).lstrip("/"),
        start_line=int(lines[0]),
        end_line=int(lines[1]),
        details=tuple(str(d) for d in c.get("details") or ()),
    )
