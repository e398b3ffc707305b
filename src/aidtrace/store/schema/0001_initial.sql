-- aidtrace store, version 1. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Ids are deterministic text hashes, so re-running an ingest upserts instead of duplicating.

CREATE TABLE runs (
    run_id      TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    command     TEXT NOT NULL,
    extractor   TEXT NOT NULL,
    version     TEXT NOT NULL,
    settings    TEXT NOT NULL,          -- JSON of the resolved settings
    documents   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE documents (
    doc_id       TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,         -- sha256 of the text as read and its metadata
    text         TEXT NOT NULL,         -- the text as read; evidence offsets count its characters
    title        TEXT,
    publisher    TEXT,
    url          TEXT,
    published    TEXT,
    source       TEXT,
    format       TEXT NOT NULL,
    status       TEXT NOT NULL,         -- stored (text saved, not yet extracted) | extracted | failed
    extractor    TEXT,                  -- extractor name and version that made its records
    run_id       TEXT,
    updated_at   TEXT NOT NULL
);

CREATE TABLE records (
    record_id      TEXT PRIMARY KEY,
    doc_id         TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    run_id         TEXT,
    type           TEXT NOT NULL,
    donor          TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    category       TEXT,
    subtype        TEXT,
    stage          TEXT,
    aggregate      INTEGER NOT NULL,
    amount_value   DOUBLE PRECISION,
    amount_unit    TEXT,
    amount_approx  INTEGER,
    date           TEXT,
    period_start   TEXT,
    period_end     TEXT,
    channel        TEXT,
    items          TEXT NOT NULL,       -- JSON list
    gdp_share      DOUBLE PRECISION,
    evidence_start INTEGER NOT NULL,
    evidence_end   INTEGER NOT NULL,
    evidence_text  TEXT NOT NULL,
    value_usd      DOUBLE PRECISION,    -- money at the reference rate of the record's date
    value_eur      DOUBLE PRECISION,
    fx_date        TEXT,                -- the date whose ECB reference rate was used
    fx_usd         DOUBLE PRECISION,    -- units of USD per unit of the currency
    fx_eur         DOUBLE PRECISION,
    fx_source      TEXT,
    fx_note        TEXT,                -- why a value is missing or approximate
    position       INTEGER NOT NULL     -- order within the document
);
CREATE INDEX records_doc ON records (doc_id);
CREATE INDEX records_donor_type ON records (donor, type);

CREATE TABLE measures (
    measure_id    TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    donor         TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    category      TEXT,
    subtype       TEXT,
    stage         TEXT,
    aggregate     INTEGER NOT NULL,
    amount_value  DOUBLE PRECISION,
    amount_unit   TEXT,
    amount_approx INTEGER,
    value_usd     DOUBLE PRECISION,
    value_eur     DOUBLE PRECISION,
    date          TEXT,
    period_start  TEXT,
    period_end    TEXT,
    channel       TEXT,
    year          INTEGER,              -- year of the date (or of the period end) for totals by year
    mentions      INTEGER NOT NULL,
    conflicts     INTEGER NOT NULL,
    provenance    TEXT NOT NULL         -- JSON: attribute -> record_id of the mention that gave it
);
CREATE INDEX measures_donor_type ON measures (donor, type, category);
CREATE INDEX measures_date ON measures (date);

CREATE TABLE measure_records (
    measure_id TEXT NOT NULL REFERENCES measures (measure_id) ON DELETE CASCADE,
    record_id  TEXT NOT NULL REFERENCES records (record_id) ON DELETE CASCADE,
    PRIMARY KEY (measure_id, record_id)
);
CREATE INDEX measure_records_record ON measure_records (record_id);

CREATE TABLE conflicts (
    conflict_id TEXT PRIMARY KEY,
    measure_id  TEXT NOT NULL REFERENCES measures (measure_id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    details     TEXT NOT NULL           -- JSON list of {value, unit, record_id, doc_id}
);

CREATE TABLE failures (
    failure_id TEXT PRIMARY KEY,
    run_id     TEXT NOT NULL,
    source     TEXT NOT NULL,
    doc_id     TEXT,
    error      TEXT NOT NULL,
    message    TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX failures_run ON failures (run_id);
