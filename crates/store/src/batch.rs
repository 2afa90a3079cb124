//! Multi-row INSERTs: one statement per chunk of rows instead of one round trip per row, which
//! is what makes loading the demo data (tens of thousands of rows) quick on PostgreSQL.

use crate::StoreError;
use crate::db::{Arg, Backend, Tx, sql_assembled};

/// Rows per statement on PostgreSQL: far below its 65,535 bound parameters for the widest table.
const POSTGRES_CHUNK_ROWS: usize = 400;
/// Bound parameters per statement on SQLite. The driver looks every parameter up by name, which
/// SQLite answers by a linear scan, so binding is quadratic in the parameter count: a few hundred
/// per statement is the sweet spot (measured: 3,200 made bulk loads 5× slower).
const SQLITE_CHUNK_PARAMETERS: usize = 240;

/// Inserts `rows` with `head` (e.g. `INSERT INTO t (a, b) VALUES`) and `tail` (e.g.
/// `ON CONFLICT DO NOTHING`, or empty). Every row must have the same number of arguments.
pub async fn insert_rows(
    tx: &mut Tx,
    head: &'static str,
    tail: &'static str,
    rows: Vec<Vec<Arg>>,
) -> Result<u64, StoreError> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(0);
    };
    if rows.iter().any(|row| row.len() != width) {
        return Err(StoreError::config(format!(
            "批量写入 {head} 的各行参数个数不一致"
        )));
    }
    let chunk_rows = match tx.backend() {
        Backend::Postgres => POSTGRES_CHUNK_ROWS,
        Backend::Sqlite => (SQLITE_CHUNK_PARAMETERS / width).max(1),
    };
    let mut inserted = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(chunk_rows).collect();
        let mut text = String::with_capacity(head.len() + chunk.len() * width * 5);
        text.push_str(head);
        let mut n = 0;
        for (row_index, _) in chunk.iter().enumerate() {
            text.push_str(if row_index == 0 { " (" } else { ", (" });
            for column in 0..width {
                n += 1;
                if column > 0 {
                    text.push_str(", ");
                }
                text.push('$');
                text.push_str(&n.to_string());
            }
            text.push(')');
        }
        if !tail.is_empty() {
            text.push(' ');
            text.push_str(tail);
        }
        // Built only from `head`, `tail` (literals) and placeholders.
        let mut query = sql_assembled(text);
        for arg in chunk.into_iter().flatten() {
            query = query.bind(arg);
        }
        inserted += tx.execute(query).await?;
    }
    Ok(inserted)
}
