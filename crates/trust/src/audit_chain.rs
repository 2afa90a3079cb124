//! The audit trail as a hash chain: each record's hash covers its own fields and the previous
//! record's hash, so changing, inserting or removing any record breaks every later link.

use crate::digest::Sm3Digest;

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as it is hashed. `at` is RFC 3339 in UTC with microseconds (what both
/// databases store exactly); `before`/`after` are canonical JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// SM3 over the previous hash and every field, each length-prefixed so that no two different
/// records can produce the same byte stream.
pub fn chain_hash(prev_hash: &str, record: &AuditRecord) -> String {
    let mut digest = Sm3Digest::new();
    let seq = record.seq.to_string();
    let fields: [Option<&str>; 8] = [
        Some(prev_hash),
        Some(&seq),
        Some(&record.at),
        Some(&record.actor),
        Some(&record.action),
        Some(&record.target),
        record.before.as_deref(),
        record.after.as_deref(),
    ];
    for field in fields {
        match field {
            Some(text) => {
                digest.update(&(text.len() as u64).to_be_bytes());
                digest.update(text.as_bytes());
            }
            // Absent is distinct from the empty string.
            None => digest.update(&u64::MAX.to_be_bytes()),
        }
    }
    digest.finish_hex()
}

/// Where and why a chain stops verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第 {seq} 条审计记录的序号不连续：应为 {expected}")]
    Gap { seq: i64, expected: i64 },
    #[error("第 {seq} 条审计记录的前序哈希与上一条记录不符，记录可能被删除或插入")]
    Link { seq: i64 },
    #[error("第 {seq} 条审计记录的内容与其哈希不符，记录可能被篡改")]
    Content { seq: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Gap { seq, .. }
            | ChainBreak::Link { seq }
            | ChainBreak::Content { seq } => *seq,
        }
    }
}

/// Walks stored `(record, prev_hash, hash)` triples in sequence order and reports the first
/// break. Returns the number of records verified.
pub fn verify_chain<I>(records: I) -> Result<u64, ChainBreak>
where
    I: IntoIterator<Item = (AuditRecord, String, String)>,
{
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut count = 0;
    for (expected_seq, (record, prev_hash, hash)) in (1..).zip(records) {
        if record.seq != expected_seq {
            return Err(ChainBreak::Gap {
                seq: record.seq,
                expected: expected_seq,
            });
        }
        if prev_hash != expected_prev {
            return Err(ChainBreak::Link { seq: record.seq });
        }
        if chain_hash(&prev_hash, &record) != hash {
            return Err(ChainBreak::Content { seq: record.seq });
        }
        expected_prev = hash;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, action: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: "2026-12-03T08:00:00.000000Z".into(),
            actor: "admin".into(),
            action: action.into(),
            target: "item:HN-XK-00001".into(),
            before: None,
            after: Some(r#"{"name":"x"}"#.into()),
        }
    }

    fn chain(actions: &[&str]) -> Vec<(AuditRecord, String, String)> {
        let mut prev = GENESIS_HASH.to_owned();
        let mut out = Vec::new();
        for (index, action) in actions.iter().enumerate() {
            let record = record(index as i64 + 1, action);
            let hash = chain_hash(&prev, &record);
            out.push((record, prev.clone(), hash.clone()));
            prev = hash;
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(chain(&["edit", "publish", "edit"])), Ok(3));
        assert_eq!(verify_chain(Vec::new()), Ok(0));
    }

    #[test]
    fn a_changed_field_is_detected() {
        let mut records = chain(&["edit", "publish", "edit"]);
        records[1].0.actor = "mallory".into();
        assert_eq!(verify_chain(records), Err(ChainBreak::Content { seq: 2 }));
    }

    #[test]
    fn a_removed_record_is_detected() {
        let mut records = chain(&["edit", "publish", "edit"]);
        records.remove(1);
        assert_eq!(
            verify_chain(records),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn a_rehashed_record_breaks_the_next_link() {
        let mut records = chain(&["edit", "publish", "edit"]);
        records[1].0.action = "delete".into();
        records[1].2 = chain_hash(&records[1].1, &records[1].0);
        assert_eq!(verify_chain(records), Err(ChainBreak::Link { seq: 3 }));
    }

    #[test]
    fn absent_differs_from_empty() {
        let mut with_empty = record(1, "edit");
        with_empty.before = Some(String::new());
        assert_ne!(
            chain_hash(GENESIS_HASH, &with_empty),
            chain_hash(GENESIS_HASH, &record(1, "edit"))
        );
    }
}
