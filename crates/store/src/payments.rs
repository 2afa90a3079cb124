//! Payments: orders per case, refunds, provider callbacks (nonces and a log of every one), and
//! the local payment provider's own books.

use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::db::{Backend, Db, Tx, sql, sql_assembled};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentOrderRow {
    pub id: i64,
    pub order_no: String,
    pub case_id: i64,
    pub amount_fen: i64,
    pub description: String,
    pub status: String,
    pub provider: Option<String>,
    pub provider_trade_no: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const ORDER_COLUMNS: &str = "id, order_no, case_id, amount_fen, description, status, provider, \
    provider_trade_no, created_at, expires_at, paid_at, refunded_at, closed_at, close_reason, \
    updated_at";

/// Inserts an order and gives it its number (`order_no_prefix` + the id, eight digits);
/// `provisional_no` (random, unique) holds the place until the id is known.
#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    tx: &mut Tx,
    provisional_no: &str,
    case_id: i64,
    amount_fen: i64,
    description: &str,
    order_no_prefix: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<PaymentOrderRow, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO payment_orders (order_no, case_id, amount_fen, description, status, \
                 created_at, expires_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'created', $5, $6, $5) RETURNING id",
            )
            .bind(provisional_no)
            .bind(case_id)
            .bind(amount_fen)
            .bind(description)
            .bind(at)
            .bind(expires_at),
        )
        .await?;
    let order_no = format!("{order_no_prefix}{id:08}");
    tx.execute(
        sql("UPDATE payment_orders SET order_no = $2 WHERE id = $1")
            .bind(id)
            .bind(&order_no),
    )
    .await?;
    order_by_id_tx(tx, id).await?.ok_or(StoreError::NotFound)
}

pub async fn order_by_id(db: &Db, id: i64) -> Result<Option<PaymentOrderRow>, StoreError> {
    db.fetch_optional(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

pub async fn order_by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<PaymentOrderRow>, StoreError> {
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

/// The order, locked for the rest of the transaction on PostgreSQL (SQLite's write
/// transaction already excludes other writers).
pub async fn order_by_no_for_update(
    tx: &mut Tx,
    order_no: &str,
) -> Result<Option<PaymentOrderRow>, StoreError> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE order_no = $1{lock}"
        ))
        .bind(order_no),
    )
    .await
}

pub async fn order_by_id_for_update(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<PaymentOrderRow>, StoreError> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = $1{lock}"
        ))
        .bind(id),
    )
    .await
}

pub async fn orders_for_case(db: &Db, case_id: i64) -> Result<Vec<PaymentOrderRow>, StoreError> {
    db.fetch_all(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id),
    )
    .await
}

pub async fn orders_for_case_tx(
    tx: &mut Tx,
    case_id: i64,
) -> Result<Vec<PaymentOrderRow>, StoreError> {
    tx.fetch_all(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id),
    )
    .await
}

/// created → paid; `false` when the order was no longer open.
pub async fn mark_paid(
    tx: &mut Tx,
    id: i64,
    provider: &str,
    trade_no: &str,
    paid_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE payment_orders SET status = 'paid', provider = $2, provider_trade_no = $3, \
                 paid_at = $4, updated_at = $5 WHERE id = $1 AND status = 'created'",
            )
            .bind(id)
            .bind(provider)
            .bind(trade_no)
            .bind(paid_at)
            .bind(at),
        )
        .await?;
    Ok(changed == 1)
}

/// created → closed; `false` when the order was no longer open.
pub async fn mark_closed(
    tx: &mut Tx,
    id: i64,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE payment_orders SET status = 'closed', closed_at = $2, close_reason = $3, \
                 updated_at = $2 WHERE id = $1 AND status = 'created'",
            )
            .bind(id)
            .bind(at)
            .bind(reason),
        )
        .await?;
    Ok(changed == 1)
}

/// paid → refunded, when the provider confirmed the refund.
pub async fn mark_refunded(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE payment_orders SET status = 'refunded', refunded_at = $2, updated_at = $2 \
                 WHERE id = $1 AND status = 'paid'",
            )
            .bind(id)
            .bind(at),
        )
        .await?;
    Ok(changed == 1)
}

/// Open orders past their expiry.
pub async fn expired_open_orders(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PaymentOrderRow>, StoreError> {
    db.fetch_all(
        sql_assembled(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE status = 'created' AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Orders of a period (created, paid, refunded or closed in `[from, to)`), optionally of one
/// department's cases.
pub async fn orders_in_period(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    department_id: Option<i64>,
) -> Result<Vec<PaymentOrderRow>, StoreError> {
    let department = if department_id.is_some() {
        " AND case_id IN (SELECT id FROM cases WHERE handling_department_id = $3)"
    } else {
        ""
    };
    let mut query = sql_assembled(format!(
        "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE \
         ((created_at >= $1 AND created_at < $2) OR (paid_at >= $1 AND paid_at < $2) \
          OR (refunded_at >= $1 AND refunded_at < $2) OR (closed_at >= $1 AND closed_at < $2))\
         {department} ORDER BY id"
    ))
    .bind(from)
    .bind(to);
    if let Some(department_id) = department_id {
        query = query.bind(department_id);
    }
    db.fetch_all(query).await
}

// --- Refunds -----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRow {
    pub id: i64,
    pub refund_no: String,
    pub order_id: i64,
    pub amount_fen: i64,
    pub reason: String,
    pub requested_by: String,
    pub status: String,
    pub provider_refund_no: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const REFUND_COLUMNS: &str = "id, refund_no, order_id, amount_fen, reason, requested_by, status, \
    provider_refund_no, attempts, next_attempt_at, last_error, requested_at, completed_at";

/// Inserts a requested refund, numbered like orders (see [`insert_order`]).
#[allow(clippy::too_many_arguments)]
pub async fn insert_refund(
    tx: &mut Tx,
    provisional_no: &str,
    order_id: i64,
    amount_fen: i64,
    reason: &str,
    requested_by: &str,
    refund_no_prefix: &str,
    at: DateTime<Utc>,
) -> Result<RefundRow, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO payment_refunds (refund_no, order_id, amount_fen, reason, requested_by, \
                 status, next_attempt_at, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, 'requested', $6, $6) RETURNING id")
            .bind(provisional_no)
            .bind(order_id)
            .bind(amount_fen)
            .bind(reason)
            .bind(requested_by)
            .bind(at),
        )
        .await?;
    let refund_no = format!("{refund_no_prefix}{id:08}");
    tx.execute(
        sql("UPDATE payment_refunds SET refund_no = $2 WHERE id = $1")
            .bind(id)
            .bind(&refund_no),
    )
    .await?;
    tx.fetch_one(
        sql_assembled(format!(
            "SELECT {REFUND_COLUMNS} FROM payment_refunds WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

/// The refund of an order that is in progress or done, if any.
pub async fn active_refund_tx(tx: &mut Tx, order_id: i64) -> Result<Option<RefundRow>, StoreError> {
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {REFUND_COLUMNS} FROM payment_refunds WHERE order_id = $1 AND status <> 'failed'"
        ))
        .bind(order_id),
    )
    .await
}

pub async fn refunds_for_order(db: &Db, order_id: i64) -> Result<Vec<RefundRow>, StoreError> {
    db.fetch_all(
        sql_assembled(format!(
            "SELECT {REFUND_COLUMNS} FROM payment_refunds WHERE order_id = $1 ORDER BY id"
        ))
        .bind(order_id),
    )
    .await
}

/// Claims requested refunds that are due, pushing their next attempt past `lease`.
pub async fn claim_due_refunds(
    db: &Db,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<RefundRow>, StoreError> {
    let mut tx = db.begin().await?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut rows: Vec<RefundRow> = tx
        .fetch_all(
            sql_assembled(format!(
                "SELECT {REFUND_COLUMNS} FROM payment_refunds \
                 WHERE status = 'requested' AND next_attempt_at <= $1 ORDER BY id LIMIT $2{lock}"
            ))
            .bind(now)
            .bind(limit),
        )
        .await?;
    for row in &mut rows {
        tx.execute(
            sql("UPDATE payment_refunds SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1")
                .bind(row.id)
                .bind(now + lease),
        )
        .await?;
        row.attempts += 1;
    }
    tx.commit().await?;
    Ok(rows)
}

pub async fn refund_succeeded(
    tx: &mut Tx,
    id: i64,
    provider_refund_no: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE payment_refunds SET status = 'succeeded', provider_refund_no = $2, \
                 completed_at = $3, next_attempt_at = NULL, last_error = NULL \
                 WHERE id = $1 AND status = 'requested'",
            )
            .bind(id)
            .bind(provider_refund_no)
            .bind(at),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn refund_retry(
    db: &Db,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql(
            "UPDATE payment_refunds SET last_error = $2, next_attempt_at = $3 \
             WHERE id = $1 AND status = 'requested'",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at),
    )
    .await?;
    Ok(())
}

pub async fn refund_failed(
    tx: &mut Tx,
    id: i64,
    error: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE payment_refunds SET status = 'failed', last_error = $2, completed_at = $3, \
             next_attempt_at = NULL WHERE id = $1 AND status = 'requested'",
        )
        .bind(id)
        .bind(error)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// Refunds requested or completed in `[from, to)`, optionally of one department's cases.
pub async fn refunds_in_period(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    department_id: Option<i64>,
) -> Result<Vec<RefundRow>, StoreError> {
    let department = if department_id.is_some() {
        " AND order_id IN (SELECT o.id FROM payment_orders o JOIN cases c ON c.id = o.case_id \
           WHERE c.handling_department_id = $3)"
    } else {
        ""
    };
    let mut query = sql_assembled(format!(
        "SELECT {REFUND_COLUMNS} FROM payment_refunds WHERE \
         ((requested_at >= $1 AND requested_at < $2) OR (completed_at >= $1 AND completed_at < $2))\
         {department} ORDER BY id"
    ))
    .bind(from)
    .bind(to);
    if let Some(department_id) = department_id {
        query = query.bind(department_id);
    }
    db.fetch_all(query).await
}

// --- Callbacks ---------------------------------------------------------------------------

/// Records a callback nonce in the caller's transaction; `false` when it was used before.
pub async fn use_callback_nonce(
    tx: &mut Tx,
    nonce: &str,
    order_no: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = tx
        .execute(
            sql("INSERT INTO payment_callback_nonces (nonce, order_no, received_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (nonce) DO NOTHING")
            .bind(nonce)
            .bind(order_no)
            .bind(at),
        )
        .await?;
    Ok(inserted == 1)
}

pub async fn callback_nonce_known(db: &Db, nonce: &str) -> Result<bool, StoreError> {
    let row: Option<(String,)> = db
        .fetch_optional(
            sql("SELECT nonce FROM payment_callback_nonces WHERE nonce = $1").bind(nonce),
        )
        .await?;
    Ok(row.is_some())
}

/// Forgets nonces received before `before`: callbacks that old fail the timestamp check anyway.
pub async fn prune_callback_nonces(db: &Db, before: DateTime<Utc>) -> Result<u64, StoreError> {
    db.execute(sql("DELETE FROM payment_callback_nonces WHERE received_at < $1").bind(before))
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallbackLogRow {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub order_no: Option<String>,
    pub nonce: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub body_sm3: String,
}

pub async fn log_callback(
    db: &Db,
    at: DateTime<Utc>,
    order_no: Option<&str>,
    nonce: Option<&str>,
    outcome: &str,
    reason: Option<&str>,
    body_sm3: &str,
) -> Result<(), StoreError> {
    db.execute(
        sql("INSERT INTO payment_callback_log (received_at, order_no, nonce, outcome, reason, body_sm3) \
             VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(at)
        .bind(order_no)
        .bind(nonce)
        .bind(outcome)
        .bind(reason)
        .bind(body_sm3),
    )
    .await?;
    Ok(())
}

pub async fn recent_callbacks(db: &Db, limit: i64) -> Result<Vec<CallbackLogRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT id, received_at, order_no, nonce, outcome, reason, body_sm3 \
             FROM payment_callback_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit),
    )
    .await
}

// --- The local payment provider's books --------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocalPaymentRow {
    pub token: String,
    pub order_no: String,
    pub amount_fen: i64,
    pub description: String,
    pub status: String,
    pub trade_no: Option<String>,
    pub refunded_fen: i64,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

const LOCAL_PAYMENT_COLUMNS: &str = "token, order_no, amount_fen, description, status, trade_no, \
    refunded_fen, created_at, paid_at, closed_at";

/// Opens a payment session for an order once; a repeated request returns the first session.
pub async fn local_open_session(
    db: &Db,
    token: &str,
    order_no: &str,
    amount_fen: i64,
    description: &str,
    at: DateTime<Utc>,
) -> Result<LocalPaymentRow, StoreError> {
    db.execute(
        sql(
            "INSERT INTO local_payment_sessions (token, order_no, amount_fen, description, status, \
             created_at) VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (order_no) DO NOTHING",
        )
        .bind(token)
        .bind(order_no)
        .bind(amount_fen)
        .bind(description)
        .bind(at),
    )
    .await?;
    local_session_by_order(db, order_no)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn local_session(db: &Db, token: &str) -> Result<Option<LocalPaymentRow>, StoreError> {
    db.fetch_optional(
        sql_assembled(format!(
            "SELECT {LOCAL_PAYMENT_COLUMNS} FROM local_payment_sessions WHERE token = $1"
        ))
        .bind(token),
    )
    .await
}

pub async fn local_session_by_order(
    db: &Db,
    order_no: &str,
) -> Result<Option<LocalPaymentRow>, StoreError> {
    db.fetch_optional(
        sql_assembled(format!(
            "SELECT {LOCAL_PAYMENT_COLUMNS} FROM local_payment_sessions WHERE order_no = $1"
        ))
        .bind(order_no),
    )
    .await
}

pub async fn local_session_by_trade(
    db: &Db,
    trade_no: &str,
) -> Result<Option<LocalPaymentRow>, StoreError> {
    db.fetch_optional(
        sql_assembled(format!(
            "SELECT {LOCAL_PAYMENT_COLUMNS} FROM local_payment_sessions WHERE trade_no = $1"
        ))
        .bind(trade_no),
    )
    .await
}

/// pending → paid, and the notification the provider now owes, in one transaction. `false`
/// when the session was not pending.
pub async fn local_mark_paid(
    db: &Db,
    token: &str,
    trade_no: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let changed = tx
        .execute(
            sql(
                "UPDATE local_payment_sessions SET status = 'paid', trade_no = $2, paid_at = $3 \
                 WHERE token = $1 AND status = 'pending'",
            )
            .bind(token)
            .bind(trade_no)
            .bind(at),
        )
        .await?;
    if changed != 1 {
        return Ok(false);
    }
    tx.execute(
        sql(
            "INSERT INTO local_payment_notifications (trade_no, status, next_attempt_at) \
             VALUES ($1, 'pending', $2)",
        )
        .bind(trade_no)
        .bind(at),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// pending → closed; `false` when the session was not pending.
pub async fn local_close(db: &Db, order_no: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = db
        .execute(
            sql(
                "UPDATE local_payment_sessions SET status = 'closed', closed_at = $2 \
                 WHERE order_no = $1 AND status = 'pending'",
            )
            .bind(order_no)
            .bind(at),
        )
        .await?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocalRefundRow {
    pub refund_no: String,
    pub trade_no: String,
    pub amount_fen: i64,
    pub provider_refund_no: String,
    pub created_at: DateTime<Utc>,
}

/// Books a refund once per refund number; a repeated request returns the first booking.
/// `None` when it would refund more than was paid.
pub async fn local_refund(
    db: &Db,
    refund_no: &str,
    trade_no: &str,
    amount_fen: i64,
    provider_refund_no: &str,
    at: DateTime<Utc>,
) -> Result<Option<LocalRefundRow>, StoreError> {
    let mut tx = db.begin().await?;
    let existing: Option<LocalRefundRow> = tx
        .fetch_optional(
            sql(
                "SELECT refund_no, trade_no, amount_fen, provider_refund_no, created_at \
                 FROM local_payment_refunds WHERE refund_no = $1",
            )
            .bind(refund_no),
        )
        .await?;
    if let Some(existing) = existing {
        return Ok(Some(existing));
    }
    let changed = tx
        .execute(
            sql(
                "UPDATE local_payment_sessions SET refunded_fen = refunded_fen + $2 \
                 WHERE trade_no = $1 AND status = 'paid' AND refunded_fen + $2 <= amount_fen",
            )
            .bind(trade_no)
            .bind(amount_fen),
        )
        .await?;
    if changed != 1 {
        return Ok(None);
    }
    tx.execute(
        sql("INSERT INTO local_payment_refunds (refund_no, trade_no, amount_fen, provider_refund_no, \
             created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(refund_no)
        .bind(trade_no)
        .bind(amount_fen)
        .bind(provider_refund_no)
        .bind(at),
    )
    .await?;
    let row = tx
        .fetch_one(
            sql(
                "SELECT refund_no, trade_no, amount_fen, provider_refund_no, created_at \
                 FROM local_payment_refunds WHERE refund_no = $1",
            )
            .bind(refund_no),
        )
        .await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// The provider's statement of a period: sessions paid in `[from, to)` and refunds booked then.
pub async fn local_statement(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(Vec<LocalPaymentRow>, Vec<LocalRefundRow>), StoreError> {
    let paid = db
        .fetch_all(
            sql_assembled(format!(
                "SELECT {LOCAL_PAYMENT_COLUMNS} FROM local_payment_sessions \
                 WHERE paid_at >= $1 AND paid_at < $2 ORDER BY paid_at, token"
            ))
            .bind(from)
            .bind(to),
        )
        .await?;
    let refunds = db
        .fetch_all(
            sql(
                "SELECT refund_no, trade_no, amount_fen, provider_refund_no, created_at \
                 FROM local_payment_refunds WHERE created_at >= $1 AND created_at < $2 \
                 ORDER BY created_at, refund_no",
            )
            .bind(from)
            .bind(to),
        )
        .await?;
    Ok((paid, refunds))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocalNotificationRow {
    pub id: i64,
    pub trade_no: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Claims due notifications, pushing their next attempt past `lease`.
pub async fn local_claim_notifications(
    db: &Db,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<LocalNotificationRow>, StoreError> {
    let mut tx = db.begin().await?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut rows: Vec<LocalNotificationRow> = tx
        .fetch_all(
            sql_assembled(format!(
                "SELECT id, trade_no, status, attempts, next_attempt_at, last_error, delivered_at \
                 FROM local_payment_notifications WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY id LIMIT $2{lock}"
            ))
            .bind(now)
            .bind(limit),
        )
        .await?;
    for row in &mut rows {
        tx.execute(
            sql("UPDATE local_payment_notifications SET attempts = attempts + 1, next_attempt_at = $2 \
                 WHERE id = $1")
            .bind(row.id)
            .bind(now + lease),
        )
        .await?;
        row.attempts += 1;
    }
    tx.commit().await?;
    Ok(rows)
}

pub async fn local_notification(
    db: &Db,
    trade_no: &str,
) -> Result<Option<LocalNotificationRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT id, trade_no, status, attempts, next_attempt_at, last_error, delivered_at \
             FROM local_payment_notifications WHERE trade_no = $1",
        )
        .bind(trade_no),
    )
    .await
}

/// Records the outcome of one notification attempt: delivered, due again at `retry_at`, or
/// given up (`retry_at` is `None`).
pub async fn local_notification_outcome(
    db: &Db,
    id: i64,
    delivered: bool,
    error: Option<&str>,
    retry_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let query = if delivered {
        sql(
            "UPDATE local_payment_notifications SET status = 'delivered', delivered_at = $2, \
             last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(at)
    } else if let Some(retry_at) = retry_at {
        sql("UPDATE local_payment_notifications SET last_error = $2, next_attempt_at = $3 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(retry_at)
    } else {
        sql("UPDATE local_payment_notifications SET status = 'failed', last_error = $2 WHERE id = $1")
            .bind(id)
            .bind(error)
    };
    db.execute(query).await?;
    Ok(())
}

/// Orders by their numbers (reconciliation looks up what the provider reports).
pub async fn orders_by_numbers(
    db: &Db,
    order_nos: &[String],
) -> Result<Vec<PaymentOrderRow>, StoreError> {
    if order_nos.is_empty() {
        return Ok(Vec::new());
    }
    // One placeholder per number; the text is fixed fragments of this function.
    let mut text = format!("SELECT {ORDER_COLUMNS} FROM payment_orders WHERE order_no IN (");
    for (index, _) in order_nos.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("${}", index + 1));
    }
    text.push_str(") ORDER BY id");
    let mut query = sql_assembled(text);
    for order_no in order_nos {
        query = query.bind(order_no);
    }
    db.fetch_all(query).await
}
