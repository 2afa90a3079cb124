-- Foundation: reference data, departments, the catalogue with its versions and implementation
-- lists, zero-trip publications, the outbox, the audit trail and staff accounts.
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), INTEGER booleans, TEXT JSON.

CREATE TABLE divisions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    parent_code TEXT REFERENCES divisions (code),
    full_name   TEXT NOT NULL
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE villages (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT NOT NULL REFERENCES divisions (code)
);
CREATE INDEX villages_parent ON villages (parent_code);

CREATE TABLE holidays (
    date       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    is_off_day INTEGER NOT NULL
);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    credit_code TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES divisions (code),
    UNIQUE (kind, region_code)
);
CREATE INDEX departments_region ON departments (region_code);

CREATE TABLE licence_types (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL
);

CREATE TABLE bundles (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL
);

CREATE TABLE bundle_items (
    bundle_code TEXT NOT NULL REFERENCES bundles (code),
    item_code   TEXT NOT NULL,
    PRIMARY KEY (bundle_code, item_code)
);
CREATE INDEX bundle_items_item ON bundle_items (item_code);

CREATE TABLE proactive_rules (
    code      TEXT PRIMARY KEY,
    item_code TEXT NOT NULL,
    content   TEXT NOT NULL
);

-- One row per item of the province standard. The listing columns mirror the latest published
-- version; `draft` holds unpublished edits.
CREATE TABLE items (
    code              TEXT PRIMARY KEY,
    basic_code        TEXT NOT NULL UNIQUE,
    source_code       TEXT UNIQUE,
    name              TEXT NOT NULL,
    item_type         TEXT NOT NULL,
    department_kind   TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    high_frequency    INTEGER NOT NULL DEFAULT 0,
    yearly_volume     INTEGER NOT NULL DEFAULT 0,
    published_version INTEGER,
    published_at      TEXT,
    draft             TEXT,
    draft_updated_at  TEXT,
    draft_updated_by  TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX items_department_kind ON items (department_kind);
CREATE INDEX items_popular ON items (high_frequency, yearly_volume);

CREATE TABLE item_themes (
    item_code TEXT NOT NULL REFERENCES items (code),
    theme     TEXT NOT NULL,
    PRIMARY KEY (item_code, theme)
);
CREATE INDEX item_themes_theme ON item_themes (theme);

-- Published versions never change: the triggers refuse updates and deletes.
CREATE TABLE item_versions (
    item_code    TEXT NOT NULL REFERENCES items (code),
    version      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    changes      TEXT NOT NULL,
    note         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (item_code, version)
);
CREATE INDEX item_versions_published ON item_versions (published_at);
CREATE TRIGGER item_versions_no_update BEFORE UPDATE ON item_versions
BEGIN SELECT RAISE(ABORT, 'item_versions is append-only'); END;
CREATE TRIGGER item_versions_no_delete BEFORE DELETE ON item_versions
BEGIN SELECT RAISE(ABORT, 'item_versions is append-only'); END;

CREATE TABLE implementations (
    code          TEXT PRIMARY KEY,
    item_code     TEXT NOT NULL REFERENCES items (code),
    region_code   TEXT NOT NULL REFERENCES divisions (code),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    level         TEXT NOT NULL,
    local_facts   TEXT NOT NULL,
    overrides     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (item_code, region_code)
);
CREATE INDEX implementations_region ON implementations (region_code);
CREATE INDEX implementations_department ON implementations (department_id);

CREATE TABLE zero_trip_publications (
    id           INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note         TEXT NOT NULL,
    entry_count  INTEGER NOT NULL,
    added        INTEGER NOT NULL,
    removed      INTEGER NOT NULL
);

CREATE TABLE zero_trip_entries (
    publication_id      INTEGER NOT NULL REFERENCES zero_trip_publications (id),
    implementation_code TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    item_name           TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    region_name         TEXT NOT NULL,
    department_name     TEXT NOT NULL,
    basis               TEXT NOT NULL,
    PRIMARY KEY (publication_id, implementation_code)
);
CREATE INDEX zero_trip_entries_region ON zero_trip_entries (publication_id, region_code);
CREATE TRIGGER zero_trip_entries_no_update BEFORE UPDATE ON zero_trip_entries
BEGIN SELECT RAISE(ABORT, 'zero_trip_entries is append-only'); END;

-- Transactional outbox: written in the transaction of the change it describes.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    topic        TEXT NOT NULL,
    event_key    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT,
    last_error   TEXT
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE delivered_at IS NULL;

-- Hash-chained, append-only audit trail of staff actions.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    -- Kept as the exact canonical text that was hashed.
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('staff', 'person', 'company')),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    region_code   TEXT REFERENCES divisions (code),
    roles         TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL
);

-- Sessions (page cookies) and API tokens; only a hash of the secret is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
