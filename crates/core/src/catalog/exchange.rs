//! The catalogue exchange formats: JSON (the serde shape of [`ServiceItem`]), our own CSV export
//! (one row per item, one column per element, Chinese headers) and the Sichuan list CSV.
//!
//! Imports report every problem they find with the line, the item and the element's Chinese
//! label, so staff can fix a file in one pass instead of one error at a time.
//!
//! [`ServiceItem`]: super::ServiceItem

mod codes;
mod csv_cells;
mod csv_import;
mod csv_own;
mod csv_sichuan;
mod errors;
mod generate;
mod json;
mod serde_messages;
mod uniqueness;

pub use codes::{CodeAllocator, SequentialAllocator};
pub use csv_import::parse_catalog_csv;
pub use csv_own::catalog_to_csv;
pub use errors::{ImportError, ImportErrors, MAX_REPORTED_ERRORS};
pub use generate::generate_catalog;
pub use json::{catalog_to_json, parse_catalog_json};
