//! Delivery of case results: one delivery per case, its append-only events, and the local
//! courier's waybills.

use chrono::{DateTime, Duration, Utc};

use crate::StoreError;
use crate::db::{Backend, Db, Tx, sql, sql_assembled};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub case_id: i64,
    pub method: String,
    pub status: String,
    pub recipient_name: Option<String>,
    pub recipient_phone: Option<String>,
    pub region_code: Option<String>,
    pub address_detail: Option<String>,
    pub postal_code: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_action_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str = "id, case_id, method, status, recipient_name, recipient_phone, \
    region_code, address_detail, postal_code, courier, tracking_number, ready_at, dispatched_at, \
    delivered_at, next_action_at, attempts, last_error, created_at, updated_at";

/// The choice of an applicant: how, and for mail where to.
#[derive(Debug, Clone, Default)]
pub struct DeliveryChoiceRow<'a> {
    pub method: &'a str,
    pub recipient_name: Option<&'a str>,
    pub recipient_phone: Option<&'a str>,
    pub region_code: Option<&'a str>,
    pub address_detail: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

/// Creates the case's delivery, or replaces the choice of one that has not started; returns
/// the id, or `None` when the existing delivery is already under way.
pub async fn upsert_choice(
    tx: &mut Tx,
    case_id: i64,
    choice: &DeliveryChoiceRow<'_>,
    at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let existing = delivery_for_case_tx(tx, case_id).await?;
    match existing {
        None => {
            let (id,): (i64,) = tx
                .fetch_one(
                    sql(
                        "INSERT INTO deliveries (case_id, method, status, recipient_name, \
                         recipient_phone, region_code, address_detail, postal_code, created_at, \
                         updated_at) VALUES ($1, $2, 'created', $3, $4, $5, $6, $7, $8, $8) \
                         RETURNING id",
                    )
                    .bind(case_id)
                    .bind(choice.method)
                    .bind(choice.recipient_name)
                    .bind(choice.recipient_phone)
                    .bind(choice.region_code)
                    .bind(choice.address_detail)
                    .bind(choice.postal_code)
                    .bind(at),
                )
                .await?;
            Ok(Some(id))
        }
        Some(row) if row.status == "created" && row.ready_at.is_none() => {
            tx.execute(
                sql(
                    "UPDATE deliveries SET method = $2, recipient_name = $3, recipient_phone = $4, \
                     region_code = $5, address_detail = $6, postal_code = $7, updated_at = $8 \
                     WHERE id = $1",
                )
                .bind(row.id)
                .bind(choice.method)
                .bind(choice.recipient_name)
                .bind(choice.recipient_phone)
                .bind(choice.region_code)
                .bind(choice.address_detail)
                .bind(choice.postal_code)
                .bind(at),
            )
            .await?;
            Ok(Some(row.id))
        }
        Some(_) => Ok(None),
    }
}

pub async fn delivery_for_case(db: &Db, case_id: i64) -> Result<Option<DeliveryRow>, StoreError> {
    db.fetch_optional(
        sql_assembled(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE case_id = $1"
        ))
        .bind(case_id),
    )
    .await
}

/// The case's delivery, locked for the transaction on PostgreSQL.
pub async fn delivery_for_case_tx(
    tx: &mut Tx,
    case_id: i64,
) -> Result<Option<DeliveryRow>, StoreError> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE case_id = $1{lock}"
        ))
        .bind(case_id),
    )
    .await
}

pub async fn delivery_tx(tx: &mut Tx, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    tx.fetch_optional(
        sql_assembled(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1{lock}"
        ))
        .bind(id),
    )
    .await
}

/// The result is ready: mail goes to the tracker at once (`next_action_at`).
pub async fn mark_ready(
    tx: &mut Tx,
    id: i64,
    next_action_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE deliveries SET ready_at = $2, next_action_at = $3, updated_at = $2 \
             WHERE id = $1 AND ready_at IS NULL",
        )
        .bind(id)
        .bind(at)
        .bind(next_action_at),
    )
    .await?;
    Ok(())
}

/// Moves a delivery to `status`; final statuses stop the tracker.
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    next_action_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let delivered_at = (status == "delivered").then_some(at);
    tx.execute(
        sql("UPDATE deliveries SET status = $2, next_action_at = $3, \
             delivered_at = COALESCE($4, delivered_at), updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(next_action_at)
        .bind(delivered_at)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// The courier accepted the shipment.
pub async fn set_waybill(
    tx: &mut Tx,
    id: i64,
    courier: &str,
    tracking_number: &str,
    next_action_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE deliveries SET courier = $2, tracking_number = $3, dispatched_at = $5, \
             next_action_at = $4, last_error = NULL, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(courier)
        .bind(tracking_number)
        .bind(next_action_at)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// A courier call failed: try again at `retry_at`.
pub async fn record_failure(
    db: &Db,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql("UPDATE deliveries SET last_error = $2, next_action_at = $3, updated_at = $4 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .bind(at),
    )
    .await?;
    Ok(())
}

/// Claims deliveries whose next step is due (creating the waybill, or polling the courier),
/// counting an attempt and pushing the next step past `lease`.
pub async fn claim_due(
    db: &Db,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let mut tx = db.begin().await?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut rows: Vec<DeliveryRow> = tx
        .fetch_all(
            sql_assembled(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries \
                 WHERE next_action_at IS NOT NULL AND next_action_at <= $1 \
                 ORDER BY next_action_at, id LIMIT $2{lock}"
            ))
            .bind(now)
            .bind(limit),
        )
        .await?;
    for row in &mut rows {
        tx.execute(
            sql("UPDATE deliveries SET attempts = attempts + 1, next_action_at = $2 WHERE id = $1")
                .bind(row.id)
                .bind(now + lease),
        )
        .await?;
        row.attempts += 1;
    }
    tx.commit().await?;
    Ok(rows)
}

/// Deliveries per status (for metrics and operators).
pub async fn count_by_status(db: &Db) -> Result<Vec<(String, i64)>, StoreError> {
    db.fetch_all(sql(
        "SELECT status, CAST(COUNT(*) AS BIGINT) FROM deliveries GROUP BY status ORDER BY status",
    ))
    .await
}

// --- Events ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryEventRow {
    pub id: i64,
    pub delivery_id: i64,
    pub at: DateTime<Utc>,
    pub status: String,
    pub description: String,
    pub location: Option<String>,
    pub source: String,
    pub external_id: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewDeliveryEvent<'a> {
    pub at: DateTime<Utc>,
    pub status: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    /// `platform` or `courier`.
    pub source: &'a str,
    /// The courier's id of the event: the same event is recorded once.
    pub external_id: Option<&'a str>,
}

/// Appends an event; `false` when the courier event was recorded before.
pub async fn append_event(
    tx: &mut Tx,
    delivery_id: i64,
    event: &NewDeliveryEvent<'_>,
    recorded_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = tx
        .execute(
            sql("INSERT INTO delivery_events (delivery_id, at, status, description, location, source, \
                 external_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (delivery_id, external_id) DO NOTHING")
            .bind(delivery_id)
            .bind(event.at)
            .bind(event.status)
            .bind(event.description)
            .bind(event.location)
            .bind(event.source)
            .bind(event.external_id)
            .bind(recorded_at),
        )
        .await?;
    Ok(inserted == 1)
}

pub async fn events(db: &Db, delivery_id: i64) -> Result<Vec<DeliveryEventRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT id, delivery_id, at, status, description, location, source, external_id, \
             recorded_at FROM delivery_events WHERE delivery_id = $1 ORDER BY at, id",
        )
        .bind(delivery_id),
    )
    .await
}

// --- The local courier's books -----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WaybillRow {
    pub tracking_number: String,
    pub client_ref: String,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub address: String,
    pub destination: String,
    pub scenario: String,
    pub created_at: DateTime<Utc>,
}

/// Creates a waybill once per client reference; a repeated request returns the first one.
pub async fn create_waybill(db: &Db, row: &WaybillRow) -> Result<WaybillRow, StoreError> {
    db.execute(
        sql(
            "INSERT INTO local_courier_waybills (tracking_number, client_ref, recipient_name, \
             recipient_phone, address, destination, scenario, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_ref) DO NOTHING",
        )
        .bind(&row.tracking_number)
        .bind(&row.client_ref)
        .bind(&row.recipient_name)
        .bind(&row.recipient_phone)
        .bind(&row.address)
        .bind(&row.destination)
        .bind(&row.scenario)
        .bind(row.created_at),
    )
    .await?;
    db.fetch_one(
        sql(
            "SELECT tracking_number, client_ref, recipient_name, recipient_phone, address, \
             destination, scenario, created_at FROM local_courier_waybills WHERE client_ref = $1",
        )
        .bind(&row.client_ref),
    )
    .await
}

pub async fn waybill(db: &Db, tracking_number: &str) -> Result<Option<WaybillRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT tracking_number, client_ref, recipient_name, recipient_phone, address, \
             destination, scenario, created_at FROM local_courier_waybills WHERE tracking_number = $1")
        .bind(tracking_number),
    )
    .await
}
