-- Members' feedback on shared objects (sightings and opinions), one row per feedback object
-- and object it is about: a sighting has one (sighting_of_ref), an opinion one per
-- object_refs entry. The row follows the newest stored version of the feedback object
-- (date_added names that version in taxii_objects); aggregates join taxii_objects, so a
-- deleted version stops counting and disclosure (TLP) is decided on its stored JSON.
-- reporter_org is never shown unless named = 1 (the reporter set created_by_ref).

CREATE TABLE taxii_feedback (
    collection_id  TEXT NOT NULL REFERENCES taxii_collections(id),
    stix_id        TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    version_us     BIGINT NOT NULL,
    date_added     BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    sighting_count BIGINT NOT NULL,
    false_positive INTEGER NOT NULL,
    opinion        TEXT,
    seen_at        BIGINT,
    named          INTEGER NOT NULL,
    reporter_org   TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (collection_id, stix_id, target_id)
);
CREATE INDEX taxii_feedback_target ON taxii_feedback(collection_id, target_id);
