"""What ``cloudgov vendor show`` displays: one provider, everything about it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from vendor_dd import facts
from vendor_dd.domains import CLAUSES
from vendor_dd.evidence import expiry_state
from vendor_dd.register import cadence, find_provider

__all__ = ["provider_view", "render_provider"]


def _d(v: date | None) -> str | None:
    return v.isoformat() if v else None


def provider_view(session: Session, slug: str, today: date) -> dict[str, Any]:
    p = find_provider(session, slug)
    cad = cadence(session)
    services = []
    for s in p.services:
        f = facts.service_facts(s, today, cad)
        f["review.state"] = facts.review_status(s, today, cad)
        services.append({"id": s.slug, "name": s.name, "materiality_criteria": list(s.materiality_criteria or []),
                         "materiality_approved_on": _d(s.materiality_approved_on), "facts": f,
                         "reviews": [_review(r) for r in s.reviews]})
    return {
        **p.identity(),
        "services": services,
        "contracts": [
            {"id": c.slug, "title": c.title, "services": [s.slug for s in c.services] or ["(all)"],
             "signed": _d(c.signed_on), "expires": _d(c.expires_on), "notice_period_days": c.notice_period_days,
             "governing_law": c.governing_law, "in_force": facts.contract_in_force(c, today),
             "clauses": {k: next(({"status": x.status, "section": x.section} for x in c.clauses if x.clause == k),
                                 {"status": "missing", "section": None}) for k in CLAUSES}}
            for c in p.contracts
        ],
        "audits": [
            {"party": a.party, "date": _d(a.audit_date), "planned": a.audit_date > today, "scope": a.scope,
             "services": [s.slug for s in a.services] or ["(all)"],
             "report": a.report.filename if a.report else None,
             "findings": [{"description": f.description, "remediation_due": _d(f.remediation_due), "status": f.status}
                          for f in a.findings]}
            for a in p.audits
        ],
        "evidence": [
            {"kind": e.kind, "file": e.filename, "revision": e.revision, "sha256": e.sha256,
             "valid_until": _d(e.valid_until), "state": expiry_state(e.valid_until, today)[0], "added_by": e.added_by}
            for e in p.evidence
        ],
    }


def _review(r) -> dict[str, Any]:
    return {"status": r.status, "started": _d(r.started_on), "completed": _d(r.completed_on),
            "reviewer": r.reviewer, "approver": r.approver,
            "domains": {d.domain: {"result": d.result, "finding": d.finding, "compensating": d.compensating}
                        for d in r.domains}}


def render_provider(console: Any, v: dict[str, Any]) -> None:
    from rich.table import Table

    ids = ", ".join(f"{k}={val}" for k, val in v["identifiers"].items())
    console.print(f"[bold]{v['id']}[/bold]  {v['legal_name']}" + (f" ({v['name_en']})" if v["name_en"] else ""))
    console.print(f"  HQ {v['headquarters_country'] or '?'} · parent {v['ultimate_parent'] or '?'} · {ids or 'no identifiers'}")
    console.print(f"  certifications: {', '.join(v['certifications']) or 'none recorded'}")
    for s in v["services"]:
        f = s["facts"]
        mat = {True: "material 重大", False: "not material", None: "materiality unassessed"}[f["material"]]
        console.print(f"\n[bold]{v['id']}/{s['id']}[/bold] {s['name']} · {f['service_model'] or '?'} · {mat}")
        console.print(f"  review: {f['review.state']}, last {f['review.last_completed'] or 'never'}, "
                      f"next due {f['review.next_due'] or '—'} (cadence {f['review.cadence_days']} d)")
        console.print(f"  last audit: {f['audit.last_date'] or 'never'} {f['audit.last_party'] or ''} · "
                      f"scopes: {', '.join(f['scopes']) or 'none'} · declared regions: {', '.join(f['declared_regions'] or []) or 'none'}")
        for r in s["reviews"]:
            short = [f"{k}={d['result']}" for k, d in r["domains"].items() if d["result"] not in ("met", "not_applicable")]
            console.print(f"  review {r['started']}→{r['completed'] or 'open'} by {r['reviewer'] or '?'}"
                          f" approved {r['approver'] or '—'}: {', '.join(short) or 'all met'}")
    for c in v["contracts"]:
        t = Table(title=f"contract {c['id']} ({'in force' if c['in_force'] else 'NOT in force'}, expires {c['expires'] or '—'})")
        t.add_column("clause")
        t.add_column("status")
        t.add_column("section")
        for k, cl in c["clauses"].items():
            color = {"present": "green", "partial": "yellow", "missing": "red"}[cl["status"]]
            t.add_row(f"{CLAUSES[k].title_en} {CLAUSES[k].title_zh}", f"[{color}]{cl['status']}[/{color}]", cl["section"] or "")
        console.print(t)
    for a in v["audits"]:
        console.print(f"audit {a['date']}{' (planned)' if a['planned'] else ''} by {a['party']}: {a['scope'] or ''}"
                      f" report {a['report'] or '—'}; {len(a['findings'])} finding(s)")
        for fi in a["findings"]:
            console.print(f"   - [{fi['status']}] {fi['description']} (due {fi['remediation_due'] or '—'})")
    for e in v["evidence"]:
        console.print(f"evidence {e['kind']:<18} {e['file']} #{e['revision']} until {e['valid_until'] or '—'} {e['state']}")

