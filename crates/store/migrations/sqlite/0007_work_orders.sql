-- 12345 hotline work orders (工单, 国办发〔2020〕53号 / 国办函〔2025〕66号): intake from the web, the
-- phone and bad reviews; dispatch to one lead department (主办) with optional assisting ones
-- (协办); return and re-dispatch (退单/改派); merging duplicate requests (重复诉求并单); the
-- department's reply; closure; the callback (回访) with the requester's satisfaction; reminders
-- (催办) and escalation (通报) of overdue orders. Fields follow GB/T 39046 表10 where it has them.
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), TEXT dates (YYYY-MM-DD),
-- INTEGER booleans, TEXT JSON.

CREATE TABLE work_orders (
    id                    INTEGER PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,
    -- consultation 咨询 | help 求助 | complaint 投诉 | suggestion 建议 | unresolved 未办成事 |
    -- rectification 差评整改
    kind                  TEXT NOT NULL CHECK (kind IN ('consultation', 'help', 'complaint', 'suggestion', 'unresolved', 'rectification')),
    -- 来源: web 网站 | phone 电话 | evaluation 好差评
    channel               TEXT NOT NULL CHECK (channel IN ('web', 'phone', 'evaluation')),
    title                 TEXT NOT NULL,
    content               TEXT NOT NULL,
    -- The requester's account, when known (web intake, a caller identified by ID number, the
    -- applicant of a badly rated case).
    requester_account_id  INTEGER REFERENCES accounts (id),
    requester_name        TEXT NOT NULL,
    contact_phone         TEXT NOT NULL,
    -- 行政区划: where the request is about.
    region_code           TEXT NOT NULL REFERENCES divisions (code),
    item_code             TEXT REFERENCES items (code),
    item_name             TEXT,
    -- The search that found nothing, when the request came from a failed search.
    search_query          TEXT,
    source_case_id        INTEGER REFERENCES cases (id),
    source_case_number    TEXT,
    -- The outbox event a 差评整改 order was made from: one order per event, however often it is
    -- delivered.
    source_event_id       INTEGER UNIQUE,
    -- pending 待派单 | dispatched 办理中 | returned 已退单 | replied 已答复 | closed 已办结（待回访）|
    -- completed 已回访 | merged 已并单
    status                TEXT NOT NULL CHECK (status IN ('pending', 'dispatched', 'returned', 'replied', 'closed', 'completed', 'merged')),
    -- 承办单位 (主办).
    lead_department_id    INTEGER REFERENCES departments (id),
    merged_into_id        INTEGER REFERENCES work_orders (id),
    -- 承诺时限 in working days and the date it ends, counted from the day of intake (or of
    -- reopening).
    working_days          INTEGER NOT NULL,
    accepted_on           TEXT NOT NULL,
    deadline              TEXT NOT NULL,
    dispatched_at         TEXT,
    -- 反馈信息 / 处理意见.
    reply                 TEXT,
    replied_at            TEXT,
    replied_by_name       TEXT,
    closed_at             TEXT,
    closed_on             TEXT,
    close_note            TEXT,
    -- 回访: due the working day after closure.
    callback_due          TEXT,
    satisfaction          TEXT CHECK (satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    callback_note         TEXT,
    callback_at           TEXT,
    callback_by_name      TEXT,
    -- 催办 and 通报 of the current round.
    reminded_at           TEXT,
    escalated_at          TEXT,
    reopen_count          INTEGER NOT NULL DEFAULT 0,
    created_by_account_id INTEGER REFERENCES accounts (id),
    created_by_name       TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    revision              INTEGER NOT NULL DEFAULT 0,
    -- A merged order keeps its link after the lead closed (it is then closed itself).
    CHECK (status <> 'merged' OR merged_into_id IS NOT NULL)
);
CREATE INDEX work_orders_status ON work_orders (status, deadline);
CREATE INDEX work_orders_department ON work_orders (lead_department_id, status);
CREATE INDEX work_orders_requester ON work_orders (requester_account_id, created_at);
CREATE INDEX work_orders_region ON work_orders (region_code, status);
CREATE INDEX work_orders_merged ON work_orders (merged_into_id);

-- 协办单位 of an order while it is being handled.
CREATE TABLE work_order_assists (
    order_id      INTEGER NOT NULL REFERENCES work_orders (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    assigned_at   TEXT NOT NULL,
    PRIMARY KEY (order_id, department_id)
);
CREATE INDEX work_order_assists_department ON work_order_assists (department_id);

-- The timeline of each order, append-only: who did what, when and why.
CREATE TABLE work_order_events (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES work_orders (id),
    at               TEXT NOT NULL,
    actor_account_id INTEGER REFERENCES accounts (id),
    actor_name       TEXT NOT NULL,
    -- hotline | department | requester | system
    actor_role       TEXT NOT NULL,
    action           TEXT NOT NULL,
    department_id    INTEGER REFERENCES departments (id),
    note             TEXT,
    -- Shown to the requester (internal steps such as 退单 are not).
    public           INTEGER NOT NULL,
    details          TEXT NOT NULL
);
CREATE INDEX work_order_events_order ON work_order_events (order_id, id);
CREATE TRIGGER work_order_events_no_update BEFORE UPDATE ON work_order_events
BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END;
CREATE TRIGGER work_order_events_no_delete BEFORE DELETE ON work_order_events
BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END;

-- 办理时限 per type, where an administrator changed the default.
CREATE TABLE work_order_time_limits (
    kind         TEXT PRIMARY KEY,
    working_days INTEGER NOT NULL CHECK (working_days BETWEEN 1 AND 60),
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
