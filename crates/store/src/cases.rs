//! Cases (办件): the case row, its materials, its append-only timeline, stored files and
//! idempotency keys.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::batch::insert_rows;
use crate::db::{Arg, Backend, Conditions, Db, Tx, like_escape, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub implementation_code: String,
    pub handling_region_code: String,
    pub handling_department_id: i64,
    pub filing_region_code: String,
    pub channel: String,
    pub applicant_account_id: i64,
    pub applicant_kind: String,
    pub applicant_name: String,
    pub applicant_id_type: String,
    pub applicant_id_number: String,
    pub contact_phone: String,
    pub filed_by_account_id: i64,
    pub workflow_code: String,
    pub workflow_version: i64,
    pub state: String,
    pub outcome: Option<String>,
    pub form: Json<Value>,
    pub clock: Json<Value>,
    pub deadline: Option<NaiveDate>,
    pub delivery_method: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub revision: i64,
}

macro_rules! case_columns {
    () => {
        "c.id, c.number, c.item_code, c.item_version, c.item_name, c.implementation_code, \
         c.handling_region_code, c.handling_department_id, c.filing_region_code, c.channel, \
         c.applicant_account_id, c.applicant_kind, c.applicant_name, c.applicant_id_type, \
         c.applicant_id_number, c.contact_phone, c.filed_by_account_id, c.workflow_code, \
         c.workflow_version, c.state, c.outcome, c.form, c.clock, c.deadline, c.delivery_method, \
         c.created_at, c.submitted_at, c.completed_at, c.updated_at, c.revision"
    };
}

/// A new case; the number is derived from the id once it is known.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub implementation_code: String,
    pub handling_region_code: String,
    pub handling_department_id: i64,
    pub filing_region_code: String,
    pub channel: String,
    pub applicant_account_id: i64,
    pub applicant_kind: String,
    pub applicant_name: String,
    pub applicant_id_type: String,
    pub applicant_id_number: String,
    pub contact_phone: String,
    pub filed_by_account_id: i64,
    pub workflow_code: String,
    pub workflow_version: i64,
    pub state: String,
    pub form: Value,
    pub clock: Value,
    pub delivery_method: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Inserts a case and gives it its number (`prefix` + zero-padded id); returns (id, number).
pub async fn insert_case(
    tx: &mut Tx,
    case: NewCase,
    number_prefix: &str,
) -> Result<(i64, String), StoreError> {
    // A unique placeholder until the id is known.
    let placeholder = format!(
        "pending-{}-{}",
        case.applicant_account_id,
        case.created_at.timestamp_micros()
    );
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO cases (number, item_code, item_version, item_name, implementation_code, \
                 handling_region_code, handling_department_id, filing_region_code, channel, \
                 applicant_account_id, applicant_kind, applicant_name, applicant_id_type, applicant_id_number, \
                 contact_phone, filed_by_account_id, workflow_code, workflow_version, state, form, clock, \
                 delivery_method, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                 $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23) RETURNING id")
            .bind(placeholder)
            .bind(case.item_code)
            .bind(case.item_version)
            .bind(case.item_name)
            .bind(case.implementation_code)
            .bind(case.handling_region_code)
            .bind(case.handling_department_id)
            .bind(case.filing_region_code)
            .bind(case.channel)
            .bind(case.applicant_account_id)
            .bind(case.applicant_kind)
            .bind(case.applicant_name)
            .bind(case.applicant_id_type)
            .bind(case.applicant_id_number)
            .bind(case.contact_phone)
            .bind(case.filed_by_account_id)
            .bind(case.workflow_code)
            .bind(case.workflow_version)
            .bind(case.state)
            .bind(case.form)
            .bind(case.clock)
            .bind(case.delivery_method)
            .bind(case.created_at),
        )
        .await?;
    let number = format!("{number_prefix}{id:08}");
    tx.execute(
        sql("UPDATE cases SET number = $2 WHERE id = $1")
            .bind(id)
            .bind(&number),
    )
    .await?;
    Ok((id, number))
}

pub async fn case(db: &Db, id: i64) -> Result<Option<CaseRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            case_columns!(),
            " FROM cases c WHERE c.id = $1"
        ))
        .bind(id),
    )
    .await
}

pub async fn case_by_number(db: &Db, number: &str) -> Result<Option<CaseRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            case_columns!(),
            " FROM cases c WHERE c.number = $1"
        ))
        .bind(number),
    )
    .await
}

/// Reads a case for changing it: on PostgreSQL the row stays locked until the transaction ends
/// (SQLite's IMMEDIATE transaction already serialises writers).
pub async fn case_for_update(tx: &mut Tx, id: i64) -> Result<Option<CaseRow>, StoreError> {
    let query = match tx.backend() {
        Backend::Postgres => sql(concat!(
            "SELECT ",
            case_columns!(),
            " FROM cases c WHERE c.id = $1 FOR UPDATE"
        )),
        Backend::Sqlite => sql(concat!(
            "SELECT ",
            case_columns!(),
            " FROM cases c WHERE c.id = $1"
        )),
    };
    tx.fetch_optional(query.bind(id)).await
}

/// What an action changes on the case row.
#[derive(Debug, Clone)]
pub struct CaseUpdate {
    pub state: String,
    pub outcome: Option<String>,
    pub clock: Value,
    pub deadline: Option<NaiveDate>,
    pub form: Value,
    pub handling_department_id: i64,
    pub handling_region_code: String,
    pub implementation_code: String,
    pub delivery_method: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Applies an update if the case is still at `revision` (optimistic concurrency); false when
/// someone else changed it first.
pub async fn update_case(
    tx: &mut Tx,
    id: i64,
    revision: i64,
    update: CaseUpdate,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql("UPDATE cases SET state = $3, outcome = $4, clock = $5, deadline = $6, form = $7, \
                 handling_department_id = $8, handling_region_code = $9, implementation_code = $10, \
                 delivery_method = $11, submitted_at = $12, completed_at = $13, updated_at = $14, \
                 revision = revision + 1 WHERE id = $1 AND revision = $2")
            .bind(id)
            .bind(revision)
            .bind(update.state)
            .bind(update.outcome)
            .bind(update.clock)
            .bind(update.deadline)
            .bind(update.form)
            .bind(update.handling_department_id)
            .bind(update.handling_region_code)
            .bind(update.implementation_code)
            .bind(update.delivery_method)
            .bind(update.submitted_at)
            .bind(update.completed_at)
            .bind(update.updated_at),
        )
        .await?;
    Ok(changed == 1)
}

/// Filters of case lists; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub applicant_account_id: Option<i64>,
    pub filed_by_account_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Handled in this region or below it (code prefix).
    pub region_prefix: Option<String>,
    pub filing_region_prefix: Option<String>,
    pub states: Vec<String>,
    pub exclude_states: Vec<String>,
    pub channel: Option<String>,
    pub item_code: Option<String>,
    /// Number, item name or applicant name contains this.
    pub text: Option<String>,
    pub deadline_before: Option<NaiveDate>,
}

fn conditions_of(filter: &CaseFilter) -> Conditions {
    let mut conditions = Conditions::new();
    if let Some(id) = filter.applicant_account_id {
        conditions.add("c.applicant_account_id = ?", id);
    }
    if let Some(id) = filter.filed_by_account_id {
        conditions.add("c.filed_by_account_id = ?", id);
    }
    if let Some(id) = filter.department_id {
        conditions.add("c.handling_department_id = ?", id);
    }
    if let Some(prefix) = &filter.region_prefix {
        conditions.add(
            "c.handling_region_code LIKE ? ESCAPE '\\'",
            format!("{}%", like_escape(prefix)),
        );
    }
    if let Some(prefix) = &filter.filing_region_prefix {
        conditions.add(
            "c.filing_region_code LIKE ? ESCAPE '\\'",
            format!("{}%", like_escape(prefix)),
        );
    }
    // States are few; one placeholder per state keeps the text literal-only.
    for (index, state) in filter.states.iter().enumerate() {
        let fragment = if filter.states.len() == 1 {
            "c.state = ?"
        } else if index == 0 {
            "(c.state = ?"
        } else if index + 1 == filter.states.len() {
            "OR c.state = ?)"
        } else {
            "OR c.state = ?"
        };
        conditions.add_joined(fragment, state, index > 0);
    }
    for state in &filter.exclude_states {
        conditions.add("c.state <> ?", state);
    }
    if let Some(channel) = &filter.channel {
        conditions.add("c.channel = ?", channel);
    }
    if let Some(item) = &filter.item_code {
        conditions.add("c.item_code = ?", item);
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!("%{}%", like_escape(text));
        conditions.add(
            "(c.number LIKE ? ESCAPE '\\' OR c.item_name LIKE ? ESCAPE '\\' OR c.applicant_name LIKE ? ESCAPE '\\')",
            Arg::from(pattern),
        );
    }
    if let Some(date) = filter.deadline_before {
        conditions.add("c.deadline <= ?", date);
    }
    conditions
}

/// One page of cases, most urgent first (earliest deadline, then newest), and the total.
pub async fn list_cases(
    db: &Db,
    filter: &CaseFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<CaseRow>), StoreError> {
    let conditions = conditions_of(filter);
    let (total,): (i64,) = db
        .fetch_one(conditions.query("SELECT COUNT(*) FROM cases c", ""))
        .await?;
    let next = conditions.next_placeholder();
    let tail = format!(
        " ORDER BY CASE WHEN c.deadline IS NULL THEN 1 ELSE 0 END, c.deadline, c.updated_at DESC, c.id DESC \
         LIMIT ${next} OFFSET ${}",
        next + 1
    );
    let rows = db
        .fetch_all(
            conditions
                .query(concat!("SELECT ", case_columns!(), " FROM cases c"), &tail)
                .bind(limit)
                .bind(offset),
        )
        .await?;
    Ok((total, rows))
}

// ---- materials ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRow {
    pub id: i64,
    pub case_id: i64,
    pub position: i64,
    pub name: String,
    pub required: bool,
    pub status: String,
    pub exemption: Option<String>,
    pub object_key: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub uploaded_by: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewMaterial {
    pub position: i64,
    pub name: String,
    pub required: bool,
    pub status: String,
    pub exemption: Option<String>,
}

pub async fn insert_materials(
    tx: &mut Tx,
    case_id: i64,
    materials: Vec<NewMaterial>,
) -> Result<u64, StoreError> {
    let rows = materials
        .into_iter()
        .map(|m| {
            vec![
                Arg::from(case_id),
                m.position.into(),
                m.name.into(),
                m.required.into(),
                m.status.into(),
                m.exemption.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO case_materials (case_id, position, name, required, status, exemption) VALUES",
        "",
        rows,
    )
    .await
}

pub async fn materials(db: &Db, case_id: i64) -> Result<Vec<MaterialRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, case_id, position, name, required, status, exemption, object_key, file_name, content_type, \
             size_bytes, uploaded_at, uploaded_by FROM case_materials WHERE case_id = $1 ORDER BY position")
        .bind(case_id),
    )
    .await
}

pub async fn materials_tx(tx: &mut Tx, case_id: i64) -> Result<Vec<MaterialRow>, StoreError> {
    tx.fetch_all(
        sql("SELECT id, case_id, position, name, required, status, exemption, object_key, file_name, content_type, \
             size_bytes, uploaded_at, uploaded_by FROM case_materials WHERE case_id = $1 ORDER BY position")
        .bind(case_id),
    )
    .await
}

/// Attaches a stored file to a material.
#[derive(Debug, Clone)]
pub struct MaterialUpload<'a> {
    pub object_key: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: i64,
}

pub async fn attach_material(
    tx: &mut Tx,
    case_id: i64,
    position: i64,
    upload: MaterialUpload<'_>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql("UPDATE case_materials SET object_key = $3, file_name = $4, content_type = $5, size_bytes = $6, \
                 uploaded_at = $7, uploaded_by = $8, status = 'uploaded' WHERE case_id = $1 AND position = $2")
            .bind(case_id)
            .bind(position)
            .bind(upload.object_key)
            .bind(upload.file_name)
            .bind(upload.content_type)
            .bind(upload.size_bytes)
            .bind(upload.uploaded_at)
            .bind(upload.uploaded_by),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn set_material_status(
    tx: &mut Tx,
    case_id: i64,
    position: i64,
    status: &str,
) -> Result<(), StoreError> {
    tx.execute(
        sql("UPDATE case_materials SET status = $3 WHERE case_id = $1 AND position = $2")
            .bind(case_id)
            .bind(position)
            .bind(status),
    )
    .await?;
    Ok(())
}

// ---- stored objects ----

/// Records a stored file; a file with the same digest is the same file.
pub async fn insert_object(
    db: &Db,
    key: &str,
    size_bytes: i64,
    content_type: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql("INSERT INTO objects (key, size_bytes, content_type, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(size_bytes)
        .bind(content_type)
        .bind(at),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectRow {
    pub key: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub created_at: DateTime<Utc>,
}

pub async fn object(db: &Db, key: &str) -> Result<Option<ObjectRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT key, size_bytes, content_type, created_at FROM objects WHERE key = $1")
            .bind(key),
    )
    .await
}

// ---- timeline ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub comment: Option<String>,
    pub details: Json<Value>,
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<i64>,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub comment: Option<&'a str>,
    pub details: Value,
}

pub async fn insert_event(tx: &mut Tx, event: NewEvent<'_>) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO case_events (case_id, at, actor_account_id, actor_name, actor_role, action, from_state, \
                 to_state, comment, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(event.case_id)
            .bind(event.at)
            .bind(event.actor_account_id)
            .bind(event.actor_name)
            .bind(event.actor_role)
            .bind(event.action)
            .bind(event.from_state)
            .bind(event.to_state)
            .bind(event.comment)
            .bind(event.details),
        )
        .await?;
    Ok(id)
}

pub async fn events(db: &Db, case_id: i64) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, case_id, at, actor_account_id, actor_name, actor_role, action, from_state, to_state, comment, \
             details FROM case_events WHERE case_id = $1 ORDER BY id")
        .bind(case_id),
    )
    .await
}

// ---- idempotency ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub case_id: i64,
}

pub async fn idempotency(
    tx: &mut Tx,
    account_id: i64,
    key: &str,
) -> Result<Option<IdempotencyRow>, StoreError> {
    tx.fetch_optional(
        sql(
            "SELECT request_hash, case_id FROM idempotency_keys WHERE account_id = $1 AND key = $2",
        )
        .bind(account_id)
        .bind(key),
    )
    .await
}

pub async fn insert_idempotency(
    tx: &mut Tx,
    account_id: i64,
    key: &str,
    request_hash: &str,
    case_id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql("INSERT INTO idempotency_keys (account_id, key, request_hash, case_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(account_id)
            .bind(key)
            .bind(request_hash)
            .bind(case_id)
            .bind(at),
    )
    .await?;
    Ok(())
}

// ---- workflows ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowRow {
    pub code: String,
    pub version: i64,
    pub content: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

pub async fn latest_workflow(tx: &mut Tx, code: &str) -> Result<Option<WorkflowRow>, StoreError> {
    tx.fetch_optional(
        sql("SELECT code, version, content, created_at, created_by FROM workflow_definitions WHERE code = $1 \
             ORDER BY version DESC LIMIT 1")
        .bind(code),
    )
    .await
}

pub async fn workflow(
    db: &Db,
    code: &str,
    version: i64,
) -> Result<Option<WorkflowRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT code, version, content, created_at, created_by FROM workflow_definitions WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(version),
    )
    .await
}

pub async fn workflow_versions(db: &Db, code: &str) -> Result<Vec<WorkflowRow>, StoreError> {
    db.fetch_all(
        sql("SELECT code, version, content, created_at, created_by FROM workflow_definitions WHERE code = $1 ORDER BY version DESC")
            .bind(code),
    )
    .await
}

pub async fn insert_workflow(
    tx: &mut Tx,
    code: &str,
    version: i64,
    content: Value,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    tx.execute(
        sql("INSERT INTO workflow_definitions (code, version, content, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(code)
            .bind(version)
            .bind(content)
            .bind(at)
            .bind(by),
    )
    .await?;
    Ok(())
}

pub async fn item_workflow(tx: &mut Tx, item_code: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            sql("SELECT workflow_code FROM item_workflows WHERE item_code = $1").bind(item_code),
        )
        .await?;
    Ok(row.map(|(code,)| code))
}

pub async fn set_item_workflow(
    tx: &mut Tx,
    item_code: &str,
    workflow_code: &str,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO item_workflows (item_code, workflow_code) VALUES ($1, $2) \
             ON CONFLICT (item_code) DO UPDATE SET workflow_code = excluded.workflow_code",
        )
        .bind(item_code)
        .bind(workflow_code),
    )
    .await?;
    Ok(())
}
