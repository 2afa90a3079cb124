//! Persistence for zerotrip.
//!
//! One code path over SQLite (the embedded default) and PostgreSQL (production): see [`db`].
//! Repositories are plain async functions over a [`Db`] or an open [`Tx`]; use cases in the app
//! layer own the transactions.

pub mod db;
mod error;

pub use db::{Arg, Backend, ConnectOptions, Db, Decodable, Query, Tx, sql, sql_assembled};
pub use error::StoreError;
