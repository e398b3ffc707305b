-- Version 8: incremental reconciliation (issue 13). Every write that changes records marks
-- the reconciliation groups (donor, recipient, type) it touches as pending, in the same
-- transaction: the groups of the records it replaces and of the records it writes, and of
-- every record in the same sentences (a figure one sentence gives to several donors makes
-- each donor's measure collective). Reconciliation then recomputes only pending groups.
-- Marks are only ever inserted (no key, no upsert), so concurrent writers never wait for
-- each other here; each write's marks share a token, and a full reconciliation that read
-- the marks before a write deletes only the tokens it has seen (see reconcile_blocks.py).

CREATE TABLE reconcile_pending (
    donor     TEXT NOT NULL,
    recipient TEXT NOT NULL,
    type      TEXT NOT NULL,
    token     TEXT NOT NULL
);
CREATE INDEX reconcile_pending_token ON reconcile_pending (token);

-- The order of a measure's mentions as reconciliation placed them: the coverage of a
-- running total lists its sources in that order, and a donor's coverage is recomputed from
-- the stored mentions of groups that did not change.
ALTER TABLE measure_records ADD COLUMN mention_order INTEGER;

-- The records of one sentence (several donors' shares of one figure), found per record.
CREATE INDEX records_sentence ON records (doc_id, evidence_start);

-- Deleting one group's measures checks the conflicts that point at each: without this
-- index every deleted measure scanned the whole table (360 measures, 10,885 conflicts:
-- 14 s on a loaded machine, 0.2 s with it).
CREATE INDEX conflicts_measure ON conflicts (measure_id);

-- Measures stored before this version have no mention order: every group is pending, so
-- the first reconciliation after the upgrade recomputes them all.
INSERT INTO reconcile_pending (donor, recipient, type, token)
SELECT DISTINCT donor, recipient, type, 'schema-8' FROM records;
