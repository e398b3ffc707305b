"""The dashboard: server-rendered pages over the same queries as the API.

Every value from a document or a user reaches HTML through Jinja2 with autoescaping on;
chart data goes out as JSON (|tojson escapes <, > and &) and is drawn by our static
app.js with Plotly, both served from the package. Links to sources are shown only for
http(s) URLs. Forms that write check the CSRF token and the signed-in session.
"""

from __future__ import annotations

import math
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
from aidtrace.errors import InvalidRequest, NotFound
from aidtrace.model import CATEGORIES, RECORD_TYPES, STAGES, SUBTYPES
from aidtrace.queries import REVIEW_FILTERS, SORTS
from aidtrace.review import FIELDS
from aidtrace.store import Store
from aidtrace.store.reviews import review_log, review_record
from aidtrace.web.api import DOC_ID, Filters, get_store, store_upload
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


def money(value: float | None, unit: str = "USD") -> str:
    """4.5e9 -> 'USD 4.50 bn'; None -> '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{unit} {value / size:,.2f} {word}"
    return f"{unit} {value:,.0f}"


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


def donor_name(code: str | None) -> str:
    """A donor's name from the country and body lists ("JPN" -> "Japan"); the code if unknown."""
    if not code:
        return ""
    return _names().get(code, code)


@cache
def _names() -> dict[str, str]:
    from aidtrace.extractor.lexicon import load_lexicon

    return dict(load_lexicon().country_names)


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
    context.update(
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


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", http_status=status, status_code=status, message=message)


def _writer(request: Request, csrf: str | None) -> str:
    """The signed-in reviewer of a form that writes, after the CSRF check."""
    check_csrf(request.cookies.get(CSRF_COOKIE), csrf)
    reviewer = request.app.state.guard.reviewer(request.cookies.get(SESSION_COOKIE))
    if reviewer is None:
        raise Forbidden("sign in with the write token first (Sign in, top right)")
    return str(reviewer)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- charts -----------------------------------------------------------------------------


def bar_chart(rows: list[dict[str, Any]], key: str, title: str, *, top: int = 20) -> dict[str, Any]:
    rows = [row for row in rows if row.get("total")][:top]
    return {
        "data": [
            {
                "type": "bar",
                "x": [str(row[key]) if row[key] is not None else "unknown" for row in rows],
                "y": [round(row["total"], 2) for row in rows],
                "hovertemplate": "%{x}: USD %{y:,.0f}<extra></extra>",
            }
        ],
        "layout": _layout(title),
    }


def stacked_chart(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Bars per year, stacked by category: the timeline of counted measures; measures without
    a date of their own stand in an "undated" bar, never dropped."""
    years = [str(y) for y in sorted({row["year"] for row in rows if row["year"] is not None})]
    if any(row["year"] is None and row.get("total") for row in rows):
        years.append(UNDATED)
    by: dict[str, dict[str, float]] = {}
    for row in rows:
        if row.get("total"):
            year = UNDATED if row["year"] is None else str(row["year"])
            by.setdefault(row["category"] or "unspecified", {})[year] = row["total"]
    traces = [
        {
            "type": "bar",
            "name": category,
            "x": years,
            "y": [round(values.get(year, 0.0), 2) for year in years],
            "hovertemplate": f"{category} %{{x}}: USD %{{y:,.0f}}<extra></extra>",
        }
        for category, values in sorted(by.items())
    ]
    layout = _layout(title)
    layout["barmode"] = "stack"
    layout["xaxis"] = {"type": "category"}
    return {"data": traces, "layout": layout}


UNDATED = "undated"


def cumulative_chart(found: dict[str, Any], title: str) -> dict[str, Any]:
    """The computed cumulative line (committed, delivered) with the reported running totals
    as points; a click on a point opens its source sentence (customdata)."""
    series = found["series"]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv"},
            "name": f"computed {basis}",
            "x": [row["date"] for row in series],
            "y": [round(row[f"{basis}_usd"], 2) for row in series],
            "hovertemplate": f"{basis} by %{{x}}: USD %{{y:,.0f}}<extra></extra>",
        }
        for basis in ("committed", "delivered")
    ]
    reported = [r for point in found["points"] for r in point["reported"]]
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "marker": {"size": 10, "symbol": "diamond"},
            "name": "reported running total",
            "x": [r["as_of"] for r in reported],
            "y": [round(r["value_usd"], 2) for r in reported],
            "text": [r["sources"][0]["title"] or r["sources"][0]["doc_id"] for r in reported],
            "customdata": [_sentence_link(r["sources"][0]) for r in reported],
            "hovertemplate": "%{text}<br>reported USD %{y:,.0f} as of %{x}<extra></extra>",
        }
    )
    return {"data": traces, "layout": _layout(title)}


def _sentence_link(source: dict[str, Any]) -> str:
    return f"/documents/{quote(str(source['doc_id']))}#span-{quote(str(source['record_id']))}"


def _layout(title: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"t": 40, "r": 10, "b": 60, "l": 70},
        "yaxis": {"title": {"text": "USD"}, "tickformat": "~s"},
        "height": 340,
        "legend": {"orientation": "h"},
    }


# --- pages ------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, store: StoreDep) -> Response:
    by_donor = queries.totals(store, by=("donor",))
    stacked = queries.totals(store, by=("year", "category"))["totals"]
    return render(
        request,
        "overview.html",
        by_donor=by_donor["totals"],
        by_type=queries.by_type(store),
        reported=by_donor["reported"][:30],
        collective=queries.describe(
            store, queries.measures(store, status="collective", aggregate=None, limit=30)
        ),
        donor_chart=bar_chart(by_donor["totals"], "donor", "Aid by donor (single measures, USD)"),
        timeline_chart=stacked_chart(stacked, "Aid by year and category (USD)"),
    )


@router.get("/donors/{donor}", response_class=HTMLResponse)
def donor_profile(request: Request, store: StoreDep, donor: str) -> Response:
    code = donor.upper()
    if not DOC_ID.fullmatch(code):
        raise InvalidRequest(f"{donor!r} is not a donor code")
    tables = {key: queries.totals(store, by=(key,), donor=code)["totals"] for key in ("category", "stage")}
    reported = queries.totals(store, by=("donor",), donor=code)["reported"]
    stacked = queries.totals(store, by=("year", "category"), donor=code)["totals"]
    timeline = queries.timeline(store, donor=code, latest=300)
    cumulative = queries.cumulative(store, donor=code)
    return render(
        request,
        "donor.html",
        donor=code,
        cumulative=cumulative,
        cumulative_chart=cumulative_chart(
            cumulative, f"{code}: computed cumulative aid and reported running totals (USD)"
        ),
        reported_points=[r for point in cumulative["points"] for r in point["reported"]],
        sentence_link=_sentence_link,
        by_type=queries.by_type(store, donor=code),
        by_category=tables["category"],
        by_stage=tables["stage"],
        reported=reported,
        timeline=timeline,
        timeline_total=queries.count_measures(store, donor=code),
        timeline_chart=stacked_chart(stacked, f"{code}: aid by year and category (USD)"),
        conflicts=queries.conflicts(store, donor=code, limit=200),
    )


@router.get("/measures", response_class=HTMLResponse)
def measures_page(request: Request, store: StoreDep, filters: Filters, page: int = 1) -> Response:
    page = max(1, min(page, 100_000))
    rows = queries.measures(store, **filters, limit=PAGE + 1, offset=(page - 1) * PAGE)
    given = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "measures.html",
        rows=queries.describe(store, rows[:PAGE]),
        statuses=STATUSES,
        filters=filters,
        given=given,
        page=page,
        more=len(rows) > PAGE,
        query=lambda **change: urlencode({k: v for k, v in {**given, **change}.items() if v}),
        sorts=list(SORTS),
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
def documents_page(request: Request, store: StoreDep, page: int = 1, q: str | None = None) -> Response:
    page = max(1, min(page, 100_000))
    rows = queries.documents(store, q=q, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "documents.html", rows=rows[:PAGE], page=page, more=len(rows) > PAGE, q=q or "")


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
        log=review_log(store, record_id=record_id),
        types=RECORD_TYPES,
        categories=CATEGORIES,
        stages=STAGES,
        subtypes=sorted({s for subs in SUBTYPES.values() for s in subs}),
    )


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
    request: Request, store: StoreDep, status: str = "unreviewed", donor: str | None = None, page: int = 1
) -> Response:
    if status not in REVIEW_FILTERS:
        raise InvalidRequest(f"status {status!r} is not one of: {', '.join(REVIEW_FILTERS)}")
    page = max(1, min(page, 100_000))
    rows = queries.record_dicts(
        store, review=status, donor=donor or None, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    return render(
        request,
        "review.html",
        rows=rows[:PAGE],
        status=status,
        statuses=REVIEW_FILTERS,
        donor=donor or "",
        page=page,
        more=len(rows) > PAGE,
        log=review_log(store, limit=20),
    )


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, store: StoreDep) -> Response:
    return render(request, "conflicts.html", rows=queries.conflicts(store, limit=500))


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
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
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
