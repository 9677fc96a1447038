-- Named recipients of TLP:RED object versions (TLP 2.0: RED is for the named recipients
-- only). The publisher names them in the object (`x_deltawall_recipients`, see
-- docs/CONFORMANCE.md); the hub checks them and stores one row per recipient organisation
-- when the version is added, never later. Reads admit a row's recipients only when the
-- version's `reach` carries the named-recipients bit (256), so a NULL reach still matches
-- no one (crates/deltawall-store/src/sharing.rs, reach_clause).
CREATE TABLE taxii_recipients (
    collection_id TEXT NOT NULL,
    date_added    BIGINT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (collection_id, date_added, org_id)
);
