-- The knowledge base (policy explanations, guides and FAQs per item, with drafts, immutable
-- published versions and review dates) and search: the versioned synonym overlay, the content
-- change log every process's in-memory index follows, and the consultation log.
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), TEXT dates (YYYY-MM-DD),
-- INTEGER booleans, TEXT JSON.

-- One row per article or FAQ. `draft` holds unpublished edits; the published content lives in
-- knowledge_versions. `title` mirrors the draft (or, without one, the published version) for lists.
CREATE TABLE knowledge_entries (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    -- article (政策解读、办事攻略) | faq (某事项的常见问题)
    kind              TEXT NOT NULL CHECK (kind IN ('article', 'faq')),
    title             TEXT NOT NULL,
    -- An FAQ's item; articles name their items in the content.
    item_code         TEXT REFERENCES items (code),
    published_version INTEGER,
    published_at      TEXT,
    withdrawn_at      TEXT,
    draft             TEXT,
    draft_updated_at  TEXT,
    draft_updated_by  TEXT,
    -- When the published content must be checked again (复核日期).
    review_due        TEXT,
    reviewed_at       TEXT,
    reviewed_by       TEXT,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL
);
CREATE INDEX knowledge_entries_item ON knowledge_entries (item_code);
CREATE INDEX knowledge_entries_review ON knowledge_entries (review_due);

-- Published versions never change: the triggers refuse updates and deletes.
CREATE TABLE knowledge_versions (
    entry_id     INTEGER NOT NULL REFERENCES knowledge_entries (id),
    version      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    note         TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
);
CREATE TRIGGER knowledge_versions_no_update BEFORE UPDATE ON knowledge_versions
BEGIN SELECT RAISE(ABORT, 'knowledge_versions is append-only'); END;
CREATE TRIGGER knowledge_versions_no_delete BEFORE DELETE ON knowledge_versions
BEGIN SELECT RAISE(ABORT, 'knowledge_versions is append-only'); END;

-- Counters every process polls: the content version (one step per recorded change) and the
-- current synonym version. The single row is also the lock that orders both.
CREATE TABLE search_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    content_version  INTEGER NOT NULL,
    synonyms_version INTEGER NOT NULL
);
INSERT INTO search_state (id, content_version, synonyms_version) VALUES (1, 0, 0);

-- One row per content change the search index must follow, numbered by content_version.
-- kind 'all' asks every process to rebuild (imports, `zerotrip search reindex`).
CREATE TABLE search_changes (
    version    INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('item', 'bundle', 'article', 'faq', 'all')),
    code       TEXT NOT NULL,
    event_id   INTEGER UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX search_changes_created ON search_changes (created_at);

-- The synonym and alias overlay edited by administrators, one immutable row per version; the
-- current set is the engine's shipped list with the latest version's rules applied.
CREATE TABLE search_synonym_versions (
    version    INTEGER PRIMARY KEY,
    rules      TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER search_synonym_versions_no_update BEFORE UPDATE ON search_synonym_versions
BEGIN SELECT RAISE(ABORT, 'search_synonym_versions is append-only'); END;
CREATE TRIGGER search_synonym_versions_no_delete BEFORE DELETE ON search_synonym_versions
BEGIN SELECT RAISE(ABORT, 'search_synonym_versions is append-only'); END;

-- The consultation log: one row per search, without personal data (the query is normalised
-- and ID and phone numbers in it are masked; no account, no address).
CREATE TABLE search_log (
    id           INTEGER PRIMARY KEY,
    query        TEXT NOT NULL,
    result_count INTEGER NOT NULL,
    weak         INTEGER NOT NULL,
    top_kind     TEXT,
    top_code     TEXT,
    region_code  TEXT,
    -- page | api
    channel      TEXT NOT NULL,
    clicked_kind TEXT,
    clicked_code TEXT,
    clicked_rank INTEGER,
    clicked_at   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX search_log_failed ON search_log (weak, query);
CREATE INDEX search_log_created ON search_log (created_at);

-- A failed query an administrator answered (with an alias or an FAQ): the failed-queries list
-- leaves it out until it fails again after that.
CREATE TABLE search_failed_handled (
    query      TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    handled_by TEXT NOT NULL,
    handled_at TEXT NOT NULL
);
