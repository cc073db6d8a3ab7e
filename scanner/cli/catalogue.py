"""``cloudgov controls`` and ``cloudgov policies``: the catalogue and what serves it."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from scanner.errors import UsageError


def coverage_rows(regulation: str | None = None) -> list[dict]:
    """For each requirement: the policies citing it (computed) and its evidence source."""
    from policies.registry import load_policies

    policies = load_policies()
    index = policies.controls_index()
    rows = []
    for c in policies.catalogue:
        if regulation and c.regulation != regulation:
            continue
        served_by = sorted(index.get(c.id, []))
        children = policies.catalogue.children(c.id)
        if not served_by and children:
            served = sum(1 for k in children if index.get(k.id))
            status = f"heading: {served} of {len(children)} items served by policies"
        elif served_by:
            areas = sorted({p.split(".", 1)[0] for p in served_by})
            status = "served: " + ", ".join(areas)
        elif c.evidence == "automated":
            status = "gap: automated evidence expected, no policy yet"
        elif c.evidence == "planned":
            status = "planned: " + c.planned
        elif c.evidence == "manual":
            status = "manual evidence"
        else:
            status = f"{c.evidence}: not yet served"
        rows.append(
            {
                "id": c.id,
                "regulation": c.regulation,
                "parent": c.parent,
                "title_en": c.title_en,
                "text_zh": c.text_zh,
                "evidence": c.evidence,
                "force": c.force,
                "scope": c.scope,
                "policies": served_by,
                "status": status,
            }
        )
    return rows


def chapter2_coverage() -> dict[str, int]:
    """ETG Art. 4–9 requirement items served by any policy, by the register's and exit plans'
    checks (vendor.*, exit.*), and by automated cloud policies (the rest)."""
    from policies.registry import load_policies

    policies = load_policies()
    index = policies.controls_index()
    governance = {p.id for p in policies if p.kinds[0].startswith(("vendor.", "exit."))}
    items = policies.catalogue.requirement_items()
    served = [c for c in items if index.get(c.id)]
    cloud = [c for c in served if any(p not in governance for p in index[c.id])]
    return {"items": len(items), "served": len(served), "cloud": len(cloud),
            "served_pct": round(100 * len(served) / len(items)), "cloud_pct": round(100 * len(cloud) / len(items))}


def coverage_sentence(cov: dict[str, int]) -> str:
    return (f"ETG Art. 4–9: {cov['served']} of {cov['items']} requirement items ({cov['served_pct']}%) are served by a "
            f"policy or a register/exit-plan check; {cov['cloud']} ({cov['cloud_pct']}%) by automated cloud policies")


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("controls")
    def controls(
        coverage: Annotated[
            bool, typer.Option("--coverage", help="Show, per requirement, the policies or evidence sources that serve it.")
        ] = False,
        regulation: Annotated[
            str | None, typer.Option("--regulation", help="Only this regulation: ETG, CSM, SRR, DSG, WFH.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    ) -> None:
        """List the control catalogue (the regulations' requirements, with stable ids)."""
        from policies.catalogue import load_catalogue

        cat = load_catalogue()
        reg = regulation.upper() if regulation else None
        if reg and reg not in cat.regulations:
            raise UsageError(f"unknown regulation {regulation!r}; use one of {', '.join(cat.regulations)}")
        rows = coverage_rows(reg)
        if fmt == "json":
            json.dump({"regulations": {k: vars(v) for k, v in cat.regulations.items()}, "controls": rows,
                       "etg_chapter2": chapter2_coverage()},
                      sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
            return
        if fmt == "csv":
            import csv

            w = csv.writer(sys.stdout, lineterminator="\n")
            from scanner.cite import cite

            w.writerow(["id", "regulation", "force", "scope", "evidence", "status", "policies", "title_en", "cited_zh"])
            for r in rows:
                w.writerow([r["id"], r["regulation"], r["force"], r["scope"], r["evidence"], r["status"],
                            ";".join(r["policies"]), r["title_en"], cite(r["id"], "zh-TW")])
            return
        if fmt != "table":
            raise UsageError(f"unknown format {fmt!r}; use table, json or csv")
        from rich.console import Console
        from rich.table import Table

        from scanner.cite import cite

        console = Console(width=None if sys.stdout.isatty() else 180)
        t = Table(title="Control coverage" if coverage else "Control catalogue")
        t.add_column("Id", no_wrap=True)
        t.add_column("Requirement", overflow="fold")
        t.add_column("Force")
        t.add_column("Evidence")
        if coverage:
            t.add_column("Served by", overflow="fold")
        for r in rows:
            text = r["title_en"] + (f"\n{r['text_zh'][:80]}" if not coverage else "")
            force = {"shall": "shall 應", "should": "should 宜"}.get(r["force"], "")
            if r["scope"] != "all":
                force += "\n" + r["scope"].replace("_", " ")
            zh = cite(r["id"], "zh-TW", with_title=False)
            cells = [r["id"] + (f"\n{zh}" if zh != r["id"].partition(":")[2] else ""), text, force, r["evidence"]]
            if coverage:
                cells.append(", ".join(r["policies"]) or r["status"])
            t.add_row(*cells)
        console.print(t)
        console.print("Texts as of: " + ", ".join(f"{code} ({v})" for code, v in cat.versions().items()
                                                  if not reg or code == reg))
        if coverage:
            n_served = sum(1 for r in rows if r["policies"])
            gaps = sum(1 for r in rows if r["status"].startswith("gap"))
            console.print(f"{len(rows)} requirements: {n_served} served by policies, {gaps} automated without a policy yet")
            if not reg or reg == "ETG":
                console.print(coverage_sentence(chapter2_coverage()))

    @app.command("policies")
    def policies_cmd(
        fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown (docs/policy-reference.md).")] = "table",
    ) -> None:
        """List the policies: id, severity, resource kinds, the articles they serve."""
        from policies.registry import load_policies

        ps = load_policies()
        if fmt == "markdown":
            from scanner.outputs.policy_doc import render_markdown

            sys.stdout.write(render_markdown(ps))
            return
        if fmt == "json":
            json.dump(
                [
                    {"id": p.id, "area": p.area, "severity": p.severity.value, "kinds": list(p.kinds),
                     "controls": list(p.controls), "title_en": p.title_en, "title_zh": p.title_zh}
                    for p in ps
                ],
                sys.stdout, ensure_ascii=False, indent=1,
            )
            sys.stdout.write("\n")
            return
        if fmt != "table":
            raise UsageError(f"unknown format {fmt!r}; use table, json or markdown")
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"{len(ps)} policies")
        for col in ("Id", "Severity", "Kinds", "Controls", "Title"):
            t.add_column(col, overflow="fold")
        for p in ps:
            t.add_row(p.id, p.severity.value, ", ".join(p.kinds), " ".join(p.controls), f"{p.title_en}\n{p.title_zh}")
        Console(width=None if sys.stdout.isatty() else 180).print(t)
