"""The HTTP API (JSON under /api). Reads are open; writes need the bearer token.

Lists page with `limit` and `offset` and answer {items, limit, offset, next_offset}, where
next_offset is null on the last page (found by reading one row more, never by counting).
Filters are those of the CLI, checked by aidtrace.params as the CLI checks them (a donor by
code or name, real calendar dates, a covered constant-price year); every invalid parameter
is a 422 with a message saying what to write. Measures sort by every column of the
dashboard's table (queries.SORTS), downloads too. Every value is a bound SQL parameter.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

import orjson
from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from aidtrace import pipeline, queries
from aidtrace.counting import STATUSES
from aidtrace.describe import donor_name
from aidtrace.errors import InvalidRequest
from aidtrace.exports import FORMATS, WHAT, export
from aidtrace.ingest import READERS
from aidtrace.ingest.fields import date_problem
from aidtrace.model import CATEGORIES, RECORD_TYPES, STAGES, DocumentResult, RunSummary
from aidtrace.params import InvalidParameter, check_constant_year, check_period, parse_date, resolve_donor
from aidtrace.queries import GROUPS, REVIEW_FILTERS
from aidtrace.store import Store, search
from aidtrace.store.keyset import Page
from aidtrace.store.reviews import review_log, review_record
from aidtrace.web import reads
from aidtrace.web.security import Forbidden

bearer = HTTPBearer(auto_error=False, description="The write token configured on the server")

DOC_ID = re.compile(r"[\w.-]{1,200}")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


async def get_store(request: Request) -> AsyncIterator[Store]:
    """A pooled connection for the request. Async, so that borrowing it costs no thread hop;
    the endpoints that query are plain functions and run in the thread pool."""
    with request.app.state.pool.store() as store:
        yield store


StoreDep = Annotated[Store, Depends(get_store)]
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page")]
Offset = Annotated[int, Query(ge=0, le=100_000_000, description="Rows to skip (or use cursor)")]
Cursor = Annotated[
    str | None,
    Query(max_length=2000, description="next_cursor of the page before: the rows after it (keyset paging)"),
]


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    header = f"Bearer {credentials.credentials}" if credentials else None
    request.app.state.guard.check_bearer(header)


Writer = Depends(require_token)


class Json(JSONResponse):
    """JSON straight from plain dicts: our rows are already JSON types, so the generic
    encoder FastAPI would run on a returned dict (a third of a request's time) is skipped,
    and orjson writes them (a page of 50 measures: 0.3 ms, where json.dumps took 3.5)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


router = APIRouter(prefix="/api", default_response_class=Json)


def page(rows: list[dict[str, Any]], limit: int, offset: int, *, store: Store) -> dict[str, Any]:
    """A page of `rows`, read with limit + 1 so the extra row says whether more follow; an
    empty page of an empty database says how to fill it (`hint`)."""
    more = len(rows) > limit
    body: dict[str, Any] = {
        "items": rows[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }
    if not rows and queries.document_count(store) == 0:
        body["hint"] = reads.EMPTY_HINT
    return body


def keyset_page(found: Page, limit: int, offset: int, *, store: Store, cursor: str | None) -> dict[str, Any]:
    """`page` for a list read by cursor: next_cursor reads on from the last row (null on
    the last page); next_offset only when paging by offset."""
    body = page(found.items, limit, offset, store=store)
    body["next_offset"] = offset + limit if found.more and cursor is None else None
    body["next_cursor"] = found.next_cursor
    return body


def one_way(cursor: str | None, offset: int) -> None:
    if cursor is not None and offset:
        raise InvalidParameter(
            "offset", "give cursor or offset, not both: a cursor already says where to start"
        )


# --- measures ------------------------------------------------------------------------------


def _blank(allowed: tuple[str, ...]) -> Any:
    """A choice that a submitted-but-empty form field ("") also satisfies (meaning: any)."""
    return Literal[("", *allowed)]


# Parameters people type (donors, dates, years) are plain text checked by aidtrace.params,
# as the CLI checks them: a bad one is a 422 whose message says what to write instead
# (never a pattern), and "japan" is JPN.
DonorText = Annotated[str | None, Query(max_length=100, description="Donor code or name: JPN, japan, EU")]
DateText = Annotated[str | None, Query(max_length=20, description="YYYY, YYYY-MM or YYYY-MM-DD")]


def donor_param(store: Store, text: str | None, *, name: str = "donor") -> str | None:
    """The donor code a parameter names (params.resolve_donor), None when not given."""
    return resolve_donor(store, text, name=name) if text and text.strip() else None


def date_param(text: str | None, *, name: str) -> str | None:
    return parse_date(text, name=name) if text and text.strip() else None


def measure_filters(
    store: StoreDep,
    donor: DonorText = None,
    type: Annotated[_blank(RECORD_TYPES) | None, Query()] = None,  # type: ignore[valid-type]
    category: Annotated[_blank(CATEGORIES) | None, Query()] = None,  # type: ignore[valid-type]
    stage: Annotated[_blank(STAGES) | None, Query()] = None,  # type: ignore[valid-type]
    since: Annotated[str | None, Query(max_length=20, description="On or after (YYYY[-MM[-DD]])")] = None,
    until: Annotated[str | None, Query(max_length=20, description="On or before (YYYY[-MM[-DD]])")] = None,
    kind: Annotated[
        Literal["single", "totals", "all"],
        Query(description="single measures, running totals reported by sources, or both"),
    ] = "single",
    status: Annotated[
        _blank(STATUSES) | None,  # type: ignore[valid-type]
        Query(description="Counting status (default: any but rejected; with it, kind is ignored)"),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in any mention's sentence")] = None,
    sort: Annotated[
        str, Query(max_length=20, description="A column, descending with '-': " + ", ".join(queries.SORTS))
    ] = "-date",
) -> dict[str, Any]:
    """Filters as query parameters; an empty value (a form field left blank) means any."""
    aggregate = None if status else {"single": False, "totals": True, "all": None}[kind]
    first, last = date_param(since, name="since"), date_param(until, name="until")
    check_period(first, last)
    filters = {
        "donor": donor_param(store, donor),
        "type": type or None,
        "category": category or None,
        "stage": stage or None,
        "since": first,
        "until": last,
        "aggregate": aggregate,
        "status": status or None,
        "q": q.strip() if q and q.strip() else None,
        "sort": sort,
    }
    if sort not in queries.SORTS:
        raise InvalidParameter("sort", f"sort {sort!r} is not one of: {', '.join(queries.SORTS)}")
    return filters


Filters = Annotated[dict[str, Any], Depends(measure_filters)]


@router.get("/measures", tags=["measures"], summary="Measures, filtered, sorted and paged")
def list_measures(
    store: StoreDep, filters: Filters, limit: Limit = 50, offset: Offset = 0, cursor: Cursor = None
) -> Json:
    """Each measure with its `description`, `donor_name` and `first_source` (title, URL);
    with `q`, `match`: the first of its sentences that says the words, marked."""
    one_way(cursor, offset)
    found = queries.measures_page(store, filters, limit=limit, offset=offset, cursor=cursor)
    queries.describe(store, found.items)
    if filters["q"]:
        queries.matches(store, found.items, filters["q"])
    return Json(keyset_page(found, limit, offset, store=store, cursor=cursor))


@router.get("/measures/{measure_id}", tags=["measures"], summary="One measure, its mentions and conflicts")
def get_measure(store: StoreDep, measure_id: str) -> Json:
    return Json(queries.describe(store, [queries.measure(store, measure_id)])[0])


@router.get(
    "/conflicts",
    tags=["measures"],
    summary="Figures sources disagree on, and coverage conflicts (computed sum vs reported running total)",
)
def list_conflicts(
    store: StoreDep,
    donor: DonorText = None,
    field: Annotated[Literal["amount", "coverage"] | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Json:
    code = donor_param(store, donor)
    rows = queries.conflicts(store, donor=code, field=field, limit=limit + 1, offset=offset)
    return Json(page(rows, limit, offset, store=store))


@router.get("/totals", tags=["measures"], summary="Sums of single measures, and reported totals beside them")
def get_totals(
    store: StoreDep,
    by: Annotated[str, Query(description=f"Comma-separated, from: {', '.join(GROUPS)}")] = "donor",
    currency: Literal["USD", "EUR"] = "USD",
    constant: Annotated[
        int | None, Query(description="Constant prices of this base year (see the 422 for the range)")
    ] = None,
    donor: DonorText = None,
    type: Annotated[Literal[RECORD_TYPES] | None, Query()] = None,  # type: ignore[valid-type]
    as_of: Annotated[
        str | None,
        Query(
            max_length=20,
            description="With donor: counted aid up to this date and the running "
            "totals reported by then (docs/totals.md); the other parameters are ignored",
        ),
    ] = None,
) -> Json:
    code = donor_param(store, donor)
    if as_of is not None:
        day = parse_date(as_of, name="as_of")
        if not code:
            raise InvalidParameter(
                "as_of", "as_of needs donor: totals as of a date are a donor's (e.g. donor=JPN)"
            )
        return Json(queries.totals_as_of(store, donor=code, as_of=day))
    keys = tuple(part.strip() for part in by.split(",") if part.strip())
    if not keys:
        raise InvalidParameter("by", "by: name at least one of " + ", ".join(GROUPS))
    if constant is not None:
        check_constant_year(constant, name="constant")
    result = queries.totals(store, by=keys, currency=currency, constant=constant, donor=code, type=type)
    body: dict[str, Any] = {"currency": currency, "constant": constant, "by": list(keys), **result}
    if not result["totals"] and queries.document_count(store) == 0:
        body["hint"] = reads.EMPTY_HINT
    return Json(body)


@router.get(
    "/cumulative",
    tags=["measures"],
    summary="A donor's computed cumulative aid at each date a source reports a running total",
)
def get_cumulative(store: StoreDep, donor: Annotated[str, Query(max_length=100)]) -> Json:
    return Json(queries.cumulative(store, donor=resolve_donor(store, donor, name="donor")))


@router.get("/timeline", tags=["measures"], summary="A donor's measures in date order")
def get_timeline(store: StoreDep, donor: Annotated[str, Query(max_length=100)]) -> Json:
    code = resolve_donor(store, donor, name="donor")
    rows = queries.describe(store, queries.timeline(store, donor=code))
    for row in rows:
        if "when_" in row:  # the name timeline gave its date before issue 11
            row["date"] = row.pop("when_")
    return Json({"donor": code, "donor_name": donor_name(code), "items": rows})


# --- documents and records ------------------------------------------------------------


@router.get("/documents", tags=["documents"], summary="Documents, newest first")
def list_documents(
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Json:
    one_way(cursor, offset)
    found = queries.documents(store, q=q or None, limit=limit, offset=offset, cursor=cursor)
    return Json(keyset_page(found, limit, offset, store=store, cursor=cursor))


@router.get("/documents/{doc_id}", tags=["documents"], summary="One document: its text and records")
def get_document(store: StoreDep, doc_id: str) -> Json:
    return Json(without_local_paths(queries.document(store, doc_id)))


@router.post(
    "/documents",
    tags=["documents"],
    status_code=201,
    dependencies=[Writer],
    summary="Upload a document (.txt, .md, .html, .pdf): it is stored, extracted and reconciled",
    responses={413: {"description": "Too large"}, 415: {"description": "Unsupported type"}},
)
def upload_document(
    request: Request,
    store: StoreDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="The document")],
    doc_id: Annotated[str | None, Form(description="Id (default: the file name without extension)")] = None,
    title: Annotated[str | None, Form(max_length=500)] = None,
    publisher: Annotated[str | None, Form(max_length=200)] = None,
    url: Annotated[str | None, Form(max_length=2000, description="http(s) address of the source")] = None,
    published: Annotated[str | None, Form(description="YYYY-MM-DD")] = None,
) -> JSONResponse:
    meta = {"doc_id": doc_id, "title": title, "publisher": publisher, "url": url, "published": published}
    result, summary = store_upload(request, store, file.filename, file.file, meta)
    if result.failure:
        return JSONResponse(
            {"error": {"status": 422, "code": "unreadable_document", "message": result.failure.message}},
            status_code=422,
        )
    background.add_task(request.app.state.reconciler.request)
    stored = result.doc.doc_id if result.doc else doc_id
    return JSONResponse(
        {
            "doc_id": stored,
            "records": len(result.records),
            "unchanged": summary.unchanged == 1,  # already stored with this text: records kept
        },
        status_code=201,
        headers={"Location": f"/api/documents/{stored}"},
    )


def store_upload(
    request: Request, store: Store, filename: str | None, stream: BinaryIO, meta: dict[str, str | None]
) -> tuple[DocumentResult, RunSummary]:
    """Check an upload (type, size, id, metadata), then store and extract it; the API and
    the dashboard's form both come here."""
    name = Path(filename or "").name
    if Path(name).suffix.lower() not in READERS:
        raise Forbidden(
            f"cannot read {name or 'a file without a name'!r}: upload one of {', '.join(sorted(READERS))}",
            status=415,
            code="unsupported_type",
        )
    limit = request.app.state.config.max_upload_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise Forbidden(f"{name} is larger than {limit:,} bytes", status=413, code="too_large")
    meta = {**meta, "doc_id": meta.get("doc_id") or Path(name).stem}
    checks = {"doc_id": DOC_ID, "url": URL, "published": PUBLISHED}
    for field, pattern in checks.items():
        value = meta.get(field)
        if value and not pattern.fullmatch(value):
            raise InvalidRequest(f"{field} {value!r} is not valid: {HINTS[field]}")
    problem = meta.get("published") and date_problem(meta["published"])
    if problem:
        raise InvalidRequest(f"published {problem}")
    return pipeline.ingest_bytes(
        data,
        name,
        store,
        meta={k: v for k, v in meta.items() if v},
        extract=request.app.state.extract,  # in a worker process: see web/app.py Extractor
    )


URL = re.compile(r"https?://\S{1,2000}")
PUBLISHED = re.compile(r"\d{4}-\d{2}-\d{2}")
HINTS = {
    "doc_id": "use 1 to 200 letters, digits, '.', '_' or '-'",
    "url": "give an http(s) address",
    "published": "write the date as YYYY-MM-DD",
}


@router.get("/records", tags=["records"], summary="Records (mentions), with corrections applied")
def list_records(
    store: StoreDep,
    doc_id: Annotated[str | None, Query(max_length=200)] = None,
    donor: DonorText = None,
    type: Annotated[Literal[RECORD_TYPES] | None, Query()] = None,  # type: ignore[valid-type]
    review: Annotated[Literal[REVIEW_FILTERS] | None, Query()] = None,  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Json:
    one_way(cursor, offset)
    code = donor_param(store, donor)
    found = queries.records_page(
        store, doc_id=doc_id, donor=code, type=type, review=review, limit=limit, offset=offset, cursor=cursor
    )
    return Json(keyset_page(found, limit, offset, store=store, cursor=cursor))


@router.get("/records/{record_id}", tags=["records"], summary="One record, as extracted and as reviewed")
def get_record(store: StoreDep, record_id: str) -> Json:
    found = queries.record(store, record_id)
    found["reviews"] = review_log(store, record_id=record_id)
    return Json(found)


@router.get(
    "/search", tags=["records"], summary="Full-text search: records' sentences or documents' titles, ranked"
)
def get_search(
    store: StoreDep,
    q: Annotated[str, Query(max_length=200, description="Words to find (any punctuation is ignored)")],
    in_: Annotated[
        Literal["records", "documents"], Query(alias="in", description="What to search")
    ] = "records",
    donor: DonorText = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Hits per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=search.CANDIDATES, description="Hits to skip")] = 0,
) -> Json:
    """Hits best first (`score`: higher is better), each with `snippet`: `text`, `marks`
    ([start, end] of each matched passage in text) and `html` (text escaped, matches in
    <mark>). `found` hits were ranked; `capped` says more matched than are ranked."""
    found = search.search(store, q, what=in_, donor=donor_param(store, donor), limit=limit, offset=offset)
    more = offset + limit < found.found
    return Json(
        {
            "q": q,
            "in": in_,
            "items": found.items,
            "found": found.found,
            "capped": found.capped,
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if more else None,
        }
    )


class Review(BaseModel):
    action: Literal["accept", "reject", "correct"]
    reviewer: str = Field(min_length=1, max_length=100, description="Who decides (kept in the audit log)")
    changes: dict[str, Any] = Field(
        default_factory=dict, description='For "correct": field -> value, e.g. {"donor": "DEU"}'
    )
    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "/records/{record_id}/review",
    tags=["records"],
    dependencies=[Writer],
    summary="Accept, reject or correct a record; kept across re-extraction, logged",
)
def post_review(
    request: Request, store: StoreDep, background: BackgroundTasks, record_id: str, review: Review
) -> dict[str, Any]:
    result = review_record(
        store,
        record_id,
        action=review.action,
        reviewer=review.reviewer,
        changes=review.changes,
        note=review.note,
    )
    background.add_task(request.app.state.reconciler.request)
    return result


@router.get("/reviews", tags=["records"], summary="The audit trail of review decisions, newest first")
def list_reviews(store: StoreDep, limit: Limit = 100, offset: Offset = 0) -> Json:
    return Json(page(review_log(store, limit=limit + 1, offset=offset), limit, offset, store=store))


@router.get("/failures", tags=["documents"], summary="Documents that could not be read or processed")
def list_failures(store: StoreDep, run: str | None = None) -> Json:
    return Json({"items": [without_local_paths(row) for row in queries.failures(store, run_id=run)]})


def without_local_paths(row: dict[str, Any]) -> dict[str, Any]:
    """A row for readers of the server: the file a document or failure came from by its name,
    never by the folders of the machine that ingested it (in `source` and in messages)."""
    source = row.get("source")
    if not source or ("/" not in str(source) and "\\" not in str(source)):
        return row
    name = str(source).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = {**row, "source": name}
    if isinstance(row.get("message"), str):
        cleaned["message"] = row["message"].replace(str(source), name)
    return cleaned


@router.get("/health", tags=["service"], summary="Liveness, schema version and whether measures are current")
def health(request: Request, store: StoreDep) -> Json:
    state = reads.database_state(store)
    failed = request.app.state.reconciler.last_error
    return Json(
        {
            # "degraded": the last reconciliation after a write failed, so measures may be stale
            "status": "degraded" if failed else "ok",
            **state,
            **({"hint": reads.EMPTY_HINT} if state["documents"] == 0 else {}),
            "schema_version": store.schema_version(),
            "reconciling": request.app.state.reconciler.busy,
            "reconcile_error": failed,
            "writes": "enabled" if request.app.state.guard.token else "disabled",
        }
    )


# --- exports ---------------------------------------------------------------------------------


@router.get(
    "/exports/{what}",
    tags=["exports"],
    summary="Download measures (filtered like /api/measures), records or documents",
    response_class=FileResponse,
)
def download(
    request: Request,
    store: StoreDep,
    what: Literal[WHAT],  # type: ignore[valid-type]
    filters: Filters,
    format: Literal[FORMATS] = "csv",  # type: ignore[valid-type]
) -> FileResponse:
    handle = tempfile.NamedTemporaryFile(prefix="aidtrace-", suffix=f".{format}", delete=False)
    handle.close()
    path = Path(handle.name)
    chosen = {k: v for k, v in filters.items() if v is not None and k != "sort"}
    if what == "measures":
        chosen["sort"] = filters["sort"]
        chosen.setdefault("aggregate", None)
    try:
        export(
            store,
            what=what,
            fmt=format,
            path=path,
            filters=chosen if what == "measures" else None,
            cap=request.app.state.config.export_cap,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=MEDIA[format],
        filename=f"aidtrace-{what}.{format}",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
