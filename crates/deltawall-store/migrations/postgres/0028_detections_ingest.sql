-- Detections ingest (issue 13): the detections table drops its foreign key to
-- organisations. PostgreSQL checks such a key with a trigger that runs a locking lookup of
-- the organisation for every inserted row; for a batch of 1,000 detections that was a third
-- of the statement's CPU (docs/BENCHMARKS.md, "Detections ingest on PostgreSQL").
-- The institution of a detection is always the authenticated caller's own (a token's or a
-- worker's organisation, never a value from the request body), and organisations are never
-- deleted, so the key guarded nothing the service does not already guarantee.
ALTER TABLE detections DROP CONSTRAINT IF EXISTS detections_org_id_fkey;
