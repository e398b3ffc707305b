-- Version 3: running totals ("reported totals") are listed beside computed totals; this
-- index serves that listing without sorting every measure.

CREATE INDEX measures_reported ON measures (type, aggregate, donor, period_end);
