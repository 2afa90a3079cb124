//! Trust infrastructure: digests, canonical forms and tamper-evident chains.
//!
//! Pure functions only; storage lives in `zerotrip-store`.

pub mod audit_chain;
pub mod canonical;
pub mod digest;

pub use audit_chain::{AuditRecord, ChainBreak, GENESIS_HASH, chain_hash, verify_chain};
pub use canonical::canonical_json;
pub use digest::{Sm3Digest, sm3_hex};
