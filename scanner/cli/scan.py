"""``cloudgov scan snapshot``: evaluate inventory snapshots and cloud export files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.common import ScanOptions, evaluate_and_exit, scan_options, stderr_console


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @scan_app.command("snapshot")
    @scan_options
    def snapshot(
        paths: Annotated[
            list[Path],
            typer.Argument(
                help="Files or directories: cloudgov snapshots (.json, .jsonl, .json.gz) and the "
                "clouds' own export files, auto-detected.",
                show_default=False,
                metavar="PATH...",
            ),
        ],
        opts: ScanOptions,
    ) -> None:
        """Evaluate saved inventories and export files (no cloud access needed)."""
        from scanner.cli.common import progress
        from scanner.connectors.offline import load_paths

        err = stderr_console(opts.quiet)
        with progress(err, "reading " + ", ".join(str(p) for p in paths)):
            inv = load_paths(paths, on_skip=lambda p: err.print(f"[dim]skipped {p}: not a recognised input[/dim]"))
        postprocess = None
        if any("sarif" in f for f in opts.format):

            def postprocess(result) -> None:
                # SARIF needs a physical location: the file and line each resource came from
                from scanner.outputs.common import NON_PASSING
                from scanner.outputs.locate import locate_findings

                files = [f for p in paths for f in (sorted(p.rglob("*")) if p.is_dir() else [p]) if f.is_file()]
                locate_findings([f for f in result.findings if f.status in NON_PASSING], files)

        evaluate_and_exit(inv, opts, source="snapshot:" + ",".join(str(p) for p in paths), postprocess=postprocess)
