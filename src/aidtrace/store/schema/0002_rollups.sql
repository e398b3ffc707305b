-- Version 2: a sort key for measures and a rollup of single measures, so that a filtered
-- page of measures and a grouped total stay fast at millions of rows. Both are derived:
-- reconcile rewrites them with the measures.

ALTER TABLE measures ADD COLUMN sort_date TEXT;
CREATE INDEX measures_sort ON measures (sort_date, measure_id);
CREATE INDEX measures_donor_sort ON measures (donor, type, sort_date);

CREATE TABLE measure_rollup (
    donor     TEXT NOT NULL,
    type      TEXT NOT NULL,
    category  TEXT,
    stage     TEXT,
    year      INTEGER,
    aggregate INTEGER NOT NULL,
    measures  INTEGER NOT NULL,
    value_usd DOUBLE PRECISION,   -- sums over measures that have a value
    value_eur DOUBLE PRECISION,
    priced    INTEGER NOT NULL    -- measures with a USD value
);
CREATE INDEX measure_rollup_donor ON measure_rollup (donor, type);
