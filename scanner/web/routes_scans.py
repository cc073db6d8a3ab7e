"""Scans in the browser: the stored scans, a findings browser, the difference of two scans,
coverage gaps, and waivers (request → approve → expire)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from scanner.store import queries
from scanner.web.access import allow
from scanner.web.app import CurrentIdentity, DbSession, Denied, RowId, redirect, render
from scanner.web.forms import FormFields, day, text, texts
from scanner.web.services import who

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


def finding_filter(params: Any, session: Any) -> queries.FindingFilter:
    """The findings filter from query parameters; ``vendor`` = the accounts of one provider's services."""
    values: dict[str, Any] = {k: (params.get(k) or None) for k in (*queries.FILTER_FIELDS, "control")}
    f = queries.FindingFilter(**values)
    f.text = (params.get("q") or "").strip()[:200] or None
    try:
        f.page = max(1, int(params.get("page") or 1))
        f.per_page = min(500, max(1, int(params.get("per_page") or 50)))
    except ValueError:
        f.page, f.per_page = 1, 50
    f.after = queries.parse_cursor(params.get("after"))
    vendor = params.get("vendor")
    if vendor:
        from sqlalchemy import select

        from vendor_dd.models import CloudScope, Provider, Service

        f.accounts = [tuple(r) for r in session.execute(
            select(CloudScope.cloud, CloudScope.account).join(Service).join(Provider).where(Provider.slug == vendor))]
        f.extra["vendor"] = vendor
    return f


def _today():
    from scanner.records import clock

    return clock.today()


@router.get("/scans", **allow("scans.read"))
def scans(*, request: Request, s: DbSession) -> Response:
    return render(request, "scans.html", rows=queries.scan_rows(s, 200))


@router.get("/scans/{scan_id:int}", **allow("scans.read"))
def scan(*, request: Request, scan_id: RowId, s: DbSession) -> Response:
    from sqlalchemy import select

    from vendor_dd.models import Provider

    sc = queries.get_scan(s, scan_id)
    f = finding_filter(request.query_params, s)
    rows, total = queries.findings(s, scan_id, f)
    ctx: dict[str, Any] = {"scan": sc, "row": queries.scan_row(sc), "rows": rows, "total": total, "f": f,
           "facets": queries.facets(s, scan_id), "vendors": list(s.scalars(select(Provider.slug).order_by(Provider.slug))),
           "gaps": queries.gaps(s, scan_id), "pages": (total + f.per_page - 1) // f.per_page,
           "query": {k: v for k, v in request.query_params.items() if k != "page"}}
    if request.headers.get("hx-request"):
        return render(request, "_findings.html", **ctx)
    return render(request, "scan.html", **ctx)


@router.get("/scans/{scan_id:int}/findings/{finding_id:int}", **allow("scans.read"))
def finding(*, request: Request, scan_id: RowId, finding_id: RowId, s: DbSession) -> Response:
    from scanner.errors import InputError
    from scanner.store.models_history import StoredFinding

    row = s.get(StoredFinding, finding_id)
    if row is None or row.scan_id != scan_id:
        raise InputError(f"no finding {finding_id} in scan {scan_id}")
    sc = queries.get_scan(s, scan_id)
    policy = (sc.policies or {}).get(row.policy, {})
    remediation = _remediation(row.policy)
    return render(request, "finding.html", scan=sc, fi=row, policy=policy, remediation=remediation,
                  evidence_yaml=yaml.safe_dump(row.evidence, allow_unicode=True, sort_keys=True) if row.evidence else "")


@lru_cache(maxsize=1)
def _policies() -> Any:
    from policies.registry import load_policies

    return load_policies()


def _remediation(policy_id: str) -> dict[str, str] | None:
    p = _policies().get(policy_id)
    return None if p is None else {"zh": p.remediation_zh, "en": p.remediation_en}


@router.get("/scans/{scan_id:int}/diff/{other_id:int}", **allow("scans.read"))
def scan_diff(*, request: Request, scan_id: RowId, other_id: RowId, s: DbSession) -> Response:
    d = queries.diff(s, other_id, scan_id)
    return render(request, "diff.html", new=queries.get_scan(s, scan_id), old=queries.get_scan(s, other_id), d=d)


# --- waivers -----------------------------------------------------------------------------


@router.get("/waivers", **allow("scans.read"))
def waivers_page(*, request: Request, s: DbSession, policy: str | None = None, resource: str | None = None) -> Response:
    from sqlalchemy import select

    from scanner.web.models import WaiverRequest
    from scanner.web.waivers import state

    today = _today()
    rows = [(w, state(w, today)) for w in s.scalars(select(WaiverRequest).order_by(WaiverRequest.id.desc()))]
    return render(request, "waivers.html", rows=rows, prefill={"policy": policy or "", "resource": resource or ""},
                  policies=sorted(_policy_ids()))


def _policy_ids() -> list[str]:
    return [p.id for p in _policies()]


@router.post("/waivers", **allow("waivers.request"))
def waiver_request(*, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    from scanner.web.waivers import request_waiver

    request_waiver(s, who(ident.name), policy=text(f, "policy", 100) or "", resources=texts(f, "resources"),
                   reason=text(f, "reason") or "", compensating_control=text(f, "compensating_control") or "",
                   owner=text(f, "owner", 200) or "", expires=day(f, "expires"))
    return redirect("/waivers")


@router.post("/waivers/{waiver_id}/{decision}", **allow("waivers.approve"))
def waiver_decide(*, waiver_id: RowId, decision: str, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    from scanner.errors import InputError
    from scanner.web.waivers import SelfApproval, decide

    if decision not in ("approve", "reject"):
        raise InputError(f"unknown decision {decision!r}")
    try:
        decide(s, who(ident.name), waiver_id, decision == "approve", note=text(f, "note"))
    except SelfApproval as e:
        raise Denied(403, str(e)) from None
    return redirect("/waivers")


@router.get("/waivers.yaml", **allow("scans.read"))
def waivers_file(*, s: DbSession) -> Response:
    from scanner.web.waivers import waiver_document

    body = yaml.safe_dump(waiver_document(s), allow_unicode=True, sort_keys=False)
    return Response(body, media_type="application/yaml", headers={"Content-Disposition": 'attachment; filename="waivers.yaml"'})




# --- running a scan (a background job: in-process, or a worker of the task queue) --------


@router.get("/scans/run", **allow("scans.run"))
def scan_run_form(*, request: Request) -> Response:
    from scanner.web.jobs import jobs

    return render(request, "scan_run.html", jobs=jobs(request.app.state.engine), job=None)


@router.post("/scans/run", **allow("scans.run"))
def scan_run(*, request: Request, ident: CurrentIdentity, s: DbSession, f: FormFields) -> Response:
    import shutil
    import tempfile
    from pathlib import Path

    from scanner.errors import InputError
    from scanner.waivers import parse_waivers
    from scanner.web.forms import save_upload, uploads
    from scanner.web.jobs import submit_scan
    from scanner.web.waivers import waiver_document

    chosen = uploads(f, "files")
    if not chosen:
        raise InputError("choose one or more export files (cloudgov snapshots, AWS Config, az graph query, gcloud asset export)")
    settings = request.app.state.settings
    folder = Path(tempfile.mkdtemp(prefix="cloudgov-scan-"))
    try:  # the files go into the job's rows in the database, not a folder of this server
        saved = [save_upload(u, folder, settings.max_upload_bytes, check=False) for u in chosen]
        files = [(p.name, p.read_bytes()) for p in saved]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    document = waiver_document(s)
    parse_waivers(document, _policies(), source="approved waivers")  # refused now, not in the job
    j = submit_scan(request.app.state.engine, files, owner=ident.name,
                    source="upload:" + ",".join(n for n, _ in files)[:400], db_url=settings.db_url,
                    waivers=document, queue=settings.queue)
    return redirect(f"/scans/jobs/{j.id}")


@router.get("/scans/jobs/{job_id}", **allow("scans.read"))
def scan_job(*, request: Request, job_id: str) -> Response:
    from scanner.errors import InputError
    from scanner.web.jobs import job

    j = job(request.app.state.engine, job_id, queue=request.app.state.settings.queue)
    if j is None:
        raise InputError(f"no scan job {job_id}")
    if request.headers.get("hx-request"):
        return render(request, "_job.html", job=j)
    return render(request, "scan_run.html", jobs=[], job=j)
