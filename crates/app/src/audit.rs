//! Recording and verifying staff actions in the hash-chained audit trail.

use serde_json::Value;
use zerotrip_store::Tx;
use zerotrip_store::audit::{self, AuditEntry, AuditFilter, AuditRow, ChainReport};

use crate::App;
use crate::auth::Principal;
use crate::error::AppResult;

/// The actor name of background jobs and command-line operations.
pub const SYSTEM_ACTOR: &str = "system";

impl App {
    /// Records a staff action in the caller's transaction, so the record exists exactly when the
    /// change does.
    pub async fn audit(
        &self,
        tx: &mut Tx,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> AppResult<i64> {
        Ok(audit::append(
            tx,
            self.clock.now(),
            AuditEntry {
                actor,
                action,
                target,
                before,
                after,
            },
        )
        .await?)
    }

    /// Walks the whole chain.
    pub async fn verify_audit_chain(&self, progress: impl FnMut(u64)) -> AppResult<ChainReport> {
        Ok(audit::verify(&self.db, progress).await?)
    }

    /// Verifies the chain on behalf of an auditor or province administrator.
    pub async fn verify_audit_chain_for(&self, principal: &Principal) -> AppResult<ChainReport> {
        principal.require_any(&[
            zerotrip_core::access::Role::Auditor,
            zerotrip_core::access::Role::ProvinceAdmin,
        ])?;
        self.verify_audit_chain(|_| {}).await
    }

    pub async fn audit_records(
        &self,
        principal: &Principal,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<AuditRow>> {
        principal.require_any(&[
            zerotrip_core::access::Role::Auditor,
            zerotrip_core::access::Role::ProvinceAdmin,
        ])?;
        Ok(audit::list(&self.db, filter, limit.clamp(1, 500), offset.max(0)).await?)
    }

    pub async fn audit_count(&self) -> AppResult<i64> {
        Ok(audit::count(&self.db).await?)
    }
}
