-- Version 6: every measure counted once. Records keep the contract's `part_of` (the whole
-- an amount is a component of); each measure says why it is or is not in the sums
-- (`status`), which measure it is part of, which attributes its mentions agreed on, and
-- the date it is placed at when it states none (the publication date of its earliest
-- source). The rollup keeps the status, so sums read only counted measures.

ALTER TABLE records ADD COLUMN part_of_value DOUBLE PRECISION;
ALTER TABLE records ADD COLUMN part_of_unit TEXT;

ALTER TABLE measures ADD COLUMN status TEXT NOT NULL DEFAULT 'counted';  -- counted | part_of | running_total | collective | rejected
ALTER TABLE measures ADD COLUMN part_of_measure TEXT;   -- the whole (a measure id) when status is part_of, or the running total it lies inside
ALTER TABLE measures ADD COLUMN agreement TEXT;         -- JSON: {"agreed": [attribute, ...], "disagreed": {attribute: [{value, record_id, doc_id}]}}
ALTER TABLE measures ADD COLUMN placed_on TEXT;         -- the day it counts as committed: its date, its period end, else its first report
ALTER TABLE measures ADD COLUMN placed_by TEXT;         -- date | month | year | period | first_reported
ALTER TABLE measures ADD COLUMN delivered_on TEXT;      -- the day it counts as delivered (a pledge: when its delivery was reported)
CREATE INDEX measures_status ON measures (donor, status, placed_on);

ALTER TABLE measure_rollup ADD COLUMN status TEXT NOT NULL DEFAULT 'counted';
ALTER TABLE measure_rollup ADD COLUMN placed_year INTEGER;  -- the year of placed_on: undated measures deflate at the year first reported
