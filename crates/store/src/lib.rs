//! Persistence for zerotrip.
//!
//! One code path over SQLite (the embedded default) and PostgreSQL (production): see [`db`].
//! Repositories are plain async functions over a [`Db`] or an open [`Tx`], returning row structs;
//! use cases in the app layer own the transactions and map rows to domain types.

pub mod accounts;
pub mod audit;
mod batch;
pub mod cases;
pub mod catalog;
pub mod db;
pub mod deliveries;
pub mod departments;
mod error;
pub mod evaluations;
pub mod knowledge;
pub mod notifications;
pub mod outbox;
pub mod payments;
pub mod reference;
pub mod search_log;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod unresolved;
pub mod work_orders;
pub mod zero_trip;

pub use db::{Arg, Backend, ConnectOptions, Db, Decodable, Query, Tx, sql, sql_assembled};
pub use error::StoreError;
pub use sqlx::types::Json;
