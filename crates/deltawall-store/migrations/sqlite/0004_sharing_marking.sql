-- The audience of every stored object version, decided once when it is added so that reads
-- filter in SQL instead of parsing every object (see crates/deltawall-store/src/sharing.rs).
-- reach: a bit set over the eight audiences (originator, recipient organisation, community
-- member); bit (4*originator + 2*recipient + member) is set when the TLP policy
-- (deltawall_stix::may_disclose_object) lets that audience receive the version. NULL (rows
-- stored before this migration, or restored from a backup) matches no audience until the
-- server recomputes it at start-up (service::sharing::backfill_reach): fail closed.
ALTER TABLE taxii_objects ADD COLUMN reach BIGINT;

-- match[type] pages in date_added order without scanning other types.
CREATE INDEX taxii_objects_type ON taxii_objects(collection_id, type, date_added);
-- Version selection (last/first per id) looks up the other versions of an id in order.
CREATE INDEX taxii_objects_versions ON taxii_objects(collection_id, stix_id, version_us, date_added);
