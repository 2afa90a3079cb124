-- Payments for charged items (orders, refunds, signed provider callbacks) and the delivery of
-- results (electronic, pickup, mail with courier tracking), with the local providers' own books.
-- Types follow the PostgreSQL schema: TEXT timestamps (RFC 3339, UTC), INTEGER booleans, TEXT JSON.

-- A fee to pay for a case, in 分: created → paid → refunded, or created → closed.
CREATE TABLE payment_orders (
    id                INTEGER PRIMARY KEY,
    order_no          TEXT NOT NULL UNIQUE,
    case_id           INTEGER NOT NULL REFERENCES cases (id),
    amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
    description       TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('created', 'paid', 'refunded', 'closed')),
    provider          TEXT,
    provider_trade_no TEXT UNIQUE,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    paid_at           TEXT,
    refunded_at       TEXT,
    closed_at         TEXT,
    close_reason      TEXT,
    updated_at        TEXT NOT NULL
);
CREATE INDEX payment_orders_case ON payment_orders (case_id);
CREATE INDEX payment_orders_created ON payment_orders (created_at);
CREATE INDEX payment_orders_paid ON payment_orders (paid_at);
CREATE INDEX payment_orders_open ON payment_orders (expires_at) WHERE status = 'created';

-- A refund of a paid order (always the full amount): requested → succeeded | failed. At most
-- one refund per order is in progress or done.
CREATE TABLE payment_refunds (
    id                 INTEGER PRIMARY KEY,
    refund_no          TEXT NOT NULL UNIQUE,
    order_id           INTEGER NOT NULL REFERENCES payment_orders (id),
    amount_fen         INTEGER NOT NULL CHECK (amount_fen > 0),
    reason             TEXT NOT NULL,
    requested_by       TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('requested', 'succeeded', 'failed')),
    provider_refund_no TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT,
    last_error         TEXT,
    requested_at       TEXT NOT NULL,
    completed_at       TEXT
);
CREATE UNIQUE INDEX payment_refunds_one_active ON payment_refunds (order_id) WHERE status <> 'failed';
CREATE INDEX payment_refunds_due ON payment_refunds (next_attempt_at) WHERE status = 'requested';
CREATE INDEX payment_refunds_requested ON payment_refunds (requested_at);

-- Nonces of accepted provider callbacks: a second use of one is a replay.
CREATE TABLE payment_callback_nonces (
    nonce       TEXT PRIMARY KEY,
    order_no    TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX payment_callback_nonces_received ON payment_callback_nonces (received_at);

-- Every callback received, accepted or not, for operators and investigations.
CREATE TABLE payment_callback_log (
    id          INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    order_no    TEXT,
    nonce       TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'rejected')),
    reason      TEXT,
    body_sm3    TEXT NOT NULL
);
CREATE INDEX payment_callback_log_received ON payment_callback_log (received_at);

-- The local payment provider's own books: what a real gateway keeps on its side.
CREATE TABLE local_payment_sessions (
    token        TEXT PRIMARY KEY,
    order_no     TEXT NOT NULL UNIQUE,
    amount_fen   INTEGER NOT NULL,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'closed')),
    trade_no     TEXT UNIQUE,
    refunded_fen INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    paid_at      TEXT,
    closed_at    TEXT
);
CREATE INDEX local_payment_sessions_paid ON local_payment_sessions (paid_at);

CREATE TABLE local_payment_refunds (
    refund_no          TEXT PRIMARY KEY,
    trade_no           TEXT NOT NULL,
    amount_fen         INTEGER NOT NULL,
    provider_refund_no TEXT NOT NULL UNIQUE,
    created_at         TEXT NOT NULL
);
CREATE INDEX local_payment_refunds_created ON local_payment_refunds (created_at);

-- Payment notifications the local provider owes the platform, re-signed and retried until
-- acknowledged, as gateways do.
CREATE TABLE local_payment_notifications (
    id              INTEGER PRIMARY KEY,
    trade_no        TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX local_payment_notifications_due ON local_payment_notifications (next_attempt_at)
    WHERE status = 'pending';

-- How the result of a case reaches the applicant; one per case.
-- created → picked_up → in_transit → delivered | failed (mail); created → delivered otherwise.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    method          TEXT NOT NULL CHECK (method IN ('electronic', 'pickup', 'mail')),
    status          TEXT NOT NULL
                    CHECK (status IN ('created', 'picked_up', 'in_transit', 'delivered', 'failed', 'cancelled')),
    recipient_name  TEXT,
    recipient_phone TEXT,
    region_code     TEXT REFERENCES divisions (code),
    address_detail  TEXT,
    postal_code     TEXT,
    courier         TEXT,
    tracking_number TEXT,
    -- When the result was ready to go out (办结); nothing moves before.
    ready_at        TEXT,
    dispatched_at   TEXT,
    delivered_at    TEXT,
    -- The tracker's schedule: create the waybill, then poll it, until a final status.
    next_action_at  TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (courier, tracking_number)
);
CREATE INDEX deliveries_due ON deliveries (next_action_at) WHERE next_action_at IS NOT NULL;
CREATE INDEX deliveries_status ON deliveries (status);

-- What happened to a delivery, append-only; courier events carry the courier's own id.
CREATE TABLE delivery_events (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    at          TEXT NOT NULL,
    status      TEXT NOT NULL,
    description TEXT NOT NULL,
    location    TEXT,
    source      TEXT NOT NULL CHECK (source IN ('platform', 'courier')),
    external_id TEXT,
    recorded_at TEXT NOT NULL,
    UNIQUE (delivery_id, external_id)
);
CREATE INDEX delivery_events_delivery ON delivery_events (delivery_id, at, id);
CREATE TRIGGER delivery_events_no_update BEFORE UPDATE ON delivery_events
BEGIN SELECT RAISE(ABORT, 'delivery_events is append-only'); END;
CREATE TRIGGER delivery_events_no_delete BEFORE DELETE ON delivery_events
BEGIN SELECT RAISE(ABORT, 'delivery_events is append-only'); END;

-- The local courier's own books: one waybill per shipment; its tracking follows from the time
-- since pick-up and the scenario.
CREATE TABLE local_courier_waybills (
    tracking_number TEXT PRIMARY KEY,
    client_ref      TEXT NOT NULL UNIQUE,
    recipient_name  TEXT NOT NULL,
    recipient_phone TEXT NOT NULL,
    address         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    scenario        TEXT NOT NULL CHECK (scenario IN ('normal', 'undeliverable')),
    created_at      TEXT NOT NULL
);
