//! 好差评: one rating per case, the rectification task a bad rating opens (差评整改) with its
//! callbacks (回访), and the figures of the statistics.

use chrono::{DateTime, NaiveDate, Utc};

use crate::StoreError;
use crate::db::{Backend, Conditions, Db, Tx, like_escape, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub region_code: String,
    pub case_channel: String,
    pub applicant_account_id: i64,
    pub evaluator_account_id: i64,
    pub evaluator_role: String,
    pub level: i64,
    pub comment: Option<String>,
    pub channel: String,
    pub real_name: bool,
    pub created_at: DateTime<Utc>,
}

macro_rules! evaluation_columns {
    () => {
        "e.id, e.case_id, e.case_number, e.item_code, e.item_name, e.department_id, e.region_code, \
         e.case_channel, e.applicant_account_id, e.evaluator_account_id, e.evaluator_role, e.level, \
         e.comment, e.channel, e.real_name, e.created_at"
    };
}

#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub region_code: String,
    pub case_channel: String,
    pub applicant_account_id: i64,
    pub evaluator_account_id: i64,
    pub evaluator_role: String,
    pub level: i64,
    pub comment: Option<String>,
    pub channel: String,
    pub real_name: bool,
    pub created_at: DateTime<Utc>,
}

/// Inserts the rating of a case; a second one for the same case is [`StoreError::Conflict`].
pub async fn insert_evaluation(tx: &mut Tx, new: NewEvaluation) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO evaluations (case_id, case_number, item_code, item_name, department_id, \
                 region_code, case_channel, applicant_account_id, evaluator_account_id, evaluator_role, \
                 level, comment, channel, real_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                 $9, $10, $11, $12, $13, $14, $15) RETURNING id")
            .bind(new.case_id)
            .bind(new.case_number)
            .bind(new.item_code)
            .bind(new.item_name)
            .bind(new.department_id)
            .bind(new.region_code)
            .bind(new.case_channel)
            .bind(new.applicant_account_id)
            .bind(new.evaluator_account_id)
            .bind(new.evaluator_role)
            .bind(new.level)
            .bind(new.comment)
            .bind(new.channel)
            .bind(new.real_name)
            .bind(new.created_at),
        )
        .await?;
    Ok(id)
}

pub async fn evaluation_of_case(
    db: &Db,
    case_id: i64,
) -> Result<Option<EvaluationRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            evaluation_columns!(),
            " FROM evaluations e WHERE e.case_id = $1"
        ))
        .bind(case_id),
    )
    .await
}

pub async fn evaluation_of_case_tx(
    tx: &mut Tx,
    case_id: i64,
) -> Result<Option<EvaluationRow>, StoreError> {
    tx.fetch_optional(
        sql(concat!(
            "SELECT ",
            evaluation_columns!(),
            " FROM evaluations e WHERE e.case_id = $1"
        ))
        .bind(case_id),
    )
    .await
}

// ---- rectifications ----

/// A rectification task joined with the rating that opened it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RectificationRow {
    pub id: i64,
    pub evaluation_id: i64,
    pub case_id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    pub status: String,
    pub working_days: i64,
    pub opened_on: NaiveDate,
    pub deadline: NaiveDate,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub promised_by: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_on: Option<NaiveDate>,
    pub closed_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub level: i64,
    pub comment: Option<String>,
    pub channel: String,
    pub real_name: bool,
    pub rated_at: DateTime<Utc>,
    pub applicant_name: String,
    pub contact_phone: String,
    pub callbacks: i64,
}

macro_rules! rectification_select {
    () => {
        "SELECT r.id, r.evaluation_id, r.case_id, r.department_id, d.name AS department_name, \
         r.region_code, r.status, r.working_days, r.opened_on, r.deadline, r.outcome, r.outcome_note, \
         r.promised_by, r.closed_at, r.closed_on, r.closed_by_name, r.created_at, r.updated_at, \
         e.case_number, e.item_code, e.item_name, e.level, e.comment, e.channel, e.real_name, \
         e.created_at AS rated_at, c.applicant_name, c.contact_phone, \
         (SELECT COUNT(*) FROM rectification_callbacks b WHERE b.rectification_id = r.id) AS callbacks \
         FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
         JOIN departments d ON d.id = r.department_id JOIN cases c ON c.id = r.case_id"
    };
}

#[derive(Debug, Clone)]
pub struct NewRectification {
    pub evaluation_id: i64,
    pub case_id: i64,
    pub department_id: i64,
    pub region_code: String,
    pub working_days: i64,
    pub opened_on: NaiveDate,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_rectification(tx: &mut Tx, new: NewRectification) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO rectifications (evaluation_id, case_id, department_id, region_code, status, \
                 working_days, opened_on, deadline, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8) RETURNING id")
            .bind(new.evaluation_id)
            .bind(new.case_id)
            .bind(new.department_id)
            .bind(new.region_code)
            .bind(new.working_days)
            .bind(new.opened_on)
            .bind(new.deadline)
            .bind(new.created_at),
        )
        .await?;
    Ok(id)
}

pub async fn rectification(db: &Db, id: i64) -> Result<Option<RectificationRow>, StoreError> {
    db.fetch_optional(sql(concat!(rectification_select!(), " WHERE r.id = $1")).bind(id))
        .await
}

pub async fn rectification_of_evaluation(
    db: &Db,
    evaluation_id: i64,
) -> Result<Option<RectificationRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            rectification_select!(),
            " WHERE r.evaluation_id = $1"
        ))
        .bind(evaluation_id),
    )
    .await
}

/// Reads a task for changing it; on PostgreSQL the row stays locked until the transaction ends.
pub async fn rectification_for_update(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<RectificationRow>, StoreError> {
    if tx.backend() == Backend::Postgres {
        tx.execute(sql("SELECT id FROM rectifications WHERE id = $1 FOR UPDATE").bind(id))
            .await?;
    }
    tx.fetch_optional(sql(concat!(rectification_select!(), " WHERE r.id = $1")).bind(id))
        .await
}

/// Filters of task lists, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct RectificationFilter {
    pub department_id: Option<i64>,
    /// In this region or below it (code prefix).
    pub region_prefix: Option<String>,
    pub status: Option<String>,
    /// Open with a deadline before this date.
    pub overdue_on: Option<NaiveDate>,
}

/// Tasks, open ones first by deadline, then closed ones newest first; and the total.
pub async fn list_rectifications(
    db: &Db,
    filter: &RectificationFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<RectificationRow>), StoreError> {
    let mut conditions = Conditions::new();
    if let Some(id) = filter.department_id {
        conditions.add("r.department_id = ?", id);
    }
    if let Some(prefix) = &filter.region_prefix {
        conditions.add(
            "r.region_code LIKE ? ESCAPE '\\'",
            format!("{}%", like_escape(prefix)),
        );
    }
    if let Some(status) = &filter.status {
        conditions.add("r.status = ?", status);
    }
    if let Some(today) = filter.overdue_on {
        conditions.add("(r.status = 'open' AND r.deadline < ?)", today);
    }
    let (total,): (i64,) = db
        .fetch_one(conditions.query(
            "SELECT COUNT(*) FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
             JOIN departments d ON d.id = r.department_id JOIN cases c ON c.id = r.case_id",
            "",
        ))
        .await?;
    let next = conditions.next_placeholder();
    let tail = format!(
        " ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN r.status = 'open' THEN r.deadline END, r.updated_at DESC, r.id DESC \
         LIMIT ${next} OFFSET ${}",
        next + 1
    );
    let rows = db
        .fetch_all(
            conditions
                .query(rectification_select!(), &tail)
                .bind(limit)
                .bind(offset),
        )
        .await?;
    Ok((total, rows))
}

/// What closing records.
#[derive(Debug, Clone)]
pub struct RectificationClosure {
    pub outcome: String,
    pub outcome_note: String,
    pub promised_by: Option<NaiveDate>,
    pub closed_at: DateTime<Utc>,
    pub closed_on: NaiveDate,
    pub closed_by_account_id: i64,
    pub closed_by_name: String,
}

/// Closes an open task; false when it was not open any more.
pub async fn close_rectification(
    tx: &mut Tx,
    id: i64,
    closure: RectificationClosure,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            sql(
                "UPDATE rectifications SET status = 'closed', outcome = $2, outcome_note = $3, \
                 promised_by = $4, closed_at = $5, closed_on = $6, closed_by_account_id = $7, \
                 closed_by_name = $8, updated_at = $5 WHERE id = $1 AND status = 'open'",
            )
            .bind(id)
            .bind(closure.outcome)
            .bind(closure.outcome_note)
            .bind(closure.promised_by)
            .bind(closure.closed_at)
            .bind(closure.closed_on)
            .bind(closure.closed_by_account_id)
            .bind(closure.closed_by_name),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn touch_rectification(
    tx: &mut Tx,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql("UPDATE rectifications SET updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at),
    )
    .await?;
    Ok(())
}

// ---- callbacks ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallbackRow {
    pub id: i64,
    pub rectification_id: i64,
    pub called_on: NaiveDate,
    pub method: String,
    pub caller: String,
    pub feedback: String,
    pub satisfaction: Option<i64>,
    pub recorded_by_account_id: i64,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCallback {
    pub rectification_id: i64,
    pub called_on: NaiveDate,
    pub method: String,
    pub caller: String,
    pub feedback: String,
    pub satisfaction: Option<i64>,
    pub recorded_by_account_id: i64,
    pub recorded_at: DateTime<Utc>,
}

pub async fn insert_callback(tx: &mut Tx, new: NewCallback) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO rectification_callbacks (rectification_id, called_on, method, caller, \
                 feedback, satisfaction, recorded_by_account_id, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(new.rectification_id)
            .bind(new.called_on)
            .bind(new.method)
            .bind(new.caller)
            .bind(new.feedback)
            .bind(new.satisfaction)
            .bind(new.recorded_by_account_id)
            .bind(new.recorded_at),
        )
        .await?;
    Ok(id)
}

pub async fn callbacks(db: &Db, rectification_id: i64) -> Result<Vec<CallbackRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT id, rectification_id, called_on, method, caller, feedback, satisfaction, \
             recorded_by_account_id, recorded_at FROM rectification_callbacks \
             WHERE rectification_id = $1 ORDER BY id",
        )
        .bind(rectification_id),
    )
    .await
}

pub async fn callback_count_tx(tx: &mut Tx, rectification_id: i64) -> Result<i64, StoreError> {
    let (count,): (i64,) = tx
        .fetch_one(
            sql("SELECT COUNT(*) FROM rectification_callbacks WHERE rectification_id = $1")
                .bind(rectification_id),
        )
        .await?;
    Ok(count)
}

// ---- statistics ----

/// How ratings are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Department,
    Item,
    Channel,
}

/// Ratings of one group at one level.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LevelCount {
    pub key: String,
    pub label: String,
    pub level: i64,
    pub count: i64,
}

/// Rectification figures of one group.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RectificationCounts {
    pub key: String,
    pub total: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    /// Closed, or open past the deadline: those whose timeliness is decided.
    pub due: i64,
    pub overdue_open: i64,
}

/// Counts of ratings per group and level, optionally within a region (code prefix).
pub async fn level_counts(
    db: &Db,
    grouping: Grouping,
    region_prefix: Option<&str>,
) -> Result<Vec<LevelCount>, StoreError> {
    let pattern = region_prefix.map(|p| format!("{}%", like_escape(p)));
    let query = match grouping {
        Grouping::Department => sql(
            "SELECT CAST(e.department_id AS TEXT) AS key, MAX(d.name) AS label, e.level, COUNT(*) AS count \
             FROM evaluations e JOIN departments d ON d.id = e.department_id \
             WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') \
             GROUP BY e.department_id, e.level ORDER BY e.department_id, e.level",
        ),
        Grouping::Item => sql(
            "SELECT e.item_code AS key, MAX(e.item_name) AS label, e.level, COUNT(*) AS count \
             FROM evaluations e WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') \
             GROUP BY e.item_code, e.level ORDER BY e.item_code, e.level",
        ),
        Grouping::Channel => sql(
            "SELECT e.channel AS key, e.channel AS label, e.level, COUNT(*) AS count \
             FROM evaluations e WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') \
             GROUP BY e.channel, e.level ORDER BY e.channel, e.level",
        ),
    };
    db.fetch_all(query.bind(pattern)).await
}

/// Rectification figures per group as of `today`.
pub async fn rectification_counts(
    db: &Db,
    grouping: Grouping,
    region_prefix: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<RectificationCounts>, StoreError> {
    let pattern = region_prefix.map(|p| format!("{}%", like_escape(p)));
    let query = match grouping {
        Grouping::Department => sql("SELECT CAST(e.department_id AS TEXT) AS key, \
             COUNT(*) AS total, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' AND r.closed_on <= r.deadline THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed_on_time, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' OR r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'open' AND r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue_open \
             FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
             WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') GROUP BY e.department_id"),
        Grouping::Item => sql("SELECT e.item_code AS key, \
             COUNT(*) AS total, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' AND r.closed_on <= r.deadline THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed_on_time, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' OR r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'open' AND r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue_open \
             FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
             WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') GROUP BY e.item_code"),
        Grouping::Channel => sql("SELECT e.channel AS key, \
             COUNT(*) AS total, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' AND r.closed_on <= r.deadline THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed_on_time, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'closed' OR r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
             CAST(COALESCE(SUM(CASE WHEN r.status = 'open' AND r.deadline < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue_open \
             FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
             WHERE ($1 IS NULL OR e.region_code LIKE $1 ESCAPE '\\') GROUP BY e.channel"),
    };
    db.fetch_all(query.bind(pattern).bind(today)).await
}
