//! The domain language of zerotrip.
//!
//! Everything here is pure: types that can only hold valid values ("parse, don't validate") and the
//! rules over them. No I/O, no async, no framework.

pub mod access;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod departments;
pub mod ids;
pub mod privacy;
pub mod regions;
pub mod workflow;
