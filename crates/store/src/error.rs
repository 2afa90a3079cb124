//! Storage errors, with enough context to act on and never the password of a URL.

use crate::db::redact_url;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Config(String),
    #[error("无法连接数据库 {url}：{source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("数据库迁移失败：{0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("数据库操作失败（{statement}）：{source}")]
    Query {
        statement: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("数据库事务失败：{0}")]
    Transaction(#[from] sqlx::Error),
    #[error("记录不存在")]
    NotFound,
    /// A uniqueness or foreign-key rule of the schema refused the write.
    #[error("数据冲突：{0}")]
    Conflict(String),
    #[error("存储的数据无法解析（{what}）：{message}")]
    Corrupt { what: String, message: String },
}

impl StoreError {
    pub fn config(message: impl Into<String>) -> Self {
        StoreError::Config(message.into())
    }

    pub fn connect(url: &str, source: sqlx::Error) -> Self {
        StoreError::Connect {
            url: redact_url(url),
            source,
        }
    }

    /// Wraps a driver error with the first words of the statement; constraint violations become
    /// [`StoreError::Conflict`] so callers can answer 409 rather than 500.
    pub fn query(text: &str, source: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &source
            && (db.is_unique_violation() || db.is_foreign_key_violation())
        {
            return StoreError::Conflict(db.message().to_owned());
        }
        let statement: String = text
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        StoreError::Query { statement, source }
    }

    pub fn corrupt(what: impl Into<String>, message: impl ToString) -> Self {
        StoreError::Corrupt {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound)
    }
}
