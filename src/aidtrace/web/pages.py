"""The dashboard: server-rendered pages over the same queries as the API.

Every value from a document or a user reaches HTML through Jinja2 with autoescaping on;
chart data goes out as JSON (|tojson escapes <, > and &) and is drawn by our static
app.js with Plotly, both served from the package. Links to sources are shown only for
http(s) URLs. Forms that write check the CSRF token and the signed-in session.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from aidtrace import queries
from aidtrace.counting import STATUSES
from aidtrace.describe import donor_label, donor_name
from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import CATEGORIES, RECORD_TYPES, STAGES, SUBTYPES
from aidtrace.money import GDP_YEAR, share_of_gdp
from aidtrace.params import InvalidParameter, resolve_donor
from aidtrace.queries import REVIEW_FILTERS
from aidtrace.review import FIELDS
from aidtrace.store import Store, search
from aidtrace.store.reviews import review_log, review_record
from aidtrace.web import reads
from aidtrace.web.api import Filters, donor_param, get_store, store_upload
from aidtrace.web.charts import (
    Show,
    ShowDep,
    bar_chart,
    constant_choices,
    cumulative_chart,
    money,
    sentence_link,
    shown,
    stacked_chart,
    totals,
)
from aidtrace.web.highlight import context_of, segments
from aidtrace.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Forbidden,
    check_csrf,
    new_csrf,
)

router = APIRouter(include_in_schema=False)
StoreDep = Annotated[Store, Depends(get_store)]
PAGE = 50


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("aidtrace.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["money"] = money
    env.filters["amount"] = amount
    env.filters["safe_url"] = safe_url
    env.filters["donor_name"] = donor_name
    env.filters["donor_label"] = donor_label
    env.filters["shown"] = shown
    env.filters["audit_value"] = audit_value
    env.filters["percent"] = percent
    env.globals["status_text"] = STATUS_TEXT
    return env


STATUS_TEXT = {
    "counted": "counted: in the sums",
    "part_of": "part of another measure: the whole is counted, not this",
    "running_total": "running total reported by a source: shown beside the sums, never added",
    "collective": "collective figure of members' shares: shown apart, never summed with the members",
    "rejected": "rejected by review",
}


# --- formatting (filters) -------------------------------------------------------------------


def amount(row: dict[str, Any]) -> str:
    """A row's amount as written in its unit, with '~' for approximate figures; `row` is a
    measure (amount_value, amount_unit) or a contract record (amount: {value, unit})."""
    nested = row.get("amount") if isinstance(row.get("amount"), dict) else None
    if nested is not None:
        value, unit, approx = nested["value"], nested["unit"], nested["approx"]
    else:
        value, unit, approx = row.get("amount_value"), row.get("amount_unit"), row.get("amount_approx")
    if value is None:
        return "—"
    prefix = "~" if approx else ""
    if unit and unit.isupper():
        return prefix + money(value, unit)
    return f"{prefix}{value:,.0f} {unit}"


def audit_value(value: Any) -> str:
    """A field's value in the audit trail: yes/no for flags, '—' for none, numbers in full."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) (a link may be followed), else None (shown as text only)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


templates = Jinja2Templates(env=_environment())


# --- rendering with the session and CSRF cookie -------------------------------------------


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> Response:
    csrf = request.cookies.get(CSRF_COOKIE) or new_csrf()
    guard = request.app.state.guard
    if "state" not in context:  # documents and last update, for the banner and the footer
        context["state"] = _database_state(request)
    context.update(
        empty_hint=reads.EMPTY_HINT,
        request=request,
        csrf=csrf,
        reviewer=guard.reviewer(request.cookies.get(SESSION_COOKIE)),
        writes_enabled=guard.token is not None,
        reconciling=request.app.state.reconciler.busy,
    )
    response = templates.TemplateResponse(request, template, context, status_code=http_status)
    if CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_https(request))
    return response


def _database_state(request: Request) -> dict[str, Any]:
    """reads.database_state, counted again only after a write (data_version, one indexed
    read, says when): every page shows it, and counting documents is a scan."""
    with request.app.state.pool.store() as store:
        version = store.data_version()
        kept = getattr(request.app.state, "database_state", None)
        if kept is not None and kept[0] == version:
            return dict(kept[1])
        state = reads.database_state(store)
    request.app.state.database_state = (version, state)
    return state


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def error_page(request: Request, status: int, message: str) -> Response:
    """An error as a page for someone in a browser: the hints meant for the command line or
    the API ("list them with 'aidtrace measures'") give way to the page's own links."""
    said = "; ".join(part for part in message.split("; ") if not _for_other_readers(part)) or message
    return render(request, "error.html", http_status=status, status_code=status, message=said, state=None)


def _for_other_readers(part: str) -> bool:
    """A clause that points at the command line or the API, not at anything in a browser."""
    return "'aidtrace " in part or "/api/" in part


def _writer(request: Request, csrf: str | None) -> str:
    """The signed-in reviewer of a form that writes, after the CSRF check."""
    check_csrf(request.cookies.get(CSRF_COOKIE), csrf)
    reviewer = request.app.state.guard.reviewer(request.cookies.get(SESSION_COOKIE))
    if reviewer is None:
        raise Forbidden("sign in with the write token first (Sign in, top right)")
    return str(reviewer)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- pages ------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, store: StoreDep, show: ShowDep) -> Response:
    by_donor = totals(store, ("donor",), show)
    # a share of GDP is a donor's; the years of all donors together stay in money
    years_show = Show() if show.gdp else show
    stacked = totals(store, ("year", "category"), years_show)["totals"]
    return render(
        request,
        "overview.html",
        show=show,
        switches=_switches(show),
        by_donor=by_donor["totals"],
        by_type=queries.by_type(store),
        reported=by_donor["reported"][:30],
        collective=queries.describe(
            store, queries.measures(store, status="collective", aggregate=None, limit=30)
        ),
        donor_chart=bar_chart(
            by_donor["totals"], "donor", f"Aid by donor (single measures, {show.unit})", unit=show.unit
        ),
        timeline_chart=stacked_chart(
            stacked, f"Aid by year and category ({years_show.unit})", unit=years_show.unit
        ),
    )


def _switches(show: Show) -> dict[str, Any]:
    return {"years": constant_choices(), "gdp_year": GDP_YEAR, "query": urlencode(show.params())}


@router.get("/donors", response_class=HTMLResponse)
def donors_page(request: Request, store: StoreDep) -> Response:
    return render(request, "donors.html", donors=reads.donors_present(store))


@router.get("/donors/{donor}", response_class=HTMLResponse)
def donor_profile(request: Request, store: StoreDep, donor: str, show: ShowDep) -> Response:
    try:
        code = resolve_donor(store, donor[:100], name="donor")
    except InvalidParameter as missing:
        return render(
            request,
            "donor_missing.html",
            http_status=404,
            asked=donor[:100],
            message=str(missing),
            donors=reads.donors_present(store),
        )
    if code != donor:  # "japan", "jpn": the page has one address
        target = f"/donors/{quote(code)}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=307)
    tables = {key: totals(store, (key,), show, code)["totals"] for key in ("category", "stage")}
    reported = queries.totals(store, by=("donor",), donor=code)["reported"]
    stacked = totals(store, ("year", "category"), show, code)["totals"]
    timeline = queries.describe(store, queries.timeline(store, donor=code, latest=300))
    cumulative = queries.cumulative(store, donor=code)
    label = donor_label(code)
    return render(
        request,
        "donor.html",
        donor=code,
        show=show,
        switches=_switches(show),
        has_gdp=share_of_gdp(1.0, code) is not None,
        cumulative=cumulative,
        cumulative_chart=cumulative_chart(
            cumulative, f"{label}: computed cumulative aid and reported running totals (USD)"
        ),
        reported_points=[r for point in cumulative["points"] for r in point["reported"]],
        sentence_link=sentence_link,
        by_type=queries.by_type(store, donor=code),
        by_category=tables["category"],
        by_stage=tables["stage"],
        reported=reported,
        timeline=timeline,
        timeline_total=queries.count_measures(store, donor=code),
        timeline_chart=stacked_chart(
            stacked, f"{label}: aid by year and category ({show.unit})", unit=show.unit
        ),
        conflicts=queries.conflicts(store, donor=code, limit=200),
    )


COLUMNS = (  # the measures table: heading, sort key (None: not sortable), numeric
    ("date", "date", False),
    ("donor", "donor", False),
    ("type", "type", False),
    ("description", None, False),
    ("status", "status", False),
    ("category", "category", False),
    ("stage", "stage", False),
    ("amount", "amount", True),
    ("USD", "amount", True),
    ("mentions", "mentions", True),
)


@router.get("/measures", response_class=HTMLResponse)
def measures_page(
    request: Request, store: StoreDep, filters: Filters, page: int = 1, cursor: str | None = None
) -> Response:
    page = max(1, min(page, 100_000))
    found = queries.measures_page(store, filters, **_position(page, cursor))
    shown_rows = queries.describe(store, found.items)
    if filters["q"]:
        snippets = search.measure_snippets(store, [row["measure_id"] for row in shown_rows], filters["q"])
        for row in shown_rows:
            hit = snippets.get(row["measure_id"])
            row["matched"] = hit["snippet"] if hit else None
    given = {k: v for k, v in request.query_params.items() if k not in ("page", "cursor") and v}
    if filters["donor"]:
        given["donor"] = filters["donor"]  # a name typed into the URL is shown as its code
    return render(
        request,
        "measures.html",
        rows=shown_rows,
        summary=reads.view_summary(store, filters),
        donors=reads.donors_present(store),
        columns=COLUMNS,
        statuses=STATUSES,
        filters=filters,
        given=given,
        page=page,
        first=(page - 1) * PAGE + 1,
        more=found.more,
        next_cursor=found.next_cursor,
        query=lambda **change: urlencode({k: v for k, v in {**given, **change}.items() if v}),
        types=RECORD_TYPES,
        categories=CATEGORIES,
        stages=STAGES,
    )


@router.get("/measures/{measure_id}", response_class=HTMLResponse)
def measure_page(request: Request, store: StoreDep, measure_id: str) -> Response:
    found = queries.measure(store, measure_id)
    texts: dict[str, str] = {}
    for mention in found["mentions"]:
        if mention["doc_id"] not in texts:
            texts[mention["doc_id"]] = queries.document_text(store, mention["doc_id"])
        mention["context"] = context_of(
            texts[mention["doc_id"]], mention["evidence_start"], mention["evidence_end"]
        )
    return render(request, "measure.html", measure=found)


@router.get("/documents", response_class=HTMLResponse)
def documents_page(
    request: Request, store: StoreDep, page: int = 1, q: str | None = None, cursor: str | None = None
) -> Response:
    page = max(1, min(page, 100_000))
    found = queries.documents(store, q=q or None, **_position(page, cursor))
    return render(
        request,
        "documents.html",
        rows=found.items,
        page=page,
        more=found.more,
        next_cursor=found.next_cursor,
        q=q or "",
    )


def _position(page: int, cursor: str | None) -> dict[str, Any]:
    """Where a dashboard list starts: after the cursor of its "next" link, else at its page
    number (links from before cursors, and "previous")."""
    if cursor:
        return {"limit": PAGE, "cursor": cursor}
    return {"limit": PAGE, "offset": (page - 1) * PAGE}


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, store: StoreDep, doc_id: str) -> Response:
    found = queries.document(store, doc_id)
    return render(
        request,
        "document.html",
        doc=found,
        segments=segments(found["text"], found["records"]),
    )


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, store: StoreDep, record_id: str) -> Response:
    found = queries.record(store, record_id)
    text = queries.document_text(store, found["doc_id"])
    evidence = found["evidence"]
    return render(
        request,
        "record.html",
        record=found,
        context=context_of(text, evidence["start"], evidence["end"]),
        log=[
            {**entry, "changes": changes(entry["before"], entry["after"])}
            for entry in review_log(store, record_id=record_id)
        ],
        types=RECORD_TYPES,
        categories=CATEGORIES,
        stages=STAGES,
        subtypes=sorted({s for subs in SUBTYPES.values() for s in subs}),
    )


AUDITED = (*FIELDS, "review_status")  # what a decision can change, as the audit trail shows it


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a decision changed, each with its value before and after (a record as
    queries.contract_record gives it: the amount nested, flags as booleans)."""
    old, new = _flat(before), _flat(after)
    return [
        {"field": name, "before": old.get(name), "after": new.get(name)}
        for name in AUDITED
        if old.get(name) != new.get(name)
    ]


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    amount = record.get("amount") or {}
    flat = {name: record.get(name) for name in AUDITED}
    flat.update(
        amount_value=amount.get("value"), amount_unit=amount.get("unit"), amount_approx=amount.get("approx")
    )
    flat["review_status"] = record.get("review_status") or "unreviewed"
    return flat


@router.post("/records/{record_id}/review")
async def review_form(
    request: Request, background: BackgroundTasks, store: StoreDep, record_id: str
) -> Response:
    async with request.form(max_files=0, max_fields=30) as form:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
    reviewer = _writer(request, values.get("csrf"))
    action = values.get("action", "")
    changes = {name: values[name] for name in FIELDS if name in values} if action == "correct" else None
    if changes is not None:
        for flag in ("aggregate", "amount_approx"):
            changes[flag] = values.get(flag, "")  # an unticked box is not sent at all
    note = values.get("note") or None
    await run_in_threadpool(
        review_record, store, record_id, action=action, reviewer=reviewer, changes=changes, note=note
    )
    background.add_task(request.app.state.reconciler.request)
    return _see_other(f"/records/{record_id}?done={action}")


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    store: StoreDep,
    status: str = "unreviewed",
    donor: str | None = None,
    page: int = 1,
    cursor: str | None = None,
) -> Response:
    if status not in REVIEW_FILTERS:
        raise InvalidRequest(f"status {status!r} is not one of: {', '.join(REVIEW_FILTERS)}")
    page = max(1, min(page, 100_000))
    code = donor_param(store, donor)
    found = queries.records_page(store, review=status, donor=code, **_position(page, cursor))
    return render(
        request,
        "review.html",
        rows=found.items,
        status=status,
        statuses=REVIEW_FILTERS,
        donor=code or "",
        page=page,
        more=found.more,
        next_cursor=found.next_cursor,
        log=review_log(store, limit=20),
    )


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, store: StoreDep) -> Response:
    return render(request, "conflicts.html", rows=queries.conflicts(store, limit=500))


@router.get("/methodology", response_class=HTMLResponse)
def methodology(request: Request) -> Response:
    """docs/records.md as a page: what a record is, its fields, the rulings on hard cases."""
    return render(request, "methodology.html", body=methodology_html())


@cache
def methodology_html() -> str | None:
    """docs/records.md as HTML; None when the docs are not installed with the package."""
    for path in (Path(str(resources.files("aidtrace") / "docs" / "records.md")), REPO_DOCS / "records.md"):
        if path.is_file():
            return markdown_html(path.read_text(encoding="utf-8"))
    return None


def markdown_html(text: str) -> str:
    """Markdown rendered by markdown-it with raw HTML off: a tag in the text is shown as
    text, and links of unsafe schemes (javascript:, data:) are not made."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


REPO_DOCS = Path(__file__).resolve().parents[3] / "docs"  # a checkout or an editable install


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_local(next))


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=500)],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    check_csrf(request.cookies.get(CSRF_COOKIE), csrf)
    guard = request.app.state.guard
    if guard.token is None:
        raise Forbidden("writes are disabled on this server: no token is configured", status=403)
    if not guard.token_matches(token):
        return render(request, "login.html", http_status=401, next=_local(next), failed=True)
    response = _see_other(_local(next))
    response.set_cookie(
        SESSION_COOKIE,
        guard.session_cookie(name.strip()),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request.cookies.get(CSRF_COOKIE), csrf)
    response = _see_other("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


def _local(target: str) -> str:
    """Only a path on this site may follow a sign-in (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Response:
    return render(request, "upload.html")


@router.post("/upload")
async def upload_form(request: Request, background: BackgroundTasks, store: StoreDep) -> Response:
    async with request.form(max_files=1, max_fields=20) as form:  # closes the spooled file
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        _writer(request, values.get("csrf"))
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            raise InvalidRequest("choose a file to upload")
        meta = {k: values.get(k) or None for k in ("doc_id", "title", "publisher", "url", "published")}
        result, _summary = await run_in_threadpool(
            store_upload, request, store, upload.filename, upload.file, meta
        )
    if result.failure:
        return render(request, "upload.html", http_status=422, failure=result.failure.message)
    background.add_task(request.app.state.reconciler.request)
    return _see_other(f"/documents/{result.doc.doc_id if result.doc else meta['doc_id']}")


VENDOR = {  # name -> (package, file in it, media type): bundles served from installed packages
    "plotly.min.js": ("plotly", "", "text/javascript; charset=utf-8"),
    "swagger-ui-bundle.js": (
        "fastapi_offline",
        "static/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
    ),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css; charset=utf-8"),
}


@router.get("/static/vendor/{name}")
def vendor_bundle(request: Request, name: str) -> Response:
    """Plotly's bundle (from the plotly package) and Swagger UI's (from fastapi-offline),
    served by the app itself: no CDN, so the dashboard and /api/docs work offline and under
    the Content-Security-Policy (scripts from this site only)."""
    if name not in VENDOR:
        raise NotFound(f"no file {name!r} among the bundled scripts and styles")
    body, etag = _vendor(name)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        body,
        media_type=VENDOR[name][2],
        headers={"ETag": etag, "Cache-Control": "public, max-age=86400"},
    )


@cache
def _vendor(name: str) -> tuple[bytes, str]:
    import hashlib

    package, path, _media = VENDOR[name]
    if package == "plotly":
        from plotly.offline import get_plotlyjs

        body = get_plotlyjs().encode("utf-8")
    else:
        body = (resources.files(package) / path).read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """Swagger UI over /api/openapi.json, from the bundles above and static/api-docs.js (the
    CSP forbids the inline script of FastAPI's own docs page)."""
    return render(request, "api_docs.html")


STATIC = Path(str(resources.files("aidtrace.web") / "static"))
