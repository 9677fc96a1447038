-- Indexes for lists (issue 19).
-- A supervisory engagement's view lists the findings issued from it, matched on origin_ref
-- instead of reading every finding in the supervisor's reach.
CREATE INDEX findings_origin ON findings(origin_ref);
-- An institution's reminders page newest first; the primary key leads with the subject, so
-- without this a page of one institution's reminders scanned every institution's.
CREATE INDEX sup_reminders_org ON sup_reminders(org_id, sent_at);
