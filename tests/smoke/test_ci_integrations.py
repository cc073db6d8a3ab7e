"""The CI integrations, run locally step by step: the composite GitHub Action (action.yml),
the GitLab CI template (ci/cloudgov.gitlab-ci.yml) and the pre-commit hook
(.pre-commit-hooks.yaml through a clean `pre-commit try-repo`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from tests.smoke.conftest import ROOT
from tests.test_sarif_github import github_problems

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDGOV_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(HOME=str(home), PATH="/usr/local/bin:/usr/bin:/bin", NO_COLOR="1",
               XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
    if CHECKOV.exists():  # checkov is set up already (make setup): `cloudgov iac setup` finds it
        env["CLOUDGOV_CHECKOV"] = str(CHECKOV)
    return env


def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "workspace"
    work.mkdir()
    shutil.copytree(ROOT / "samples", work / "samples")
    (tmp_path / "home").mkdir()
    return work


#: the `github` context a runner gives a composite action (what the test pretends it is)
GITHUB_CONTEXT = {"server_url": "https://github.com", "action_repository": "example-owner/cloudgov",
                  "action_ref": "v1"}
_EXPR = re.compile(r"\$\{\{\s*([a-z]+)\.([A-Za-z0-9_.-]+)\s*\}\}")


def _expand(value: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    def one(m: re.Match[str]) -> str:
        scope, name = m.group(1), m.group(2)
        if scope == "inputs":
            return inputs[name]
        if scope == "github":
            return GITHUB_CONTEXT[name]
        if scope == "steps":
            step, _, key = name.split(".", 2)
            return steps.get(step, {}).get(key, "")
        raise AssertionError(f"expression {m.group(0)} is not supported by this runner")
    return _EXPR.sub(one, value)


def run_action(work: Path, home: Path, given: dict[str, str]) -> tuple[list[int], dict[str, str]]:
    """action.yml's steps as the runner runs a composite action: inputs with their defaults,
    `shell: bash` as `bash --noprofile --norc -eo pipefail`, GITHUB_PATH / GITHUB_OUTPUT files;
    stops at the first failing step. Returns the steps' exit codes and the action's outputs."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()} | given
    runner_temp = home / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    path_file, steps_out = runner_temp / "path", {}
    path_file.write_text("")
    env = _base_env(home) | {"GITHUB_ACTION_PATH": str(ROOT), "GITHUB_WORKSPACE": str(work),
                             "RUNNER_TEMP": str(runner_temp), "GITHUB_PATH": str(path_file)}
    codes = []
    assert action["runs"]["using"] == "composite"
    for i, step in enumerate(action["runs"]["steps"]):
        assert step["shell"] == "bash"
        out_file = runner_temp / f"output-{i}"
        out_file.write_text("")
        added = [p for p in path_file.read_text().splitlines() if p]
        step_env = env | {"GITHUB_OUTPUT": str(out_file), "PATH": ":".join([*reversed(added), env["PATH"]])}
        step_env |= {k: _expand(str(v), inputs, steps_out) for k, v in (step.get("env") or {}).items()}
        script = runner_temp / f"step-{i}.sh"
        script.write_text(_expand(step["run"], inputs, steps_out))
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=work,
                              env=step_env, capture_output=True, text=True, timeout=1800)
        codes.append(proc.returncode)
        if "id" in step:
            steps_out[step["id"]] = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        assert "Traceback" not in proc.stderr, proc.stderr
        if proc.returncode != 0:
            break
    outputs = {k: _expand(v["value"], inputs, steps_out) for k, v in action["outputs"].items()}
    return codes, outputs


def test_github_action_iac(wheel: Path, tmp_path: Path) -> None:
    work = _workspace(tmp_path)
    codes, outputs = run_action(work, tmp_path / "home", {
        "package": f"cloudgov[iac] @ {wheel.as_uri()}", "path": "samples/terraform/"})
    assert codes == [0, 1], codes  # installed; the samples' high-severity failures fail the step
    assert outputs["exit-code"] == "1"
    sarif = json.loads((work / outputs["sarif"]).read_text(encoding="utf-8"))
    assert github_problems(sarif) == []
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == f"https://github.com/example-owner/cloudgov/blob/v1/docs/policy-reference.md#{rule['id']}"
    assert (work / "cloudgov-results" / "findings.junit.xml").is_file()
    assert (work / "cloudgov-results" / "findings.json").is_file()


def test_github_action_snapshot(wheel: Path, tmp_path: Path) -> None:
    work = _workspace(tmp_path)
    codes, outputs = run_action(work, tmp_path / "home", {
        "package": str(wheel), "command": "scan snapshot", "path": "samples/estate/", "fail-on": "critical",
        "args": "--waivers samples/waivers.yaml"})
    assert codes[0] == 0 and outputs["exit-code"] in ("0", "1")
    sarif = json.loads((work / outputs["sarif"]).read_text(encoding="utf-8"))
    assert github_problems(sarif) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris <= {"samples/estate/aws.json", "samples/estate/azure.json", "samples/estate/gcp.json"}, uris


def _gitlab_job(name: str) -> dict:
    doc = yaml.safe_load((ROOT / "ci" / "cloudgov.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = dict(doc[name])
    while "extends" in job:
        base = dict(doc[job.pop("extends")])
        job = base | job | {"variables": {**base.get("variables", {}), **job.get("variables", {})}}
    return job


def test_gitlab_template(wheel: Path, tmp_path: Path) -> None:
    """The `cloudgov` job's before_script and script, run as a GitLab runner's bash does (one
    shell, stop at the first failing line), with the job's variables."""
    job = _gitlab_job("cloudgov")
    work = _workspace(tmp_path)
    variables = {k: str(v) for k, v in job["variables"].items()} | {
        "CLOUDGOV_PACKAGE": f"cloudgov[iac] @ {wheel.as_uri()}", "CLOUDGOV_PATH": "samples/terraform/"}
    lines = [*job["before_script"], *job["script"]]
    script = tmp_path / "job.sh"
    script.write_text("set -eo pipefail\n" + "\n".join(lines) + "\n")
    env = _base_env(tmp_path / "home") | variables | {"CI_PROJECT_DIR": str(work)}
    proc = subprocess.run(["bash", str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=1800)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr[-2000:]  # the samples' failures fail the job
    out = work / variables["CLOUDGOV_OUTPUT_DIR"]
    assert job["artifacts"]["paths"] == [f"{variables['CLOUDGOV_OUTPUT_DIR']}/"]
    junit = work / job["artifacts"]["reports"]["junit"]
    root = ET.parse(junit).getroot()
    assert int(root.get("failures")) > 0
    assert github_problems(json.loads((out / "findings.sarif").read_text(encoding="utf-8"))) == []


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    shutil.copytree(ROOT / "samples" / "terraform" / "aws", repo)
    (tmp_path / "home").mkdir()
    env = _base_env(tmp_path / "home") | {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
                                          "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                                          "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "infra"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True)
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    proc = subprocess.run([pre_commit, "try-repo", str(ROOT), "cloudgov-iac", "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1800)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out[-3000:]
    assert proc.returncode == 1, out[-3000:]  # the sample's high-severity failures fail the hook
    assert "cloudgov iac" in out and "Failed" in out and "FAILED: " in out, out[-3000:]
    assert "encryption.database_cmk" in out, out[-3000:]  # a high failure of the sample, by policy
