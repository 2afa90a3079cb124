//! The 未办成事 desk: requests that could not be done, their follow-up owner and deadline, and
//! the append-only trail of what happened to each.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Backend, Conditions, Db, Tx, like_escape, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnresolvedRow {
    pub id: i64,
    pub number: String,
    pub region_code: String,
    pub recorded_by_account_id: i64,
    pub recorded_by_name: String,
    pub person_name: String,
    pub person_phone: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub request: String,
    pub reasons: Json<Vec<String>>,
    pub reason_note: Option<String>,
    pub owner_account_id: i64,
    pub owner_name: String,
    pub working_days: i64,
    pub recorded_on: NaiveDate,
    pub deadline: NaiveDate,
    pub status: String,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: i64,
}

macro_rules! unresolved_columns {
    () => {
        "u.id, u.number, u.region_code, u.recorded_by_account_id, u.recorded_by_name, u.person_name, \
         u.person_phone, u.item_code, u.item_name, u.request, u.reasons, u.reason_note, \
         u.owner_account_id, u.owner_name, u.working_days, u.recorded_on, u.deadline, u.status, \
         u.resolution, u.closed_at, u.closed_on, u.created_at, u.updated_at, u.revision"
    };
}

#[derive(Debug, Clone)]
pub struct NewUnresolved {
    pub region_code: String,
    pub recorded_by_account_id: i64,
    pub recorded_by_name: String,
    pub person_name: String,
    pub person_phone: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub request: String,
    pub reasons: Vec<String>,
    pub reason_note: Option<String>,
    pub owner_account_id: i64,
    pub owner_name: String,
    pub working_days: i64,
    pub recorded_on: NaiveDate,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// Inserts a request and gives it its number (`prefix` + zero-padded id); returns (id, number).
pub async fn insert_unresolved(
    tx: &mut Tx,
    new: NewUnresolved,
    number_prefix: &str,
) -> Result<(i64, String), StoreError> {
    let placeholder = format!(
        "pending-{}-{}",
        new.recorded_by_account_id,
        new.created_at.timestamp_micros()
    );
    let reasons =
        serde_json::to_value(&new.reasons).map_err(|e| StoreError::corrupt("reasons", e))?;
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO unresolved_requests (number, region_code, recorded_by_account_id, \
                 recorded_by_name, person_name, person_phone, item_code, item_name, request, reasons, \
                 reason_note, owner_account_id, owner_name, working_days, recorded_on, deadline, status, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, 'open', $17, $17) RETURNING id")
            .bind(placeholder)
            .bind(new.region_code)
            .bind(new.recorded_by_account_id)
            .bind(new.recorded_by_name)
            .bind(new.person_name)
            .bind(new.person_phone)
            .bind(new.item_code)
            .bind(new.item_name)
            .bind(new.request)
            .bind(reasons)
            .bind(new.reason_note)
            .bind(new.owner_account_id)
            .bind(new.owner_name)
            .bind(new.working_days)
            .bind(new.recorded_on)
            .bind(new.deadline)
            .bind(new.created_at),
        )
        .await?;
    let number = format!("{number_prefix}{id:06}");
    tx.execute(
        sql("UPDATE unresolved_requests SET number = $2 WHERE id = $1")
            .bind(id)
            .bind(&number),
    )
    .await?;
    Ok((id, number))
}

pub async fn unresolved(db: &Db, id: i64) -> Result<Option<UnresolvedRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            unresolved_columns!(),
            " FROM unresolved_requests u WHERE u.id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Reads a request for changing it (locked on PostgreSQL until the transaction ends).
pub async fn unresolved_for_update(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<UnresolvedRow>, StoreError> {
    let query = match tx.backend() {
        Backend::Postgres => sql(concat!(
            "SELECT ",
            unresolved_columns!(),
            " FROM unresolved_requests u WHERE u.id = $1 FOR UPDATE"
        )),
        Backend::Sqlite => sql(concat!(
            "SELECT ",
            unresolved_columns!(),
            " FROM unresolved_requests u WHERE u.id = $1"
        )),
    };
    tx.fetch_optional(query.bind(id)).await
}

/// Filters of request lists, combined with AND; `visible_to` widens nothing, it narrows to the
/// requests an account recorded or owns.
#[derive(Debug, Clone, Default)]
pub struct UnresolvedFilter {
    /// In this region or below it (code prefix).
    pub region_prefix: Option<String>,
    pub owner_account_id: Option<i64>,
    /// Recorded or owned by this account.
    pub involving_account_id: Option<i64>,
    pub status: Option<String>,
    /// Open with a deadline before this date.
    pub overdue_on: Option<NaiveDate>,
}

/// Requests, open ones first by deadline, then closed ones newest first; and the total.
pub async fn list_unresolved(
    db: &Db,
    filter: &UnresolvedFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<UnresolvedRow>), StoreError> {
    let mut conditions = Conditions::new();
    if let Some(prefix) = &filter.region_prefix {
        conditions.add(
            "u.region_code LIKE ? ESCAPE '\\'",
            format!("{}%", like_escape(prefix)),
        );
    }
    if let Some(id) = filter.owner_account_id {
        conditions.add("u.owner_account_id = ?", id);
    }
    if let Some(id) = filter.involving_account_id {
        conditions.add(
            "(u.owner_account_id = ? OR u.recorded_by_account_id = ?)",
            id,
        );
    }
    if let Some(status) = &filter.status {
        conditions.add("u.status = ?", status);
    }
    if let Some(today) = filter.overdue_on {
        conditions.add("(u.status = 'open' AND u.deadline < ?)", today);
    }
    let (total,): (i64,) = db
        .fetch_one(conditions.query("SELECT COUNT(*) FROM unresolved_requests u", ""))
        .await?;
    let next = conditions.next_placeholder();
    let tail = format!(
        " ORDER BY CASE WHEN u.status = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN u.status = 'open' THEN u.deadline END, u.updated_at DESC, u.id DESC \
         LIMIT ${next} OFFSET ${}",
        next + 1
    );
    let rows = db
        .fetch_all(
            conditions
                .query(
                    concat!(
                        "SELECT ",
                        unresolved_columns!(),
                        " FROM unresolved_requests u"
                    ),
                    &tail,
                )
                .bind(limit)
                .bind(offset),
        )
        .await?;
    Ok((total, rows))
}

/// A new owner and deadline.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub owner_account_id: i64,
    pub owner_name: String,
    pub working_days: i64,
    pub deadline: NaiveDate,
    pub at: DateTime<Utc>,
}

/// Gives a request to another owner with a new deadline, if it is still open at `revision`.
pub async fn assign_unresolved(
    tx: &mut Tx,
    id: i64,
    revision: i64,
    assignment: Assignment,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql("UPDATE unresolved_requests SET owner_account_id = $3, owner_name = $4, working_days = $5, \
                 deadline = $6, updated_at = $7, revision = revision + 1 \
                 WHERE id = $1 AND revision = $2 AND status = 'open'")
            .bind(id)
            .bind(revision)
            .bind(assignment.owner_account_id)
            .bind(assignment.owner_name)
            .bind(assignment.working_days)
            .bind(assignment.deadline)
            .bind(assignment.at),
        )
        .await?;
    Ok(changed == 1)
}

/// Closes a request with its resolution, if it is still open at `revision`.
pub async fn close_unresolved(
    tx: &mut Tx,
    id: i64,
    revision: i64,
    resolution: &str,
    at: DateTime<Utc>,
    on: NaiveDate,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql("UPDATE unresolved_requests SET status = 'closed', resolution = $3, closed_at = $4, \
                 closed_on = $5, updated_at = $4, revision = revision + 1 \
                 WHERE id = $1 AND revision = $2 AND status = 'open'")
            .bind(id)
            .bind(revision)
            .bind(resolution)
            .bind(at)
            .bind(on),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn touch_unresolved(
    tx: &mut Tx,
    id: i64,
    revision: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE unresolved_requests SET updated_at = $3, revision = revision + 1 \
                 WHERE id = $1 AND revision = $2",
            )
            .bind(id)
            .bind(revision)
            .bind(at),
        )
        .await?;
    Ok(changed == 1)
}

// ---- the trail ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnresolvedUpdateRow {
    pub id: i64,
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: i64,
    pub actor_name: String,
    pub kind: String,
    pub note: String,
}

pub async fn insert_update(
    tx: &mut Tx,
    request_id: i64,
    at: DateTime<Utc>,
    actor_account_id: i64,
    actor_name: &str,
    kind: &str,
    note: &str,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO unresolved_updates (request_id, at, actor_account_id, actor_name, kind, note) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(request_id)
            .bind(at)
            .bind(actor_account_id)
            .bind(actor_name)
            .bind(kind)
            .bind(note),
        )
        .await?;
    Ok(id)
}

pub async fn updates(db: &Db, request_id: i64) -> Result<Vec<UnresolvedUpdateRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, request_id, at, actor_account_id, actor_name, kind, note FROM unresolved_updates \
             WHERE request_id = $1 ORDER BY id")
        .bind(request_id),
    )
    .await
}
