"""Everything the board report shows, as plain data (language-neutral; templates translate).

Page 1 tells the whole story: a one-sentence judgement, the worst problems (ranked by
severity × materiality, each with owner, remediation and target date) and at most five
decisions for the board. Then appetite per area and metric (within / near / outside), trends
(one point per scan), concentration, vendors, exits, waivers, the ETG chapter 2 matrix and the
CC-12000 (6) appendix. Everything comes from data dated inside the period: the scans evaluated
in it, and the registers as they stood on its last day. Unknown stays ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from scanner.model import DATA_BEARING_KINDS
from scanner.report.appetite import APPETITE_PATH, judge, load_appetite
from scanner.report.periods import Period
from scanner.report.posture import (
    AREAS,
    Posture,
    area_rates,
    load_posture,
    rate,
    scan_series,
)
from scanner.report.regions import fold, region_name
from scanner.report.waiver_text import parse_problem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["build_report", "load_appetite", "APPETITE_PATH", "DATA_KINDS"]

DATA_KINDS = frozenset(str(k) for k in DATA_BEARING_KINDS)
MAX_DECISIONS = 5


def _policy_meta(postures: list[Posture]) -> dict[str, dict[str, Any]]:
    from policies.registry import load_policies

    meta: dict[str, dict[str, Any]] = {}
    for p in load_policies():
        meta[p.id] = {"title_en": p.title_en, "title_zh": p.title_zh, "area": p.area, "severity": p.severity.value,
                      "controls": list(p.controls), "remediation_zh": p.remediation_zh, "remediation_en": p.remediation_en}
    for posture in postures:  # a policy since retired still has its stored titles
        for pid, m in posture.policies.items():
            meta.setdefault(pid, dict(m))
    return meta


def _waivers(posture: Posture, period: Period, days: int) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for f in posture.findings:
        w = f.get("waiver")
        if not w or f["status"] != "WAIVED":
            continue
        entry = by_id.setdefault(w["id"], {**w, "findings": 0})
        entry["findings"] += 1
    horizon = period.end + dt.timedelta(days=days)
    for w in by_id.values():
        exp = dt.date.fromisoformat(str(w["expires"])[:10])
        w["days_left"] = (exp - period.end).days
        w["expiring"] = exp <= horizon
    return sorted(by_id.values(), key=lambda w: (w["expires"], w["id"]))


def _concentration(posture: Posture, links: dict, config: Any, appetite: dict) -> dict[str, Any]:
    """Data-bearing resources per provider and region (zones folded into their region)."""
    by_provider: Counter[str] = Counter()
    by_region: Counter[tuple[str, str]] = Counter()
    material_provider: Counter[str] = Counter()
    npd_total = npd_tw = npd_unknown = 0
    all_tw = all_unknown = 0
    linked = False
    for provider, account, location, kind, n in posture.resources:
        if kind not in DATA_KINDS:
            continue
        region = fold(config.jurisdictions, provider, location) or "?"
        by_provider[provider] += n
        by_region[(provider, region)] += n
        allowed, _ = config.location_allowed(provider, location)
        all_tw += n if allowed else 0
        all_unknown += n if allowed is None else 0
        link = links.get((provider, account))
        if link:
            linked = True
            if link["material"]:
                material_provider[provider] += n
            if link["natural_person_data"]:
                npd_total += n
                npd_tw += n if allowed else 0
                npd_unknown += n if allowed is None else 0
    total = sum(by_provider.values())
    spec = appetite["concentration"]
    regions = []
    for (provider, region), n in by_region.most_common():
        countries = config.jurisdictions.countries(provider, region if region != "?" else None)
        name = region_name(provider, region)
        if countries and len(countries) > 1:  # a multi-region: named by what it is, in the report's words
            name = None
        regions.append({"provider": provider, "region": region, "name": name, "multi": bool(countries and len(countries) > 1),
                        "count": n, "share": n / total if total else None,
                        "countries": sorted(countries) if countries else None,
                        **{"judged": judge(n / total if total else None, spec, "max_region_share")}})
    providers = [{"provider": p, "count": n, "share": n / total, "judged": judge(n / total, spec, "max_provider_share")}
                 for p, n in by_provider.most_common()]
    mtotal = sum(material_provider.values())
    material = [{"provider": p, "count": n, "share": n / mtotal, "judged": judge(n / mtotal, spec, "max_provider_share")}
                for p, n in material_provider.most_common()] if mtotal else []
    npd_share = npd_tw / npd_total if npd_total else None
    return {
        "data_resources": total,
        "providers": providers,
        "regions": regions,
        "material_linked": linked,
        "material_providers": material,
        "tw_share_all": all_tw / total if total else None,
        "unknown_location": all_unknown,
        "npd_resources": npd_total,
        "npd": judge(npd_share, appetite["natural_person_data_in_taiwan"], "min_share"),
        "npd_unknown": npd_unknown,
        "allowed_countries": sorted(config.allowed_countries),
    }


def _streaks(postures: list[Posture]) -> dict[str, int]:
    """Consecutive periods, ending with the last, in which each policy had FAIL or ERROR findings."""
    streak: dict[str, int] = {}
    for p in postures:
        counts = p.status_counts("policy")
        failing = {pid for pid, c in counts.items() if c.get("FAIL", 0) + c.get("ERROR", 0)}
        streak = {pid: streak.get(pid, 0) + 1 for pid in failing}
    return streak


def _metrics(areas: list[dict[str, Any]], conc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric that has an appetite, judged once: the rows of the appetite table."""
    out = [{"metric": "area", "area": a["area"], **a["judged"]} for a in areas]
    if conc["data_resources"]:
        if conc["providers"]:
            top = conc["providers"][0]
            out.append({"metric": "provider_share", "provider": top["provider"], **top["judged"]})
        if conc["regions"]:
            top = conc["regions"][0]
            out.append({"metric": "region_share", "provider": top["provider"], "region": top["region"],
                        "name": top["name"], **top["judged"]})
        if conc["material_providers"]:
            top = conc["material_providers"][0]
            out.append({"metric": "material_provider_share", "provider": top["provider"], **top["judged"]})
        out.append({"metric": "npd_in_taiwan", **conc["npd"]})
    return out


def _decisions(metrics: list[dict[str, Any]], risks: list[dict[str, Any]], top: list[dict[str, Any]],
               waivers: list[dict[str, Any]], problems: list[dict[str, Any]], exits: dict[str, Any] | None,
               shortfalls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """What the board is asked to decide, most pressing first; at most five (the rest are counted)."""
    items: list[dict[str, Any]] = []
    outside = [m for m in metrics if m["band"] == "outside"]
    if outside:
        items.append({"kind": "outside", "metrics": outside})
    unowned = [r for r in top if not r["owner"] or not r["due"]]
    if unowned:
        items.append({"kind": "owners", "risks": unowned})
    for p in problems:
        items.append({"kind": "waiver_problem", "problem": p})
    expiring = [w for w in waivers if w["expiring"]]
    for w in expiring:
        items.append({"kind": "waiver_expiring", "waiver": w})
    if exits:
        material_without = [x for x in exits["without_plan"] if x["material"] is not False]
        if material_without:
            items.append({"kind": "exit_no_plan", "services": material_without})
        if exits["over_rto"]:
            items.append({"kind": "exit_rto", "services": exits["over_rto"]})
        if exits["certificates_outstanding"]:
            items.append({"kind": "exit_certificate", "services": exits["certificates_outstanding"]})
    accepted = [w for w in waivers if not w["expiring"]]
    compensated = [s for s in shortfalls if s["compensating"]]
    if accepted or compensated:
        items.append({"kind": "acceptance", "waivers": len(accepted), "shortfalls": len(compensated)})
    return items[:MAX_DECISIONS], max(0, len(items) - MAX_DECISIONS)


def _judgement(metrics: list[dict[str, Any]], top: list[dict[str, Any]], has_scans: bool) -> dict[str, Any]:
    bands = Counter(m["band"] for m in metrics if m["band"])
    worst = top[0] if top else None
    if not has_scans:
        level = "unknown"
    elif bands["outside"]:
        level = "outside"
    elif bands["near"]:
        level = "near"
    else:
        level = "within"
    return {"level": level, "outside": bands["outside"], "near": bands["near"], "within": bands["within"],
            "judged": sum(bands.values()), "worst": worst}


def build_report(session: Session, period: Period, *, appetite: dict[str, Any] | None = None, firm: str = "",
                 config: Any = None, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    from scanner.config import load_config
    from scanner.report import governance
    from scanner.report.matrix import compliance_matrix
    from scanner.report.ranking import rank_risks

    config = config or load_config(None)
    appetite = appetite or load_appetite(None, dict(config.report_appetite))
    posture = load_posture(session, period)
    prev = load_posture(session, period.previous())
    trend_periods = period.back(int(appetite.get("trend_periods", 4)))
    trend_postures = [load_posture(session, p, with_findings=False) if p != period else posture for p in trend_periods]
    streak = _streaks(trend_postures)
    rates, prev_rates = area_rates(posture), area_rates(prev)
    areas = []
    for area in AREAS:
        r, pr = rates[area]["rate"], prev_rates[area]["rate"]
        areas.append({"area": area, **rates[area], "prev_rate": pr, "delta": None if r is None or pr is None else r - pr,
                      "judged": judge(r, appetite["areas"].get(area), "min_pass_rate")})
    as_of = period.end
    vendors = governance.vendor_section(session, as_of)
    exits = governance.exit_section(session, as_of)
    gov = governance.governance_findings(session, as_of, vendor=vendors is not None, exits=exits is not None)
    links = governance.scope_links(session, as_of)
    meta = _policy_meta([posture, prev])
    risks = rank_risks(posture, prev, links=links, meta=meta, appetite=appetite, streak=streak,
                       owners=dict(getattr(config, "report_owners", {}) or {}), vendors=vendors, exits=exits)
    top = risks[: max(3, int(appetite["top_risks"]))][:5]
    waivers = _waivers(posture, period, int(appetite["waivers_expiring_days"]))
    problems = [parse_problem(p) for p in posture.waiver_problems]
    conc = _concentration(posture, links, config, appetite)
    metrics = _metrics(areas, conc)
    shortfalls = (vendors or {}).get("shortfalls") or []
    decisions, more = _decisions(metrics, risks, top, waivers, problems, exits, shortfalls)
    series = scan_series(session, trend_periods)
    statuses = ("PASS", "FAIL", "ERROR", "WAIVED")
    return {
        "firm": firm,
        "period": {"label": period.label, "kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous": period.previous().label,
        "generated_on": (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat(),
        "has_scans": not posture.empty,
        "prev_has_scans": not prev.empty,
        "scans": posture.scans,
        "accounts": len(posture.pairs),
        "resources": sum(s["resources"] for s in posture.scans),
        "judgement": _judgement(metrics, top, not posture.empty),
        "areas": areas,
        "metrics": metrics,
        "overall": {"rate": rate(Counter({s: sum(a[s] for a in areas) for s in statuses})),
                    **{s: sum(a[s] for a in areas) for s in statuses}},
        "risks": risks,
        "top_risks": top,
        "heat": _heat([r for r in risks if r["kind"] == "policy"]),
        "trend": {"periods": [p.label for p in trend_periods], "points": series,
                  "floors": {a: appetite["areas"].get(a, {}).get("min_pass_rate") for a in AREAS},
                  "tolerances": {a: appetite["areas"].get(a, {}).get("tolerance") or 0.0 for a in AREAS}},
        "waivers": waivers,
        "waiver_problems": problems,
        "decisions": decisions,
        "decisions_more": more,
        "shortfalls": shortfalls,
        "gaps": posture.gaps,
        "concentration": conc,
        "vendors": vendors,
        "exits": exits,
        "matrix": compliance_matrix(posture, gov, vendors is not None, exits is not None),
        "appetite": appetite,
        "statement": {"year": period.start.year, "due": dt.date(period.start.year + 1, 3, 31).isoformat()},
    }


def _heat(risks: list[dict[str, Any]]) -> list[list[list[str]]]:
    """grid[impact-1][likelihood-1] = risk ids."""
    grid: list[list[list[str]]] = [[[] for _ in range(5)] for _ in range(5)]
    for r in risks:
        if r["likelihood"] and r["impact"]:
            grid[r["impact"] - 1][r["likelihood"] - 1].append(r["id"])
    return grid
