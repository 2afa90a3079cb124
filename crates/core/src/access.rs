//! Who may act: account kinds and staff roles.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 工作人员.
    Staff,
    /// 自然人.
    Person,
    /// 法人.
    Company,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Staff => "staff",
            AccountKind::Person => "person",
            AccountKind::Company => "company",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "staff" => Some(AccountKind::Staff),
            "person" => Some(AccountKind::Person),
            "company" => Some(AccountKind::Company),
            _ => None,
        }
    }
}

/// A staff role. Scope comes from the account: its department and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 窗口受理人员.
    WindowClerk,
    /// 审核人员.
    Reviewer,
    /// 审批人员.
    Approver,
    /// 部门管理员: maintains the department's implementation facts.
    DepartmentAdmin,
    /// 区域管理员: maintains the region's implementation lists.
    RegionAdmin,
    /// 省级管理员: edits and publishes the province standard.
    ProvinceAdmin,
    /// 审计人员: reads the audit trail.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::WindowClerk,
        Role::Reviewer,
        Role::Approver,
        Role::DepartmentAdmin,
        Role::RegionAdmin,
        Role::ProvinceAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::WindowClerk => "window_clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::DepartmentAdmin => "department_admin",
            Role::RegionAdmin => "region_admin",
            Role::ProvinceAdmin => "province_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::WindowClerk => "窗口受理人员",
            Role::Reviewer => "审核人员",
            Role::Approver => "审批人员",
            Role::DepartmentAdmin => "部门管理员",
            Role::RegionAdmin => "区域管理员",
            Role::ProvinceAdmin => "省级管理员",
            Role::Auditor => "审计人员",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
