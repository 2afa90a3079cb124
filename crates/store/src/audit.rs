//! The append-only audit trail. Appends take a lock on the chain head so concurrent staff
//! actions (also from several processes on one PostgreSQL) form one unbroken chain.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde_json::Value;
use zerotrip_trust::{
    AuditRecord, ChainBreak, GENESIS_HASH, canonical_json, chain_hash, verify_chain,
};

use crate::StoreError;
use crate::db::{Backend, Conditions, Db, Tx, sql};

/// An action to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Who: the staff username (or `system` for jobs).
    pub actor: &'a str,
    /// What, as a stable dotted name: `catalog.item.publish`.
    pub action: &'a str,
    /// On what: `item:HN-XK-00001`.
    pub target: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Key of the PostgreSQL advisory lock that serialises appends.
const CHAIN_LOCK: i64 = 0x007a_7461_7564_6974; // "ztaudit"

/// Appends one record in the caller's transaction and returns its sequence number.
pub async fn append(
    tx: &mut Tx,
    at: DateTime<Utc>,
    entry: AuditEntry<'_>,
) -> Result<i64, StoreError> {
    if tx.backend() == Backend::Postgres {
        tx.execute(sql("SELECT pg_advisory_xact_lock($1)").bind(CHAIN_LOCK))
            .await?;
    }
    let head: Option<(i64, String)> = tx
        .fetch_optional(sql(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        ))
        .await?;
    let (seq, prev_hash) = match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    // Both databases keep microseconds; hash exactly what is stored.
    let at = at.trunc_subsecs(6);
    let record = AuditRecord {
        seq,
        at: timestamp_text(at),
        actor: entry.actor.to_owned(),
        action: entry.action.to_owned(),
        target: entry.target.to_owned(),
        before: entry.before.map(canonical_json),
        after: entry.after.map(canonical_json),
    };
    let hash = chain_hash(&prev_hash, &record);
    tx.execute(
        sql("INSERT INTO audit_log (seq, at, actor, action, target, before, after, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(seq)
        .bind(at)
        .bind(record.actor)
        .bind(record.action)
        .bind(record.target)
        .bind(record.before)
        .bind(record.after)
        .bind(prev_hash)
        .bind(hash),
    )
    .await?;
    Ok(seq)
}

fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl AuditRow {
    fn into_chain_link(self) -> (AuditRecord, String, String) {
        let record = AuditRecord {
            seq: self.seq,
            at: timestamp_text(self.at),
            actor: self.actor,
            action: self.action,
            target: self.target,
            before: self.before,
            after: self.after,
        };
        (record, self.prev_hash, self.hash)
    }
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub verified: u64,
    pub broken: Option<ChainBreak>,
}

/// Verifies the chain page by page; `progress` is told how many records have been read.
pub async fn verify(db: &Db, mut progress: impl FnMut(u64)) -> Result<ChainReport, StoreError> {
    const PAGE: i64 = 5_000;
    let mut after_seq = 0;
    let mut links = Vec::new();
    loop {
        let page: Vec<AuditRow> = db
            .fetch_all(
                sql(
                    "SELECT seq, at, actor, action, target, before, after, prev_hash, hash \
                     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(PAGE),
            )
            .await?;
        let Some(last) = page.last() else { break };
        after_seq = last.seq;
        let full_page = page.len() as i64 == PAGE;
        links.extend(page.into_iter().map(AuditRow::into_chain_link));
        progress(links.len() as u64);
        if !full_page {
            break;
        }
    }
    Ok(match verify_chain(links) {
        Ok(verified) => ChainReport {
            verified,
            broken: None,
        },
        Err(broken) => ChainReport {
            verified: (broken.seq() - 1).max(0) as u64,
            broken: Some(broken),
        },
    })
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let (count,): (i64,) = db.fetch_one(sql("SELECT COUNT(*) FROM audit_log")).await?;
    Ok(count)
}

/// Filters of the audit list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
    pub target: Option<String>,
}

pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut conditions = Conditions::new();
    if let Some(actor) = &filter.actor {
        conditions.add("actor = ?", actor);
    }
    if let Some(prefix) = &filter.action_prefix {
        conditions.add(
            "action LIKE ? ESCAPE '\\'",
            format!("{}%", crate::db::like_escape(prefix)),
        );
    }
    if let Some(target) = &filter.target {
        conditions.add("target = ?", target);
    }
    let next = conditions.next_placeholder();
    let tail = format!(" ORDER BY seq DESC LIMIT ${next} OFFSET ${}", next + 1);
    db.fetch_all(
        conditions
            .query("SELECT seq, at, actor, action, target, before, after, prev_hash, hash FROM audit_log", &tail)
            .bind(limit)
            .bind(offset),
    )
    .await
}
