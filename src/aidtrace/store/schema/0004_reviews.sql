-- Version 4: human review. A reviewer accepts, rejects or corrects a record; the decision
-- is kept by the record's key (document, type, donor, recipient, sentence, figure), not by
-- its row, so it is applied again when the document is re-extracted or re-ingested. Every
-- decision is also appended to review_log (who, when, before, after), which is never rewritten.

ALTER TABLE records ADD COLUMN record_key TEXT;
ALTER TABLE records ADD COLUMN review_status TEXT;  -- NULL (not reviewed) | accepted | corrected | rejected
ALTER TABLE records ADD COLUMN extracted TEXT;      -- JSON of the record as extracted, when a correction changed it
CREATE INDEX records_key ON records (record_key);

CREATE TABLE reviews (
    record_key TEXT PRIMARY KEY,
    doc_id     TEXT NOT NULL,
    status     TEXT NOT NULL,       -- accepted | corrected | rejected
    changes    TEXT NOT NULL,       -- JSON: field -> corrected value, relative to the extracted record
    reviewer   TEXT NOT NULL,
    at         TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX reviews_doc ON reviews (doc_id);

CREATE TABLE review_log (
    log_id     TEXT PRIMARY KEY,
    record_key TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    action     TEXT NOT NULL,       -- accept | reject | correct
    reviewer   TEXT NOT NULL,
    at         TEXT NOT NULL,
    before_json TEXT NOT NULL,      -- the record before the decision (contract JSON)
    after_json  TEXT NOT NULL,      -- the record after it
    note       TEXT
);
CREATE INDEX review_log_key ON review_log (record_key);
CREATE INDEX review_log_at ON review_log (at);
