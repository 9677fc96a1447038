-- Findings by where they were issued from (issue 19): a supervisory engagement's view lists
-- the findings issued from it, matched on origin_ref instead of reading every finding in
-- the supervisor's reach.
CREATE INDEX findings_origin ON findings(origin_ref);
