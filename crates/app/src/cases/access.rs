//! Who may see and act on a case. Enforced in every use case and every list query: a citizen
//! sees only their own cases, staff only those of their department and region.

use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::workflow::{Action, Actor};
use zerotrip_store::cases::CaseRow;

use crate::App;
use crate::auth::Principal;
use crate::error::AppResult;

/// How a principal relates to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAccess {
    /// The applicant themself.
    Applicant,
    /// Someone the applicant has consented may act for them (帮办代办) who filed the case.
    Agent,
    /// Staff of the handling department.
    Handler,
    /// The window clerk who filed the case for a walk-in applicant, or the comprehensive window
    /// (一窗受理, no department) of the filing region: files and hands results over (统一出件).
    Window,
    /// Region or province administrators and auditors: read only.
    Overseer,
}

/// Staff roles that take steps of a case's workflow.
const HANDLING_ROLES: [Role; 3] = [Role::WindowClerk, Role::Reviewer, Role::Approver];

/// What a comprehensive-window clerk may do on cases filed at their window.
const WINDOW_ACTIONS: [Action; 3] = [Action::Submit, Action::Supplement, Action::Deliver];

impl App {
    /// The principal's access to a case, or `None` (which callers answer as "not found", so
    /// that case numbers of others cannot be probed).
    pub(crate) async fn case_access(
        &self,
        principal: &Principal,
        row: &CaseRow,
    ) -> AppResult<Option<CaseAccess>> {
        if principal.kind != AccountKind::Staff {
            if row.applicant_account_id == principal.account_id {
                return Ok(Some(CaseAccess::Applicant));
            }
            if row.filed_by_account_id == principal.account_id
                && self
                    .may_act_for(principal, row.applicant_account_id, &row.item_code)
                    .await?
            {
                return Ok(Some(CaseAccess::Agent));
            }
            return Ok(None);
        }
        let in_region = |region: &str| {
            principal
                .region_code
                .as_deref()
                .is_some_and(|own| own == region || self.region_contains(own, region))
        };
        if principal.department_id == Some(row.handling_department_id)
            && principal.roles.iter().any(|r| HANDLING_ROLES.contains(r))
        {
            return Ok(Some(CaseAccess::Handler));
        }
        // The clerk who filed it at their window (全省通办 cases may be filed at any window),
        // and the comprehensive window of the filing region.
        if principal.has_role(Role::WindowClerk)
            && (row.filed_by_account_id == principal.account_id
                || (principal.department_id.is_none() && in_region(&row.filing_region_code)))
        {
            return Ok(Some(CaseAccess::Window));
        }
        if principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor) {
            return Ok(Some(CaseAccess::Overseer));
        }
        if principal.has_role(Role::RegionAdmin) && in_region(&row.handling_region_code) {
            return Ok(Some(CaseAccess::Overseer));
        }
        Ok(None)
    }
}

/// The workflow actors a principal can be on a case, in the order they are tried.
pub(crate) fn actors(principal: &Principal, access: CaseAccess) -> Vec<Actor> {
    match access {
        CaseAccess::Applicant | CaseAccess::Agent => vec![Actor::Applicant],
        CaseAccess::Handler => principal
            .roles
            .iter()
            .filter(|role| HANDLING_ROLES.contains(role))
            .map(|role| Actor::Staff(*role))
            .collect(),
        CaseAccess::Window => vec![Actor::Staff(Role::WindowClerk)],
        CaseAccess::Overseer => Vec::new(),
    }
}

/// Whether this access may take this action at all (beyond what the workflow allows).
pub(crate) fn access_allows(access: CaseAccess, action: Action) -> bool {
    match access {
        CaseAccess::Window => WINDOW_ACTIONS.contains(&action),
        CaseAccess::Overseer => false,
        _ => true,
    }
}
