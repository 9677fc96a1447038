-- Sharing (TAXII 2.1): API roots (trust groups), collections, access grants, objects, add
-- request statuses. Timestamps are Unix microseconds; flags are 0/1 integers; JSON is text.

CREATE TABLE taxii_api_roots (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    kind        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT
);

-- last_added: the date_added of the newest object; every insert moves it forward under the
-- collection row's write lock, which makes date_added strictly increasing per collection.
CREATE TABLE taxii_collections (
    id          TEXT PRIMARY KEY,
    api_root    TEXT NOT NULL REFERENCES taxii_api_roots(id),
    title       TEXT NOT NULL,
    description TEXT,
    alias       TEXT,
    last_added  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX taxii_collections_root ON taxii_collections(api_root);
-- An alias is unique within its API root (TAXII §5.2.1); NULLs do not collide.
CREATE UNIQUE INDEX taxii_collections_alias ON taxii_collections(api_root, alias);

-- grantee: an organisation id, or `kind:<org kind>` for every organisation of that kind.
-- recipient: the grantee counts as a recipient organisation (TLP:AMBER, AMBER+STRICT).
CREATE TABLE taxii_grants (
    collection_id TEXT NOT NULL REFERENCES taxii_collections(id),
    grantee       TEXT NOT NULL,
    can_read      INTEGER NOT NULL,
    can_write     INTEGER NOT NULL,
    recipient     INTEGER NOT NULL,
    PRIMARY KEY (collection_id, grantee)
);

CREATE TABLE taxii_objects (
    collection_id TEXT NOT NULL REFERENCES taxii_collections(id),
    date_added    BIGINT NOT NULL,
    stix_id       TEXT NOT NULL,
    version       TEXT NOT NULL,
    version_us    BIGINT NOT NULL,
    spec_version  TEXT NOT NULL,
    type          TEXT NOT NULL,
    tlp           TEXT NOT NULL,
    markings      TEXT NOT NULL,
    json          TEXT NOT NULL,
    origin_org    TEXT NOT NULL REFERENCES organisations(id),
    added_by      TEXT NOT NULL,
    PRIMARY KEY (collection_id, date_added),
    UNIQUE (collection_id, stix_id, version)
);
CREATE INDEX taxii_objects_id ON taxii_objects(collection_id, stix_id);

CREATE TABLE taxii_status (
    id            TEXT PRIMARY KEY,
    api_root      TEXT NOT NULL REFERENCES taxii_api_roots(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    document      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
