//! 12345 hotline work orders: the orders, their assisting departments, the append-only timeline
//! of each, and the per-type time limits administrators changed.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Arg, Backend, Db, Tx, like_escape, sql, sql_assembled};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WorkOrderRow {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub content: String,
    pub requester_account_id: Option<i64>,
    pub requester_name: String,
    pub contact_phone: String,
    pub region_code: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub search_query: Option<String>,
    pub source_case_id: Option<i64>,
    pub source_case_number: Option<String>,
    pub source_event_id: Option<i64>,
    pub status: String,
    pub lead_department_id: Option<i64>,
    /// Joined from `departments`.
    pub lead_department_name: Option<String>,
    pub merged_into_id: Option<i64>,
    pub working_days: i64,
    pub accepted_on: NaiveDate,
    pub deadline: NaiveDate,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_by_name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_on: Option<NaiveDate>,
    pub close_note: Option<String>,
    pub callback_due: Option<NaiveDate>,
    pub satisfaction: Option<String>,
    pub callback_note: Option<String>,
    pub callback_at: Option<DateTime<Utc>>,
    pub callback_by_name: Option<String>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub reopen_count: i64,
    pub created_by_account_id: Option<i64>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: i64,
}

macro_rules! order_select {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, o.number, o.kind, o.channel, o.title, o.content, o.requester_account_id, \
             o.requester_name, o.contact_phone, o.region_code, o.item_code, o.item_name, \
             o.search_query, o.source_case_id, o.source_case_number, o.source_event_id, o.status, \
             o.lead_department_id, d.name AS lead_department_name, o.merged_into_id, \
             o.working_days, o.accepted_on, o.deadline, o.dispatched_at, o.reply, o.replied_at, \
             o.replied_by_name, o.closed_at, o.closed_on, o.close_note, o.callback_due, \
             o.satisfaction, o.callback_note, o.callback_at, o.callback_by_name, o.reminded_at, \
             o.escalated_at, o.reopen_count, o.created_by_account_id, o.created_by_name, \
             o.created_at, o.updated_at, o.revision \
             FROM work_orders o LEFT JOIN departments d ON d.id = o.lead_department_id",
            $tail
        )
    };
}

/// A new order; the number is given by [`insert_order`].
#[derive(Debug, Clone)]
pub struct NewWorkOrder {
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub content: String,
    pub requester_account_id: Option<i64>,
    pub requester_name: String,
    pub contact_phone: String,
    pub region_code: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub search_query: Option<String>,
    pub source_case_id: Option<i64>,
    pub source_case_number: Option<String>,
    pub source_event_id: Option<i64>,
    pub status: String,
    pub lead_department_id: Option<i64>,
    pub working_days: i64,
    pub accepted_on: NaiveDate,
    pub deadline: NaiveDate,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub created_by_account_id: Option<i64>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts an order and gives it its number (`prefix` + zero-padded id). Returns `None` when an
/// order was already made from the same `source_event_id` (nothing is written then).
pub async fn insert_order(
    tx: &mut Tx,
    new: NewWorkOrder,
    number_prefix: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    let placeholder = format!(
        "pending-{}-{}-{}",
        new.created_by_account_id.unwrap_or(0),
        new.source_event_id.unwrap_or(0),
        new.created_at.timestamp_micros()
    );
    let inserted: Option<(i64,)> = tx
        .fetch_optional(
            sql(
                "INSERT INTO work_orders (number, kind, channel, title, content, \
                 requester_account_id, requester_name, contact_phone, region_code, item_code, \
                 item_name, search_query, source_case_id, source_case_number, source_event_id, \
                 status, lead_department_id, working_days, accepted_on, deadline, dispatched_at, \
                 created_by_account_id, created_by_name, created_at, updated_at) VALUES ($1, $2, \
                 $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
                 $20, $21, $22, $23, $24, $24) ON CONFLICT (source_event_id) DO NOTHING \
                 RETURNING id",
            )
            .bind(placeholder)
            .bind(new.kind)
            .bind(new.channel)
            .bind(new.title)
            .bind(new.content)
            .bind(new.requester_account_id)
            .bind(new.requester_name)
            .bind(new.contact_phone)
            .bind(new.region_code)
            .bind(new.item_code)
            .bind(new.item_name)
            .bind(new.search_query)
            .bind(new.source_case_id)
            .bind(new.source_case_number)
            .bind(new.source_event_id)
            .bind(new.status)
            .bind(new.lead_department_id)
            .bind(new.working_days)
            .bind(new.accepted_on)
            .bind(new.deadline)
            .bind(new.dispatched_at)
            .bind(new.created_by_account_id)
            .bind(new.created_by_name)
            .bind(new.created_at),
        )
        .await?;
    let Some((id,)) = inserted else {
        return Ok(None);
    };
    let number = format!("{number_prefix}{id:06}");
    tx.execute(
        sql("UPDATE work_orders SET number = $2 WHERE id = $1")
            .bind(id)
            .bind(&number),
    )
    .await?;
    Ok(Some((id, number)))
}

pub async fn order(db: &Db, id: i64) -> Result<Option<WorkOrderRow>, StoreError> {
    db.fetch_optional(sql(order_select!(" WHERE o.id = $1")).bind(id))
        .await
}

pub async fn order_by_number(db: &Db, number: &str) -> Result<Option<WorkOrderRow>, StoreError> {
    db.fetch_optional(sql(order_select!(" WHERE o.number = $1")).bind(number))
        .await
}

pub async fn order_by_source_event(
    db: &Db,
    event_id: i64,
) -> Result<Option<WorkOrderRow>, StoreError> {
    db.fetch_optional(sql(order_select!(" WHERE o.source_event_id = $1")).bind(event_id))
        .await
}

/// Reads an order for changing it (its row locked on PostgreSQL until the transaction ends).
pub async fn order_for_update(tx: &mut Tx, id: i64) -> Result<Option<WorkOrderRow>, StoreError> {
    if tx.backend() == Backend::Postgres {
        // Lock the order's own row first; the joined department is only read.
        tx.execute(sql("SELECT id FROM work_orders WHERE id = $1 FOR UPDATE").bind(id))
            .await?;
    }
    tx.fetch_optional(sql(order_select!(" WHERE o.id = $1")).bind(id))
        .await
}

/// Orders merged into `lead_id` (重复诉求并单), oldest first.
pub async fn merged_into(tx: &mut Tx, lead_id: i64) -> Result<Vec<WorkOrderRow>, StoreError> {
    tx.fetch_all(sql(order_select!(" WHERE o.merged_into_id = $1 ORDER BY o.id")).bind(lead_id))
        .await
}

/// (id, number) of the orders merged into `lead_id`.
pub async fn merged_numbers(db: &Db, lead_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    db.fetch_all(
        sql("SELECT id, number FROM work_orders WHERE merged_into_id = $1 ORDER BY id")
            .bind(lead_id),
    )
    .await
}

/// Writes every changing field of `row` back, if nobody changed the order since it was read
/// (`revision`); returns whether it did.
pub async fn update_order(tx: &mut Tx, row: &WorkOrderRow) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql("UPDATE work_orders SET status = $3, lead_department_id = $4, merged_into_id = $5, \
                 working_days = $6, deadline = $7, dispatched_at = $8, reply = $9, replied_at = $10, \
                 replied_by_name = $11, closed_at = $12, closed_on = $13, close_note = $14, \
                 callback_due = $15, satisfaction = $16, callback_note = $17, callback_at = $18, \
                 callback_by_name = $19, reminded_at = $20, escalated_at = $21, reopen_count = $22, \
                 updated_at = $23, revision = revision + 1 WHERE id = $1 AND revision = $2")
            .bind(row.id)
            .bind(row.revision)
            .bind(&row.status)
            .bind(row.lead_department_id)
            .bind(row.merged_into_id)
            .bind(row.working_days)
            .bind(row.deadline)
            .bind(row.dispatched_at)
            .bind(row.reply.clone())
            .bind(row.replied_at)
            .bind(row.replied_by_name.clone())
            .bind(row.closed_at)
            .bind(row.closed_on)
            .bind(row.close_note.clone())
            .bind(row.callback_due)
            .bind(row.satisfaction.clone())
            .bind(row.callback_note.clone())
            .bind(row.callback_at)
            .bind(row.callback_by_name.clone())
            .bind(row.reminded_at)
            .bind(row.escalated_at)
            .bind(row.reopen_count)
            .bind(row.updated_at),
        )
        .await?;
    Ok(changed == 1)
}

// ---- assisting departments ----

/// Makes `departments` the assisting departments of the order.
pub async fn replace_assists(
    tx: &mut Tx,
    order_id: i64,
    departments: &[i64],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(sql("DELETE FROM work_order_assists WHERE order_id = $1").bind(order_id))
        .await?;
    for department in departments {
        tx.execute(
            sql(
                "INSERT INTO work_order_assists (order_id, department_id, assigned_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (order_id, department_id) DO NOTHING",
            )
            .bind(order_id)
            .bind(*department)
            .bind(at),
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AssistRow {
    pub department_id: i64,
    pub department_name: String,
}

pub async fn assists(db: &Db, order_id: i64) -> Result<Vec<AssistRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT a.department_id, d.name AS department_name FROM work_order_assists a \
             JOIN departments d ON d.id = a.department_id WHERE a.order_id = $1 \
             ORDER BY a.department_id",
        )
        .bind(order_id),
    )
    .await
}

pub async fn assists_tx(tx: &mut Tx, order_id: i64) -> Result<Vec<AssistRow>, StoreError> {
    tx.fetch_all(
        sql(
            "SELECT a.department_id, d.name AS department_name FROM work_order_assists a \
             JOIN departments d ON d.id = a.department_id WHERE a.order_id = $1 \
             ORDER BY a.department_id",
        )
        .bind(order_id),
    )
    .await
}

// ---- timeline ----

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrderEventRow {
    pub id: i64,
    pub order_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub department_id: Option<i64>,
    /// Joined from `departments`.
    pub department_name: Option<String>,
    pub note: Option<String>,
    pub public: bool,
    pub details: Json<Value>,
}

#[derive(Debug, Clone)]
pub struct NewOrderEvent {
    pub order_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub department_id: Option<i64>,
    pub note: Option<String>,
    pub public: bool,
    pub details: Value,
}

pub async fn insert_event(tx: &mut Tx, event: NewOrderEvent) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO work_order_events (order_id, at, actor_account_id, actor_name, \
                 actor_role, action, department_id, note, public, details) VALUES ($1, $2, $3, \
                 $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(event.order_id)
            .bind(event.at)
            .bind(event.actor_account_id)
            .bind(event.actor_name)
            .bind(event.actor_role)
            .bind(event.action)
            .bind(event.department_id)
            .bind(event.note)
            .bind(event.public)
            .bind(event.details),
        )
        .await?;
    Ok(id)
}

/// The timeline of an order, oldest first.
pub async fn events(db: &Db, order_id: i64) -> Result<Vec<OrderEventRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT e.id, e.order_id, e.at, e.actor_account_id, e.actor_name, e.actor_role, \
             e.action, e.department_id, d.name AS department_name, e.note, e.public, e.details \
             FROM work_order_events e LEFT JOIN departments d ON d.id = e.department_id \
             WHERE e.order_id = $1 ORDER BY e.id",
        )
        .bind(order_id),
    )
    .await
}

// ---- lists ----

/// Which orders a list may contain at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every order (the 12345 body, province overseers).
    All,
    /// The requester's own orders.
    Requester(i64),
    /// Orders a department leads or assists, and/or orders of a region (code prefix). Nothing
    /// when both are absent.
    Scoped {
        department_id: Option<i64>,
        region_prefix: Option<String>,
    },
}

/// Filters of order lists, combined with AND.
#[derive(Debug, Clone)]
pub struct WorkOrderFilter {
    pub visibility: Visibility,
    /// One of these statuses; any when empty.
    pub statuses: Vec<&'static str>,
    /// Only orders this department leads and that are being handled (its to-do list).
    pub handled_by: Option<i64>,
    pub kind: Option<String>,
    /// The number exactly, or part of the title.
    pub text: Option<String>,
    /// Being handled with a deadline before this date.
    pub overdue_on: Option<NaiveDate>,
}

impl WorkOrderFilter {
    pub fn new(visibility: Visibility) -> Self {
        WorkOrderFilter {
            visibility,
            statuses: Vec::new(),
            handled_by: None,
            kind: None,
            text: None,
            overdue_on: None,
        }
    }
}

/// A WHERE clause with numbered placeholders, built from fixed fragments only.
struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn arg(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }
}

fn where_clause(filter: &WorkOrderFilter) -> Where {
    let mut w = Where {
        clauses: Vec::new(),
        args: Vec::new(),
    };
    match &filter.visibility {
        Visibility::All => {}
        Visibility::Requester(id) => {
            let p = w.arg(*id);
            w.clauses.push(format!("o.requester_account_id = {p}"));
        }
        Visibility::Scoped {
            department_id,
            region_prefix,
        } => {
            let mut any = Vec::new();
            if let Some(department) = department_id {
                let a = w.arg(*department);
                let b = w.arg(*department);
                any.push(format!(
                    "o.lead_department_id = {a} OR o.id IN (SELECT order_id FROM \
                     work_order_assists WHERE department_id = {b})"
                ));
            }
            if let Some(prefix) = region_prefix {
                let p = w.arg(format!("{}%", like_escape(prefix)));
                any.push(format!("o.region_code LIKE {p} ESCAPE '\\'"));
            }
            if any.is_empty() {
                w.clauses.push("1 = 0".to_owned());
            } else {
                w.clauses.push(format!("({})", any.join(" OR ")));
            }
        }
    }
    if !filter.statuses.is_empty() {
        let placeholders: Vec<String> = filter.statuses.iter().map(|s| w.arg(*s)).collect();
        w.clauses
            .push(format!("o.status IN ({})", placeholders.join(", ")));
    }
    if let Some(department) = filter.handled_by {
        let a = w.arg(department);
        let b = w.arg(department);
        w.clauses.push(format!(
            "o.status = 'dispatched' AND (o.lead_department_id = {a} OR o.id IN (SELECT \
             order_id FROM work_order_assists WHERE department_id = {b}))"
        ));
    }
    if let Some(kind) = &filter.kind {
        let p = w.arg(kind.as_str());
        w.clauses.push(format!("o.kind = {p}"));
    }
    if let Some(text) = &filter.text {
        let a = w.arg(text.as_str());
        let b = w.arg(format!("%{}%", like_escape(text)));
        w.clauses
            .push(format!("(o.number = {a} OR o.title LIKE {b} ESCAPE '\\')"));
    }
    if let Some(today) = filter.overdue_on {
        let p = w.arg(today);
        w.clauses.push(format!(
            "o.status IN ('pending', 'dispatched', 'returned') AND o.deadline < {p}"
        ));
    }
    w
}

/// Orders, those being handled first by deadline, then the others newest first; and the total.
pub async fn list_orders(
    db: &Db,
    filter: &WorkOrderFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<WorkOrderRow>), StoreError> {
    let mut w = where_clause(filter);
    let condition = if w.clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.clauses.join(" AND "))
    };
    let mut count = sql_assembled(format!("SELECT COUNT(*) FROM work_orders o{condition}"));
    for arg in &w.args {
        count = count.bind(arg.clone());
    }
    let (total,): (i64,) = db.fetch_one(count).await?;
    let limit_p = w.arg(limit);
    let offset_p = w.arg(offset);
    let mut query = sql_assembled(format!(
        "{}{condition} ORDER BY CASE WHEN o.status IN ('pending', 'dispatched', 'returned', \
         'replied', 'closed') THEN 0 ELSE 1 END, CASE WHEN o.status IN ('pending', 'dispatched', \
         'returned') THEN o.deadline END, o.updated_at DESC, o.id DESC LIMIT {limit_p} OFFSET \
         {offset_p}",
        order_select!("")
    ));
    for arg in w.args {
        query = query.bind(arg);
    }
    let rows = db.fetch_all(query).await?;
    Ok((total, rows))
}

/// Orders being handled whose deadline passed before `today` and that were not escalated yet:
/// the reminder job's work.
pub async fn overdue_candidates(
    db: &Db,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<WorkOrderRow>, StoreError> {
    db.fetch_all(
        sql(order_select!(
            " WHERE o.status IN ('pending', 'dispatched', 'returned') AND o.deadline < $1 \
             AND o.escalated_at IS NULL ORDER BY o.deadline, o.id LIMIT $2"
        ))
        .bind(today)
        .bind(limit),
    )
    .await
}

// ---- time limits ----

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TimeLimitRow {
    pub kind: String,
    pub working_days: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub async fn time_limits(db: &Db) -> Result<Vec<TimeLimitRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT kind, working_days, updated_at, updated_by FROM work_order_time_limits ORDER BY kind",
    ))
    .await
}

pub async fn set_time_limit(
    tx: &mut Tx,
    kind: &str,
    working_days: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    tx.execute(
        sql("INSERT INTO work_order_time_limits (kind, working_days, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (kind) DO UPDATE SET working_days = \
             excluded.working_days, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
        .bind(kind)
        .bind(working_days)
        .bind(at)
        .bind(by),
    )
    .await?;
    Ok(())
}
