"""One vocabulary of options across every command.

``VOCABULARY`` is the table a test walks the whole typer app against: every option name
means one thing wherever it appears, and every short flag belongs to one option name.
``METAVARS`` says how a value is shown in help (``--today DATE``), instead of the Python
type typer would print (``<list[Path]>``); scanner/cli/__init__.py makes help use it (and
imports this module only when a command's help is shown).
"""

from __future__ import annotations

__all__ = ["SHORT_FLAGS", "SHORT_FLAG_EXCEPTIONS", "VOCABULARY", "METAVARS", "metavar_for"]

#: the only short flags, and the one long option each stands for
SHORT_FLAGS = {
    "-f": "--format",
    "-o": "--output-dir",
    "-c": "--config",
    "-q": "--quiet",
    "-i": "--inventory",
    "-l": "--lang",
    "-p": "--profile",
    "-r": "--regions",
    "-s": "--scope",
    "-v": "--verbose",
    "-V": "--version",
    "-h": "--help",
    "-n": "--limit",
}

#: every long option of every command, and what it means wherever it appears. A new option
#: is added here first: if its meaning is already here under another name, use that name.
VOCABULARY = {
    # shared by every scan-like command (scanner/cli/common.py)
    "--format": "output format(s)",
    "--output-dir": "directory the output files are written to",
    "--output": "the one file a command writes",
    "--fail-on": "severity at or above which a failing finding makes the exit code 1",
    "--errors-fail": "ERROR findings at or above the threshold fail the run",
    "--waivers": "waiver file",
    "--config": "cloudgov.yaml",
    "--allowed-regions": "regions where data may be, for this run",
    "--save-inventory": "file the normalized inventory is saved to",
    "--store": "keep the scan in the history database",
    "--db": "database URL",
    "--register": "the vendor register file: each account's service and materiality",
    "--quiet": "no progress; only what matters",
    "--wide": "table lines as long as they need",
    "--wrap": "table reasons wrapped or cut",
    "--pretty": "JSON and SARIF indented for reading",
    "--policy": "policies to run",
    "--skip-policy": "policies not to run",
    "--area": "policy areas to run",
    "--min-severity": "lowest policy severity to run",
    "--inventory": "cloudgov snapshot(s) to read",
    "--today": "the date a command takes as today",
    "--actor": "who makes a change to the register",
    "--workers": "concurrent API workers",
    "--endpoint-url": "send API calls to this endpoint (emulator, replay)",
    "--verbose": "show each step",
    "--force": "overwrite what exists",
    "--upgrade": "reinstall what is installed",
    "--dry-run": "say what would change, change nothing",
    "--yes": "do not ask for confirmation",
    # live connectors
    "--profile": "AWS profile",
    "--regions": "regions to scan",
    "--accounts": "AWS accounts to scan",
    "--organization": "every account of the AWS Organization",
    "--role-name": "role assumed in each account",
    "--home-region": "region for global AWS calls",
    "--tenant": "Azure tenant",
    "--management-group": "Azure management group",
    "--subscriptions": "Azure subscriptions",
    "--scope": "what a command covers (GCP scope; an audit's or lock-in's scope)",
    "--quota-project": "GCP quota project",
    "--directory-customer": "Google Workspace customer for 2-step verification",
    "--read-groups": "read group members",
    "--key-activity": "read service-account key activity",
    # iac
    "--baseline": "findings.json of an earlier run: only new failures count",
    "--checkov": "also run checkov",
    "--checkov-timeout": "seconds before checkov is stopped",
    "--region": "the region a template or review is for",
    "--location": "Azure location of the resource group",
    "--var-file": "Terraform variables file",
    "--var": "one Terraform variable",
    "--workspace": "Terraform workspace",
    # catalogue, register, exit plans, history, report
    "--coverage": "requirements with the policies or evidence that serve them",
    "--regulation": "one regulation",
    "--service": "a provider's service (provider/service)",
    "--kind": "kind of evidence or test",
    "--valid-from": "first day evidence is valid",
    "--valid-until": "last day evidence is valid",
    "--date": "the day something happened",
    "--due": "when something is due",
    "--next-due": "when the next one is due",
    "--next-review": "when the next review is due",
    "--party": "who audited",
    "--report": "an audit report file",
    "--finding": "a finding recorded with a review or audit",
    "--reviewer": "who reviews",
    "--approver": "who approves",
    "--result": "outcome of a review item or test",
    "--evidence": "evidence reference",
    "--compensating": "compensating control (補償性措施)",
    "--scenario": "exit test scenario",
    "--notes": "free text",
    "--diagram": "file a diagram is drawn to",
    "--certificate": "deletion certificate file",
    "--issued-by": "who signed a certificate",
    "--issued-on": "when a certificate was signed",
    "--scope-covers": "what a certificate covers",
    "--also-scope": "more cloud scopes",
    "--reason": "why",
    "--keep-days": "days of history to keep",
    "--limit": "how many entries",
    "--period": "reporting period",
    "--lang": "report language",
    "--firm": "the firm's name",
    "--appetite": "risk-appetite file",
    "--debug": "traceback on an internal error",
    "--version": "print the version",
    "--help": "help",
    # cloudgov serve (the web application)
    "--host": "address the web server listens on",
    "--port": "port the web server listens on",
    "--demo": "serve the sample data",
    "--idle-minutes": "minutes before an idle session ends",
    "--secure-cookies": "cookies only over HTTPS",
    "--oidc": "single sign-on through OpenID Connect: the provider and the groups-to-roles file",
    # the task queue (cloudgov worker, scans with --queue, serve --queue)
    "--queue": "task queue broker URL (Redis): work goes to cloudgov workers",
    "--concurrency": "tasks a worker runs at once",
    "--log-level": "how much a long-running process logs",
}

#: (command, short flag) -> the long option it stands for there, where a tool's convention
#: differs from SHORT_FLAGS (flask/http servers: -p is the port)
SHORT_FLAG_EXCEPTIONS = {("serve", "-p"): "--port"}

#: names that mean the same as a vocabulary entry: never to be used
SYNONYMS = {"--max-workers": "--workers", "--out": "--output", "--output-directory": "--output-dir",
            "--waiver": "--waivers", "--severity": "--min-severity", "--dryrun": "--dry-run"}

#: parameter name -> how its value is written in help
METAVARS = {
    "format": "FORMAT",
    "output_dir": "DIR",
    "output": "FILE",
    "config": "FILE",
    "waivers": "FILE",
    "save_inventory": "FILE",
    "inventory": "FILE",
    "baseline": "FILE",
    "certificate": "FILE",
    "diagram": "FILE",
    "report": "FILE",
    "appetite": "FILE",
    "paths": "PATH",
    "path": "PATH",
    "file": "FILE",
    "db": "URL",
    "endpoint_url": "URL",
    "queue": "URL",
    "concurrency": "N",
    "loglevel": "LEVEL",
    "today": "DATE",
    "date_": "DATE",
    "date": "DATE",
    "due": "DATE",
    "next_due": "DATE",
    "next_review": "DATE",
    "valid_from": "DATE",
    "valid_until": "DATE",
    "issued_on": "DATE",
    "fail_on": "SEVERITY",
    "min_severity": "SEVERITY",
    "allowed_regions": "REGIONS",
    "regions": "REGIONS",
    "workers": "N",
    "max_workers": "N",
    "keep_days": "DAYS",
    "limit": "N",
    "period": "PERIOD",
    "lang": "LANG",
    "var": "NAME=VALUE",
    "var_file": "FILE",
    "workspace": "NAME",
}


def metavar_for(name: str | None, shown: str) -> str:
    """How an option's value is written in help: ``METAVARS``, else its name in capitals;
    typer's own rendering (``shown``) is kept only for a list of choices."""
    if shown.startswith("<") and "|" in shown and "[" not in shown:
        return shown[1:-1]
    return METAVARS.get(name or "", (name or "value").rstrip("_").upper())
