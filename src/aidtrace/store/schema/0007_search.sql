-- Version 7: full-text search, and indexes for keyset paging (cursors).
--
-- Search (store/search.py): records' evidence sentences and documents' titles, ranked,
-- with the matching words marked. SQLite keeps FTS5 indexes whose text is read from the
-- tables themselves (external content), kept in step by triggers on every insert, delete
-- (a document's cascade included) and update; PostgreSQL keeps a stored tsvector column
-- the database computes on every write, with a GIN index. Either way no writer has to
-- remember the index: replace_records, reviews and deletions keep it current.
--
-- Paging: every sort order of measures (queries.SORT_KEYS), records and documents ends in
-- its primary key and has an index in that order, so a cursor ("the rows after this
-- key") seeks in the index: page 400 costs what page 1 does. Sort keys never hold NULL
-- (COALESCE), so they compare alike on both databases.

-- dialect: sqlite
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(
    evidence_text, content='records', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO records_fts (records_fts) VALUES ('rebuild');
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts (rowid, evidence_text) VALUES (new.rowid, new.evidence_text);
END;
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, evidence_text) VALUES ('delete', old.rowid, old.evidence_text);
END;
CREATE TRIGGER records_fts_update AFTER UPDATE OF evidence_text ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, evidence_text) VALUES ('delete', old.rowid, old.evidence_text);
    INSERT INTO records_fts (rowid, evidence_text) VALUES (new.rowid, new.evidence_text);
END;

CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, content='documents', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO documents_fts (documents_fts) VALUES ('rebuild');
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title) VALUES (new.rowid, new.title);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
    INSERT INTO documents_fts (rowid, title) VALUES (new.rowid, new.title);
END;

-- dialect: postgresql
ALTER TABLE records ADD COLUMN evidence_search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', evidence_text)) STORED;
CREATE INDEX records_evidence_search ON records USING GIN (evidence_search);
ALTER TABLE documents ADD COLUMN title_search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', COALESCE(title, ''))) STORED;
CREATE INDEX documents_title_search ON documents USING GIN (title_search);

-- dialect: all
-- measures, in the orders of queries.SORT_KEYS that lead with a column of many values
-- (date, amount, mentions, donor; a donor's pages filter on donor and aggregate first);
-- these two replace indexes on the bare sort_date. Orders that lead with a column of few
-- values (type, status, category, stage) get none: SQLite, which keeps no statistics
-- here, would take such an index for any filter on that column and read the whole of it.
DROP INDEX measures_sort;
DROP INDEX measures_donor_page;
CREATE INDEX measures_by_date ON measures ((COALESCE(sort_date, '')), measure_id);
CREATE INDEX measures_donor_page ON measures (donor, aggregate, (COALESCE(sort_date, '')), measure_id);
CREATE INDEX measures_by_amount ON measures ((COALESCE(value_usd, -1)), measure_id);
CREATE INDEX measures_by_mentions ON measures (mentions, (COALESCE(sort_date, '')), measure_id);
CREATE INDEX measures_by_donor ON measures (donor, (COALESCE(sort_date, '')), measure_id);
-- the running totals listed beside every total (queries.totals): read in order, not sorted
CREATE INDEX measures_reported_page ON measures (type, status, donor, period_end DESC);
-- totals read the rollup through this covering index (every group column and sum in it)
CREATE INDEX measure_rollup_totals ON measure_rollup (
    type, status, donor, year, category, stage, placed_year, value_usd, value_eur, priced, measures
);

-- records in document order (all, and one donor's); documents newest first
DROP INDEX records_doc;
CREATE INDEX records_doc_position ON records (doc_id, position);
CREATE INDEX records_donor_page ON records (donor, doc_id, position);
CREATE INDEX documents_by_published ON documents ((COALESCE(published, '')), doc_id);
