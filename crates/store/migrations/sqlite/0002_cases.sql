-- Digital identity and case handling: applicant accounts, one-time codes, agent consents,
-- workflow definitions, cases with their materials and timeline, stored files.

ALTER TABLE accounts ADD COLUMN real_name TEXT;
ALTER TABLE accounts ADD COLUMN id_number TEXT;
ALTER TABLE accounts ADD COLUMN phone TEXT;
ALTER TABLE accounts ADD COLUMN company_name TEXT;
ALTER TABLE accounts ADD COLUMN credit_code TEXT;
ALTER TABLE accounts ADD COLUMN legal_representative TEXT;
CREATE UNIQUE INDEX accounts_id_number ON accounts (id_number) WHERE id_number IS NOT NULL;
CREATE UNIQUE INDEX accounts_credit_code ON accounts (credit_code) WHERE credit_code IS NOT NULL;
CREATE INDEX accounts_phone ON accounts (phone);

-- One-time codes (kiosk sign-in, progress queries); only a hash of the code is kept.
CREATE TABLE one_time_codes (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL,
    target     TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used_at    TEXT
);
CREATE INDEX one_time_codes_target ON one_time_codes (purpose, target);

-- A person's recorded consent that an agent may act for them (帮办代办).
CREATE TABLE agent_consents (
    id                   INTEGER PRIMARY KEY,
    principal_account_id INTEGER NOT NULL REFERENCES accounts (id),
    agent_account_id     INTEGER NOT NULL REFERENCES accounts (id),
    scope                TEXT NOT NULL,
    evidence             TEXT NOT NULL,
    granted_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    revoked_at           TEXT
);
CREATE INDEX agent_consents_agent ON agent_consents (agent_account_id, principal_account_id);

-- Workflow definitions are versioned like the catalogue: a version never changes.
CREATE TABLE workflow_definitions (
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    content    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (code, version)
);
CREATE TRIGGER workflow_definitions_no_update BEFORE UPDATE ON workflow_definitions
BEGIN SELECT RAISE(ABORT, 'workflow_definitions is append-only'); END;

-- An item whose workflow is not the default of its type.
CREATE TABLE item_workflows (
    item_code     TEXT PRIMARY KEY REFERENCES items (code),
    workflow_code TEXT NOT NULL
);

CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    item_code              TEXT NOT NULL REFERENCES items (code),
    item_version           INTEGER NOT NULL,
    item_name              TEXT NOT NULL,
    implementation_code    TEXT NOT NULL,
    handling_region_code   TEXT NOT NULL,
    handling_department_id INTEGER NOT NULL REFERENCES departments (id),
    filing_region_code     TEXT NOT NULL,
    channel                TEXT NOT NULL,
    applicant_account_id   INTEGER NOT NULL REFERENCES accounts (id),
    applicant_kind         TEXT NOT NULL,
    applicant_name         TEXT NOT NULL,
    applicant_id_type      TEXT NOT NULL,
    applicant_id_number    TEXT NOT NULL,
    contact_phone          TEXT NOT NULL,
    filed_by_account_id    INTEGER NOT NULL REFERENCES accounts (id),
    workflow_code          TEXT NOT NULL,
    workflow_version       INTEGER NOT NULL,
    state                  TEXT NOT NULL,
    outcome                TEXT,
    form                   TEXT NOT NULL,
    clock                  TEXT NOT NULL,
    deadline               TEXT,
    delivery_method        TEXT,
    created_at             TEXT NOT NULL,
    submitted_at           TEXT,
    completed_at           TEXT,
    updated_at             TEXT NOT NULL,
    revision               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cases_applicant ON cases (applicant_account_id, updated_at);
CREATE INDEX cases_department ON cases (handling_department_id, state);
CREATE INDEX cases_region ON cases (handling_region_code, state);
CREATE INDEX cases_deadline ON cases (state, deadline);

-- Stored files, content-addressed by SM3.
CREATE TABLE objects (
    key          TEXT PRIMARY KEY,
    size_bytes   INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE case_materials (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    required     INTEGER NOT NULL,
    status       TEXT NOT NULL,
    exemption    TEXT,
    object_key   TEXT REFERENCES objects (key),
    file_name    TEXT,
    content_type TEXT,
    size_bytes   INTEGER,
    uploaded_at  TEXT,
    uploaded_by  INTEGER REFERENCES accounts (id),
    UNIQUE (case_id, position)
);

-- The timeline: every action on a case, append-only.
CREATE TABLE case_events (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    at               TEXT NOT NULL,
    actor_account_id INTEGER REFERENCES accounts (id),
    actor_name       TEXT NOT NULL,
    actor_role       TEXT NOT NULL,
    action           TEXT NOT NULL,
    from_state       TEXT NOT NULL,
    to_state         TEXT NOT NULL,
    comment          TEXT,
    details          TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

-- Submissions already answered, so a retried request returns the same case.
CREATE TABLE idempotency_keys (
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);
