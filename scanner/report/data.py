"""Everything the board report shows, as plain data (language-neutral; templates translate).

Decisions first, then evidence: the summary (posture per area against the risk appetite,
change since the previous period, top risks, what the board is asked to approve), then
trends, the heat map, concentration, vendors, exits, waivers, the ETG chapter 2 matrix and
the appendix for the CC-12000 (6) statement. Unknown stays unknown: a figure with no data
behind it is ``None`` and the template says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.docfile import yaml_load
from scanner.errors import ConfigError, InputError
from scanner.model import DATA_BEARING_KINDS
from scanner.report.periods import Period
from scanner.report.posture import (
    AREAS,
    SEVERITY_RANK,
    Posture,
    area_rates,
    load_posture,
    rate,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["build_report", "load_appetite", "APPETITE_PATH"]

APPETITE_PATH = Path(__file__).resolve().parent / "appetite.yaml"
DATA_KINDS = frozenset(str(k) for k in DATA_BEARING_KINDS)


def _merge(base: dict, over: dict, where: str = "") -> dict:
    out = dict(base)
    for k, v in over.items():
        if k not in base:
            raise ConfigError(f"risk appetite: unknown key {where}{k!r}")
        out[k] = _merge(base[k], v, f"{where}{k}.") if isinstance(v, dict) and isinstance(base[k], dict) else v
    return out


def load_appetite(path: Path | None = None, configured: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then cloudgov.yaml's ``report.appetite``, then the ``--appetite`` file."""
    from policies.registry import load_areas

    base = yaml_load(APPETITE_PATH.read_text(encoding="utf-8"))
    # each area's default appetite is declared by its policy file; appetite.yaml may not name areas
    base["areas"] = {a.name: dict(a.appetite) for a in load_areas()}
    if configured:
        base = _merge(base, configured)
    if path is None:
        return base
    from scanner.docfile import read_structured

    try:
        over = read_structured(path, what="a risk-appetite file") or {}
    except InputError as e:
        raise ConfigError(str(e)) from None
    if not isinstance(over, dict):
        raise ConfigError(f"--appetite: {path}: expected a mapping of thresholds")
    return _merge(base, over)


def _titles(posture: Posture, pid: str) -> dict[str, str]:
    meta = posture.policies.get(pid) or {}
    if not meta.get("title_en"):
        from policies.registry import load_policies

        p = load_policies().get(pid)
        if p is not None:
            meta = {"title_en": p.title_en, "title_zh": p.title_zh, "area": p.area, "severity": p.severity.value,
                    "controls": list(p.controls)}
    return {"title_en": meta.get("title_en") or pid, "title_zh": meta.get("title_zh") or pid}


def _failing(posture: Posture) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f in posture.findings:
        if f["status"] in ("FAIL", "ERROR"):
            out[f["policy"]].add(f["fingerprint"])
    return out


def _likelihood(n: int, bins: list[int]) -> int:
    return max((i + 1 for i, lo in enumerate(bins) if n >= lo), default=1)


def _risks(posture: Posture, prev: Posture, streak: dict[str, int], appetite: dict) -> list[dict[str, Any]]:
    now, before = _failing(posture), _failing(prev)
    counts = posture.status_counts("policy")
    hm = appetite["heat_map"]
    severities = {}
    for row in posture.rollup:
        severities[row[0]] = row[2]
    risks = []
    for pid, ids in now.items():
        sev = severities.get(pid, "medium")
        c = counts.get(pid, Counter())
        likelihood = _likelihood(len(ids), hm["likelihood_bins"])
        if streak.get(pid, 0) >= hm["persistent_periods"]:
            likelihood = min(5, likelihood + 1)
        examples = sorted({f["name"] or f["resource_id"] for f in posture.findings if f["policy"] == pid
                           and f["status"] in ("FAIL", "ERROR")})[:3]
        risks.append({
            "policy": pid,
            **_titles(posture, pid),
            "area": pid.split(".", 1)[0],
            "severity": sev,
            "fail": c.get("FAIL", 0),
            "error": c.get("ERROR", 0),
            "resources": len(ids),
            "new": len(ids - before.get(pid, set())) if not prev.empty else None,
            "resolved": len(before.get(pid, set()) - ids) if not prev.empty else None,
            "periods_failing": streak.get(pid, 1),
            "likelihood": likelihood,
            "impact": hm["impact"].get(sev, 3),
            "examples": examples,
        })
    # resolved entirely since the previous period: worth a line too
    for pid in set(before) - set(now):
        risks.append({"policy": pid, **_titles(prev, pid), "area": pid.split(".", 1)[0], "severity": "info",
                      "fail": 0, "error": 0, "resources": 0, "new": 0, "resolved": len(before[pid]),
                      "periods_failing": 0, "likelihood": 0, "impact": 0, "examples": []})
    risks.sort(key=lambda r: (-r["impact"] * r["likelihood"], -SEVERITY_RANK.get(r["severity"], 0), -r["resources"], r["policy"]))
    return risks


def _heat(risks: list[dict[str, Any]]) -> list[list[list[str]]]:
    """grid[impact-1][likelihood-1] = policy ids."""
    grid = [[[] for _ in range(5)] for _ in range(5)]
    for r in risks:
        if r["likelihood"] and r["impact"]:
            grid[r["impact"] - 1][r["likelihood"] - 1].append(r["policy"])
    return grid


def _waivers(posture: Posture, period: Period, days: int) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for f in posture.findings:
        w = f.get("waiver")
        if not w:
            continue
        entry = by_id.setdefault(w["id"], {**w, "findings": 0})
        entry["findings"] += 1
    horizon = period.end + dt.timedelta(days=days)
    for w in by_id.values():
        exp = dt.date.fromisoformat(str(w["expires"])[:10])
        w["days_left"] = (exp - period.end).days
        w["expiring"] = exp <= horizon
    return sorted(by_id.values(), key=lambda w: (w["expires"], w["id"]))


def _concentration(posture: Posture, links: dict, config: Any) -> dict[str, Any]:
    by_provider: Counter = Counter()
    by_region: Counter = Counter()
    material_provider: Counter = Counter()
    npd_total = npd_tw = npd_unknown = 0
    all_tw = all_unknown = 0
    linked_accounts = set()
    for provider, account, region, kind, n in posture.resources:
        if kind not in DATA_KINDS:
            continue
        by_provider[provider] += n
        by_region[(provider, region or "?")] += n
        allowed, _ = config.location_allowed(provider, region)
        all_tw += n if allowed else 0
        all_unknown += n if allowed is None else 0
        link = links.get((provider, account))
        if link:
            linked_accounts.add((provider, account))
            if link["material"]:
                material_provider[provider] += n
            if link["natural_person_data"]:
                npd_total += n
                npd_tw += n if allowed else 0
                npd_unknown += n if allowed is None else 0
    total = sum(by_provider.values())
    regions = []
    for (provider, region), n in by_region.most_common():
        countries = config.jurisdictions.countries(provider, region if region != "?" else None)
        regions.append({"provider": provider, "region": region, "count": n, "share": n / total if total else None,
                        "countries": sorted(countries) if countries else None})
    mtotal = sum(material_provider.values())
    return {
        "data_resources": total,
        "providers": [{"provider": p, "count": n, "share": n / total} for p, n in by_provider.most_common()],
        "regions": regions,
        "material_linked": bool(linked_accounts),
        "material_providers": [{"provider": p, "count": n, "share": n / mtotal} for p, n in material_provider.most_common()] if mtotal else [],
        "tw_share_all": all_tw / total if total else None,
        "unknown_location": all_unknown,
        "npd_resources": npd_total,
        "npd_tw_share": npd_tw / npd_total if npd_total else None,
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


def build_report(session: "Session", period: Period, *, appetite: dict[str, Any], firm: str = "",
                 config: Any = None, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    from scanner.config import load_config
    from scanner.report import governance
    from scanner.report.matrix import compliance_matrix

    config = config or load_config(None)
    posture = load_posture(session, period)
    prev = load_posture(session, period.previous())
    trend_periods = period.back(int(appetite.get("trend_periods", 4)))
    trend_postures = [load_posture(session, p, with_findings=False) if p != period else posture for p in trend_periods]
    streak = _streaks(trend_postures)
    rates, prev_rates = area_rates(posture), area_rates(prev)
    areas = []
    for area in AREAS:
        r, pr = rates[area]["rate"], prev_rates[area]["rate"]
        floor = appetite["areas"].get(area, {}).get("min_pass_rate")
        areas.append({"area": area, **rates[area], "prev_rate": pr,
                      "delta": None if r is None or pr is None else r - pr,
                      "appetite": floor, "within": None if r is None or floor is None else r >= floor})
    risks = _risks(posture, prev, streak, appetite) if not posture.empty else []
    open_risks = [r for r in risks if r["resources"]]
    waivers = _waivers(posture, period, int(appetite["waivers_expiring_days"]))
    as_of = period.end
    vendors = governance.vendor_section(session, as_of)
    exits = governance.exit_section(session, as_of)
    gov = governance.governance_findings(session, as_of, vendor=vendors is not None, exits=exits is not None)
    links = governance.scope_links(session)
    conc = _concentration(posture, links, config)
    shortfalls = []
    for f in gov:
        if f.policy == "vendor.review_shortfalls_compensated":
            for s in f.resource.prop("review.shortfalls") or ():
                if s.get("compensating"):
                    shortfalls.append({"service": f.resource.prop("provider", "") + "/" + f.resource.prop("service", ""), **s})
    approvals = {
        "waivers": [w for w in waivers if w["expiring"]],
        "waiver_problems": list(posture.waiver_problems),
        "exits": ([{"service": s, "issue": "no_plan"} for s in exits["without_plan"]]
                  + [{"service": x["service"], "issue": "certificate"} for x in exits["certificates_outstanding"]]
                  + [{"service": x["service"], "issue": "rto"} for x in exits["services"] if x["fits_rto"] is False])
        if exits else [],
        "acceptances": [w for w in waivers if not w["expiring"]] + shortfalls,
    }
    return {
        "firm": firm,
        "period": {"label": period.label, "kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous": period.previous().label,
        "generated_at": (generated_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "has_scans": not posture.empty,
        "prev_has_scans": not prev.empty,
        "scans": posture.scans,
        "accounts": len(posture.pairs),
        "resources": sum(s["resources"] for s in posture.scans),
        "areas": areas,
        "overall": {"rate": rate(Counter({s: sum(a[s] for a in areas) for s in ("PASS", "FAIL", "ERROR", "WAIVED")})),
                    **{s: sum(a[s] for a in areas) for s in ("PASS", "FAIL", "ERROR", "WAIVED")}},
        "risks": risks,
        "top_risks": open_risks[: int(appetite["top_risks"])],
        "heat": _heat(open_risks),
        "trend": [{"label": p.label, "has_scans": not tp.empty, "areas": {a: v["rate"] for a, v in area_rates(tp).items()}}
                  for p, tp in zip(trend_periods, trend_postures)],
        "waivers": waivers,
        "approvals": approvals,
        "gaps": posture.gaps,
        "concentration": conc,
        "vendors": vendors,
        "exits": exits,
        "matrix": compliance_matrix(posture, gov, vendors is not None, exits is not None),
        "appetite": appetite,
        "statement": {"year": period.start.year, "due": dt.date(period.start.year + 1, 3, 31).isoformat()},
    }
