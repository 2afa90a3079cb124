-- 好差评 (evaluation of a case by its applicant), 差评整改 (rectification of bad reviews, with
-- their callbacks), and the 未办成事 desk (requests that could not be done, with a follow-up
-- owner and deadline).
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), TEXT dates (YYYY-MM-DD),
-- INTEGER booleans, TEXT JSON.

-- One rating per case (GB/T 39046 表9), kept with the case's item, department and region so the
-- statistics never read the cases.
CREATE TABLE evaluations (
    id                     INTEGER PRIMARY KEY,
    case_id                INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    case_number            TEXT NOT NULL,
    item_code              TEXT NOT NULL,
    item_name              TEXT NOT NULL,
    department_id          INTEGER NOT NULL REFERENCES departments (id),
    region_code            TEXT NOT NULL,
    case_channel           TEXT NOT NULL,
    applicant_account_id   INTEGER NOT NULL REFERENCES accounts (id),
    evaluator_account_id   INTEGER NOT NULL REFERENCES accounts (id),
    -- applicant | agent
    evaluator_role         TEXT NOT NULL CHECK (evaluator_role IN ('applicant', 'agent')),
    -- GB/T 39046 A.8: 1 非常满意 … 5 非常不满意.
    level                  INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment                TEXT,
    -- 评价渠道 (表9): pc | mobile | qr_code | hall_tablet | hall_terminal | phone | sms.
    channel                TEXT NOT NULL,
    real_name              INTEGER NOT NULL,
    created_at             TEXT NOT NULL
);
CREATE INDEX evaluations_department ON evaluations (department_id, level);
CREATE INDEX evaluations_item ON evaluations (item_code, level);
CREATE INDEX evaluations_channel ON evaluations (channel, level);
CREATE INDEX evaluations_region ON evaluations (region_code);

-- A 不满意 / 非常不满意 rating opens one rectification task for the handling department.
CREATE TABLE rectifications (
    id             INTEGER PRIMARY KEY,
    evaluation_id  INTEGER NOT NULL UNIQUE REFERENCES evaluations (id),
    case_id        INTEGER NOT NULL REFERENCES cases (id),
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    region_code    TEXT NOT NULL,
    -- open | closed
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    working_days   INTEGER NOT NULL,
    opened_on      TEXT NOT NULL,
    deadline       TEXT NOT NULL,
    -- immediate 立行立改 | deadline 限期整改 | explanation 解释说明 | appeal 申诉复核(误评)
    outcome        TEXT CHECK (outcome IS NULL OR outcome IN ('immediate', 'deadline', 'explanation', 'appeal')),
    outcome_note   TEXT,
    -- 限期整改: the date the department promises the fix by.
    promised_by    TEXT,
    closed_at      TEXT,
    closed_on      TEXT,
    closed_by_account_id INTEGER REFERENCES accounts (id),
    closed_by_name TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND outcome IS NOT NULL))
);
CREATE INDEX rectifications_department ON rectifications (department_id, status, deadline);
CREATE INDEX rectifications_region ON rectifications (region_code, status);

-- 回访: every callback to the applicant, append-only.
CREATE TABLE rectification_callbacks (
    id                 INTEGER PRIMARY KEY,
    rectification_id   INTEGER NOT NULL REFERENCES rectifications (id),
    called_on          TEXT NOT NULL,
    -- phone | sms | visit | video | other
    method             TEXT NOT NULL,
    caller             TEXT NOT NULL,
    feedback           TEXT NOT NULL,
    -- What the applicant thinks of the handling now, when they said: 1–5 like the rating.
    satisfaction       INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
    recorded_by_account_id INTEGER NOT NULL REFERENCES accounts (id),
    recorded_at        TEXT NOT NULL
);
CREATE INDEX rectification_callbacks_task ON rectification_callbacks (rectification_id, id);
CREATE TRIGGER rectification_callbacks_no_update BEFORE UPDATE ON rectification_callbacks
BEGIN SELECT RAISE(ABORT, 'rectification_callbacks is append-only'); END;
CREATE TRIGGER rectification_callbacks_no_delete BEFORE DELETE ON rectification_callbacks
BEGIN SELECT RAISE(ABORT, 'rectification_callbacks is append-only'); END;

-- 未办成事: what a person asked for at a desk and could not get done, and who follows it up.
CREATE TABLE unresolved_requests (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    region_code            TEXT NOT NULL,
    recorded_by_account_id INTEGER NOT NULL REFERENCES accounts (id),
    recorded_by_name       TEXT NOT NULL,
    person_name            TEXT NOT NULL,
    person_phone           TEXT NOT NULL,
    item_code              TEXT REFERENCES items (code),
    item_name              TEXT,
    request                TEXT NOT NULL,
    -- JSON list of reason codes.
    reasons                TEXT NOT NULL,
    reason_note            TEXT,
    owner_account_id       INTEGER NOT NULL REFERENCES accounts (id),
    owner_name             TEXT NOT NULL,
    working_days           INTEGER NOT NULL,
    recorded_on            TEXT NOT NULL,
    deadline               TEXT NOT NULL,
    -- open | closed
    status                 TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    resolution             TEXT,
    closed_at              TEXT,
    closed_on              TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    revision               INTEGER NOT NULL DEFAULT 0,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND resolution IS NOT NULL))
);
CREATE INDEX unresolved_requests_region ON unresolved_requests (region_code, status, deadline);
CREATE INDEX unresolved_requests_owner ON unresolved_requests (owner_account_id, status, deadline);

-- The trail of each request: recorded, notes, reassignments, closure. Append-only.
CREATE TABLE unresolved_updates (
    id               INTEGER PRIMARY KEY,
    request_id       INTEGER NOT NULL REFERENCES unresolved_requests (id),
    at               TEXT NOT NULL,
    actor_account_id INTEGER NOT NULL REFERENCES accounts (id),
    actor_name       TEXT NOT NULL,
    -- recorded | note | assigned | closed
    kind             TEXT NOT NULL,
    note             TEXT NOT NULL
);
CREATE INDEX unresolved_updates_request ON unresolved_updates (request_id, id);
CREATE TRIGGER unresolved_updates_no_update BEFORE UPDATE ON unresolved_updates
BEGIN SELECT RAISE(ABORT, 'unresolved_updates is append-only'); END;
CREATE TRIGGER unresolved_updates_no_delete BEFORE DELETE ON unresolved_updates
BEGIN SELECT RAISE(ABORT, 'unresolved_updates is append-only'); END;
