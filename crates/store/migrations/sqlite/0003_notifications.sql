-- Notifications: text messages (SMS) sent through a provider port, the local gateway's own
-- records, in-site messages, and the receipts that make outbox subscribers idempotent.
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), INTEGER booleans, TEXT JSON.

-- Every text message the platform sends, from the moment a use case queues it (in its own
-- transaction) to the provider's delivery report: queued → sent → delivered | failed.
CREATE TABLE sms_messages (
    id                  INTEGER PRIMARY KEY,
    phone               TEXT NOT NULL,
    text                TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    segments            INTEGER NOT NULL CHECK (segments >= 1),
    status              TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
    case_id             INTEGER REFERENCES cases (id),
    account_id          INTEGER REFERENCES accounts (id),
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL,
    -- While queued: when the next attempt is due (also the lease of the sender that claimed it).
    next_attempt_at     TEXT,
    -- While sent: when to ask the provider for the delivery report.
    status_check_at     TEXT,
    last_error          TEXT,
    provider            TEXT,
    provider_message_id TEXT,
    delivery_report     TEXT,
    created_at          TEXT NOT NULL,
    sent_at             TEXT,
    delivered_at        TEXT,
    failed_at           TEXT,
    updated_at          TEXT NOT NULL
);
CREATE INDEX sms_messages_due ON sms_messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX sms_messages_check ON sms_messages (status_check_at) WHERE status = 'sent';
CREATE INDEX sms_messages_created ON sms_messages (created_at);
CREATE INDEX sms_messages_phone ON sms_messages (phone, created_at);
CREATE INDEX sms_messages_case ON sms_messages (case_id);
CREATE UNIQUE INDEX sms_messages_provider_id ON sms_messages (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;

-- One row per hand-over to the provider, whatever its outcome.
CREATE TABLE sms_attempts (
    id                  INTEGER PRIMARY KEY,
    message_id          INTEGER NOT NULL REFERENCES sms_messages (id),
    attempt             INTEGER NOT NULL,
    at                  TEXT NOT NULL,
    outcome             TEXT NOT NULL CHECK (outcome IN ('accepted', 'transient_error', 'permanent_error')),
    error               TEXT,
    provider_message_id TEXT
);
CREATE INDEX sms_attempts_message ON sms_attempts (message_id, id);

-- The local SMS gateway's own books: what it accepted, and what it later reports.
CREATE TABLE local_sms_gateway (
    provider_message_id TEXT PRIMARY KEY,
    client_ref          TEXT NOT NULL UNIQUE,
    phone               TEXT NOT NULL,
    text                TEXT NOT NULL,
    segments            INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('accepted', 'delivered', 'undeliverable')),
    status_reason       TEXT,
    accepted_at         TEXT NOT NULL,
    deliver_at          TEXT NOT NULL,
    delivered_at        TEXT
);
CREATE INDEX local_sms_gateway_phone ON local_sms_gateway (phone, accepted_at);
CREATE INDEX local_sms_gateway_accepted ON local_sms_gateway (accepted_at);

-- In-site messages (站内消息) of an account.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    case_id    INTEGER REFERENCES cases (id),
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX messages_inbox ON messages (account_id, id);
CREATE INDEX messages_unread ON messages (account_id) WHERE read_at IS NULL;

-- Outbox events a subscriber has already acted on: delivery is at least once, the effect once.
CREATE TABLE event_receipts (
    subscriber   TEXT NOT NULL,
    event_id     INTEGER NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, event_id)
);
