//! Quality rules for the province standard (DOMAIN.md §1.4 and the catalogue's own invariants).
//!
//! The rules read a typed [`ServiceItem`]; anything the types already forbid (unknown values,
//! malformed codes) never gets this far. What is left are cross-element rules that a source list
//! or an edit can break, reported as findings so staff can rectify them.

use super::elements::{ItemType, MaterialSource, Mode, OnlineDepth, ResultType};
use super::item::{Figures, ServiceItem};
use super::licence_type::LicenceType;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        }
    }
}

/// What a finding is about: the quality of the standard, or an implementation that departs from
/// it (breaking 无差别受理、同标准办理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Quality,
    Deviation,
}

impl FindingKind {
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Quality => "要素质量",
            FindingKind::Deviation => "偏离省级标准",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule identifier, e.g. `visits-need-reason`.
    pub rule: String,
    pub kind: FindingKind,
    pub severity: Severity,
    /// The element concerned, as its Chinese label.
    pub element: String,
    pub message: String,
}

impl Finding {
    pub fn error(rule: &str, element: &str, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.to_string(),
            kind: FindingKind::Quality,
            severity: Severity::Error,
            element: element.to_string(),
            message: message.into(),
        }
    }

    pub fn warning(rule: &str, element: &str, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(rule, element, message)
        }
    }

    pub fn deviation(self) -> Self {
        Finding {
            kind: FindingKind::Deviation,
            ..self
        }
    }
}

/// What the rules need to know beyond the item itself.
#[derive(Debug, Clone, Default)]
pub struct QualityContext {
    /// Names of the electronic licence types in the registry.
    pub licence_types: HashSet<String>,
}

impl QualityContext {
    /// A context knowing the given licence-type registry.
    pub fn with_licence_types(types: &[LicenceType]) -> Self {
        QualityContext {
            licence_types: types.iter().map(|t| t.name.clone()).collect(),
        }
    }
}

/// The steps every 行政许可 process must contain.
const LICENSING_STEPS: [&str; 5] = ["受理", "审核", "审批", "办结", "送达"];

/// Steps a 即办件 performs on the spot within 受理 and 办结 rather than as steps of their own:
/// the decision is made and the licence handed over at the window (《行政许可法》第三十四条).
const INSTANT_ON_THE_SPOT: [&str; 3] = ["审核", "审批", "送达"];

/// Checks one item of the province standard against every rule.
pub fn check_item(item: &ServiceItem, context: &QualityContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    check_required_text(item, &mut findings);
    check_time_limits(item, &mut findings);
    check_visits_and_depth(item, &mut findings);
    check_fee(item, &mut findings);
    check_result(item, context, &mut findings);
    check_materials(item, context, &mut findings);
    check_licensing(item, &mut findings);
    check_optimization(item, &mut findings);
    findings
}

fn check_required_text(item: &ServiceItem, out: &mut Vec<Finding>) {
    if item.name.trim().is_empty() {
        out.push(Finding::error("name-required", "事项名称", "事项名称为空"));
    }
    if item.department.trim().is_empty() {
        out.push(Finding::error(
            "department-required",
            "实施主体",
            "未指明实施部门类别",
        ));
    }
    if item.basis.trim().is_empty() {
        out.push(Finding::error(
            "basis-required",
            "设定依据",
            "设定依据未填写",
        ));
    }
    if item.conditions.iter().all(|c| c.trim().is_empty()) {
        out.push(Finding::error(
            "conditions-required",
            "受理条件",
            "受理条件未填写",
        ));
    }
    if item.levels.is_empty() {
        out.push(Finding::error(
            "levels-required",
            "行使层级",
            "行使层级未填写，无法生成实施清单",
        ));
    }
    if item.targets.is_empty() {
        out.push(Finding::error(
            "targets-required",
            "服务对象",
            "服务对象未填写",
        ));
    }
    if item.aliases.iter().any(|a| a.trim() == item.name.trim()) {
        out.push(Finding::warning(
            "alias-repeats-name",
            "常用称呼",
            "常用称呼与事项名称重复",
        ));
    }
    for (index, faq) in item.faqs.iter().enumerate() {
        if faq.q.trim().is_empty() || faq.a.trim().is_empty() {
            out.push(Finding::error(
                "faq-incomplete",
                "常见问题",
                format!("第 {} 条常见问题的问题或答复为空", index + 1),
            ));
        }
    }
}

fn check_time_limits(item: &ServiceItem, out: &mut Vec<Finding>) {
    match (item.legal_days, item.promised_days) {
        (None, _) => out.push(Finding::error(
            "legal-days-required",
            "法定办结时限",
            "法定办结时限未填写",
        )),
        (Some(_), None) => {}
        (Some(legal), Some(promised)) if promised > legal => out.push(Finding::error(
            "promise-exceeds-legal",
            "承诺办结时限",
            format!("承诺办结时限 {promised} 个工作日超过法定办结时限 {legal} 个工作日"),
        )),
        _ => {}
    }
    if item.promised_days.is_none() {
        out.push(Finding::error(
            "promised-days-required",
            "承诺办结时限",
            "承诺办结时限未填写",
        ));
    }
}

fn check_visits_and_depth(item: &ServiceItem, out: &mut Vec<Finding>) {
    let has_reason = item
        .on_site_reason
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty());
    match item.on_site_visits {
        None => out.push(Finding::error(
            "visits-required",
            "到办事现场次数",
            "到办事现场次数未填写",
        )),
        Some(visits) if visits > 0 && !has_reason => out.push(Finding::error(
            "visits-need-reason",
            "到办事现场次数",
            format!("需到现场 {visits} 次，但未说明必须到现场的原因"),
        )),
        _ => {}
    }
    let Some(depth) = item.online_depth else {
        out.push(Finding::error(
            "depth-required",
            "网上办理深度",
            "网上办理深度未填写",
        ));
        return;
    };
    let fully_online = depth == OnlineDepth::FullyOnline;
    if fully_online && item.on_site_visits.is_some_and(|v| v > 0) {
        out.push(Finding::error(
            "full-online-no-visit",
            "到办事现场次数",
            "网上办理深度为Ⅳ级（全程网办），到办事现场次数应为 0",
        ));
    }
    if fully_online != item.modes.contains(&Mode::FullyOnline) {
        out.push(Finding::error(
            "depth-matches-modes",
            "办理形式",
            if fully_online {
                "网上办理深度为Ⅳ级，办理形式应含“全流程网上办”"
            } else {
                "办理形式含“全流程网上办”，网上办理深度应为Ⅳ级"
            },
        ));
    }
    let handled_online = depth >= OnlineDepth::PreReview;
    if item.on_site_visits == Some(0) && !handled_online && !item.modes.contains(&Mode::Courier) {
        out.push(Finding::error(
            "zero-visit-needs-channel",
            "办理形式",
            "到现场次数为 0 但不能网上办理，办理形式须包含“快递办”",
        ));
    }
    if item.visits_shown_window_missing() {
        out.push(Finding::error(
            "visits-need-window",
            "办理形式",
            "需到现场办理，办理形式应包含“窗口办”",
        ));
    }
}

impl ServiceItem {
    fn visits_shown_window_missing(&self) -> bool {
        self.on_site_visits.is_some_and(|v| v > 0) && !self.modes.contains(&Mode::Window)
    }
}

fn check_fee(item: &ServiceItem, out: &mut Vec<Finding>) {
    let Some(fee) = &item.fee else {
        out.push(Finding::error("fee-required", "是否收费", "是否收费未填写"));
        return;
    };
    let filled = |text: &Option<String>| text.as_deref().is_some_and(|t| !t.trim().is_empty());
    if fee.charged {
        if !filled(&fee.basis) {
            out.push(Finding::error(
                "fee-needs-basis",
                "收费依据",
                "收费事项须填写收费依据",
            ));
        }
        if !filled(&fee.amount_note) {
            out.push(Finding::error(
                "fee-needs-amount",
                "收费标准",
                "收费事项须填写收费项目和标准",
            ));
        }
    } else {
        if fee.online_payment {
            out.push(Finding::error(
                "free-no-payment",
                "是否支持网上支付",
                "不收费的事项不能设置网上支付",
            ));
        }
        if filled(&fee.basis) || filled(&fee.amount_note) {
            out.push(Finding::error(
                "free-no-basis",
                "收费依据",
                "不收费的事项不应填写收费依据或标准",
            ));
        }
    }
}

fn check_result(item: &ServiceItem, context: &QualityContext, out: &mut Vec<Finding>) {
    let Some(result) = &item.result else {
        out.push(Finding::error(
            "result-required",
            "办理结果",
            "办理结果未填写",
        ));
        return;
    };
    if result.name.trim().is_empty() {
        out.push(Finding::error(
            "result-name-required",
            "结果名称",
            "结果名称为空",
        ));
    }
    // Only one direction holds: a paper-only licence (not yet in the e-licence registry) is
    // still a 证照 result, but an e-licence type can only be attached to a 证照 result.
    match (&result.licence_type, result.kind) {
        (Some(_), kind) if kind != ResultType::Licence => out.push(Finding::error(
            "licence-type-needs-licence-result",
            "结果类型",
            format!("关联了电子证照类型，结果类型应为“证照”，实际为“{kind}”"),
        )),
        (Some(name), _) if !context.licence_types.contains(name) => out.push(Finding::error(
            "unknown-licence-type",
            "结果证照类型",
            format!("电子证照类型“{name}”不在证照目录中"),
        )),
        _ => {}
    }
}

fn check_materials(item: &ServiceItem, context: &QualityContext, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for (index, material) in item.materials.iter().enumerate() {
        let position = index + 1;
        let name = material.name.trim();
        if name.is_empty() {
            out.push(Finding::error(
                "material-name-required",
                "材料名称",
                format!("第 {position} 项材料名称为空"),
            ));
        } else if !seen.insert(name) {
            out.push(Finding::error(
                "material-duplicate",
                "材料名称",
                format!("材料“{name}”重复列出"),
            ));
        }
        if let Some(licence) = &material.licence_type {
            if material.source != MaterialSource::Government {
                out.push(Finding::error(
                    "licence-material-source",
                    "来源渠道",
                    format!("材料“{name}”由电子证照替代，来源渠道应为“政府部门核发”"),
                ));
            }
            if !context.licence_types.contains(licence) {
                out.push(Finding::error(
                    "unknown-licence-type",
                    "电子证照类型",
                    format!("材料“{name}”关联的电子证照类型“{licence}”不在证照目录中"),
                ));
            }
        }
    }
}

fn check_licensing(item: &ServiceItem, out: &mut Vec<Finding>) {
    if item.item_type != ItemType::Licensing {
        return;
    }
    if item.materials.is_empty() {
        out.push(Finding::error(
            "licensing-needs-materials",
            "申请材料",
            "行政许可事项须列明申请材料",
        ));
    }
    if item.faqs.is_empty() {
        out.push(Finding::error(
            "licensing-needs-faq",
            "常见问题",
            "行政许可事项须提供常见问题",
        ));
    }
    let process = item.effective_process();
    let missing: Vec<&str> = LICENSING_STEPS
        .iter()
        .copied()
        .filter(|step| !item.is_instant() || !INSTANT_ON_THE_SPOT.contains(step))
        .filter(|step| !process.iter().any(|s| s.contains(step)))
        .collect();
    if !missing.is_empty() {
        out.push(Finding::error(
            "licensing-process-steps",
            "办理流程",
            format!("行政许可办理流程缺少环节：{}", missing.join("、")),
        ));
    }
    if item.auto_approvable && !(item.is_instant() && item.on_site_visits == Some(0)) {
        out.push(Finding::error(
            "auto-approval-instant",
            "秒批",
            "可秒批的事项须为即办件且无需到现场",
        ));
    }
}

fn check_optimization(item: &ServiceItem, out: &mut Vec<Finding>) {
    let Some(record) = &item.optimization else {
        out.push(Finding::warning(
            "reduction-record-missing",
            "四减两免",
            "缺少“四减两免”改革前后对比记录",
        ));
        return;
    };
    let (before, after) = (record.before, record.after);
    let components = [
        ("材料", before.materials, after.materials),
        ("时限", before.days, after.days),
        ("环节", before.steps, after.steps),
        ("跑动次数", before.visits, after.visits),
    ];
    for (label, was, now) in components {
        if now > was {
            out.push(Finding::error(
                "reduction-increases",
                "四减两免",
                format!("改革后{label}（{now}）多于改革前（{was}）"),
            ));
        }
    }
    let expected = derived_after(item, after.steps);
    for (label, recorded, derived) in [
        ("材料", Some(after.materials), expected.materials),
        ("时限", Some(after.days), expected.days),
        ("跑动次数", Some(after.visits), expected.visits),
    ] {
        if let (Some(recorded), Some(derived)) = (recorded, derived)
            && recorded != derived
        {
            out.push(Finding::error(
                "reduction-matches-elements",
                "四减两免",
                format!("改革后{label}记录为 {recorded}，但按事项要素应为 {derived}"),
            ));
        }
    }
}

/// What the "after" figures must be given the item's current elements.
pub struct DerivedAfter {
    pub materials: Option<u32>,
    pub days: Option<u32>,
    pub visits: Option<u32>,
}

/// Derives the "after" 四减 figures from the elements (materials the applicant still supplies,
/// the promised limit, the visits).
pub fn derived_after(item: &ServiceItem, _steps: u32) -> DerivedAfter {
    DerivedAfter {
        materials: Some(
            item.materials
                .iter()
                .filter(|m| m.applicant_supplies())
                .count() as u32,
        ),
        days: item.promised_days,
        visits: item.on_site_visits,
    }
}

/// Recomputes the derivable "after" figures of a record after an edit, keeping the steps.
pub fn refresh_after(item: &ServiceItem) -> Option<Figures> {
    let record = item.optimization?;
    let derived = derived_after(item, record.after.steps);
    Some(Figures {
        materials: derived.materials.unwrap_or(record.after.materials),
        days: derived.days.unwrap_or(record.after.days),
        steps: record.after.steps,
        visits: derived.visits.unwrap_or(record.after.visits),
    })
}
