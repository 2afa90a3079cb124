//! Editing the province standard: the item list with publication status, and the editor — a
//! form for the main elements, the whole item as exchange-format JSON, the pending changes of
//! the draft, its quality findings, and publishing.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::catalog::EditableItem;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::{
    Faq, Fee, Finding, ItemResult, Material, MaterialForm, MaterialSource, Mode, OnlineDepth,
    ResultType, ServiceItem, Severity, Theme,
};

use super::FindingView;
use crate::error::{PageError, PageResult};
use crate::pages::context::{
    Layout, PageCtx, PageForm, PageQuery, SelectOption, china_time, render,
};
use crate::security::StaffPage;
use crate::state::AppState;

/// Blank rows offered for new materials and questions.
const BLANK_ROWS: usize = 3;
/// The most rows a submitted form may claim.
const MAX_ROWS: usize = 200;

#[derive(Debug, Clone)]
struct StatusRow {
    code: String,
    name: String,
    href: String,
    item_type: String,
    department: String,
    status: String,
    is_draft: bool,
    updated: String,
}

#[derive(Template)]
#[template(path = "admin/items.html")]
struct ItemsPage {
    layout: Layout,
    q: String,
    rows: Vec<StatusRow>,
    total: usize,
    drafts: usize,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let statuses = state.app.item_statuses(&principal).await?;
    let q = query.value("q");
    let total = statuses.len();
    let drafts = statuses.iter().filter(|s| s.has_draft).count();
    let rows = statuses
        .into_iter()
        .filter(|s| q.is_empty() || s.name.contains(q.as_str()) || s.code.contains(q.as_str()))
        .map(|s| {
            let status = match (s.published_version, s.has_draft) {
                (Some(v), false) => format!("已发布 v{v}"),
                (Some(v), true) => format!("已发布 v{v} · 有草稿"),
                (None, true) => "草稿（未发布）".to_owned(),
                (None, false) => "未发布".to_owned(),
            };
            let updated = s
                .draft_updated_at
                .or(s.published_at)
                .map(china_time)
                .unwrap_or_default();
            StatusRow {
                href: format!("/admin/items/{}", s.code),
                code: s.code,
                name: s.name,
                item_type: s.item_type,
                department: s.department,
                status,
                is_draft: s.has_draft,
                updated,
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ItemsPage {
            layout: ctx.staff_layout("事项目录", "items", &principal),
            q,
            rows,
            total,
            drafts,
        },
    ))
}

/// Messages per form field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    fn add(&mut self, key: &str, message: impl Into<String>) {
        self.0
            .entry(key.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn of(&self, key: &str) -> String {
        self.0.get(key).map(|m| m.join("；")).unwrap_or_default()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The form field a finding or field error is about, from the element's Chinese label (as
/// quality findings name it) or the field name itself.
fn field_for(element: &str) -> &'static str {
    const FIELDS: &[(&str, &str)] = &[
        ("事项名称", "name"),
        ("name", "name"),
        ("常用称呼", "aliases"),
        ("设定依据", "basis"),
        ("受理条件", "conditions"),
        ("法定办结时限", "legal_days"),
        ("承诺办结时限", "promised_days"),
        ("到办事现场次数", "on_site_visits"),
        ("必须到现场原因", "on_site_reason"),
        ("网上办理深度", "online_depth"),
        ("办理形式", "modes"),
        ("服务主题", "themes"),
        ("收费依据", "fee_basis"),
        ("收费标准", "fee_amount"),
        ("是否支持网上支付", "fee_online"),
        ("网上支付", "fee_online"),
        ("是否收费", "fee_charged"),
        ("收费", "fee_charged"),
        ("办理结果", "result_type"),
        ("结果类型", "result_type"),
        ("结果名称", "result_name"),
        ("结果证照类型", "result_licence"),
        ("常见问题", "faqs"),
        ("申请材料", "materials"),
        ("材料名称", "materials"),
        ("来源渠道", "materials"),
        ("电子证照类型", "materials"),
        ("是否必要", "materials"),
        ("材料形式", "materials"),
        ("原件份数", "materials"),
        ("复印件份数", "materials"),
    ];
    let element = element.trim();
    FIELDS
        .iter()
        .find(|(label, _)| element == *label || element.starts_with(&format!("{label}[")))
        .or_else(|| {
            FIELDS
                .iter()
                .find(|(label, _)| element.starts_with(&format!("{label}.")))
        })
        .map(|(_, key)| *key)
        .unwrap_or("json")
}

fn field_label(key: &str) -> &'static str {
    match key {
        "name" => "事项名称",
        "aliases" => "常用称呼",
        "basis" => "设定依据",
        "conditions" => "受理条件",
        "legal_days" => "法定办结时限",
        "promised_days" => "承诺办结时限",
        "on_site_visits" => "到办事现场次数",
        "on_site_reason" => "必须到现场原因",
        "online_depth" => "网上办理深度",
        "modes" => "办理形式",
        "themes" => "服务主题",
        "fee_charged" => "是否收费",
        "fee_basis" => "收费依据",
        "fee_amount" => "收费标准",
        "fee_online" => "网上支付",
        "result_type" => "结果类型",
        "result_name" => "结果名称",
        "result_licence" => "结果证照类型",
        "faqs" => "常见问题",
        "materials" => "申请材料",
        _ => "交换格式（JSON）",
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub value: String,
    pub checked: bool,
}

#[derive(Debug, Clone)]
pub struct FaqRow {
    pub index: usize,
    pub q: String,
    pub a: String,
}

#[derive(Debug, Clone)]
pub struct MaterialRow {
    pub index: usize,
    pub name: String,
    pub sources: Vec<SelectOption>,
    pub licence: String,
    pub required: bool,
    pub forms: Vec<SelectOption>,
    pub original: String,
    pub copy: String,
    pub note: String,
}

/// The editor's form, as text: built from an item, or from what was submitted (so a rejected
/// submission comes back exactly as typed).
#[derive(Debug, Clone)]
pub struct EditorForm {
    pub name: String,
    pub aliases: String,
    pub basis: String,
    pub conditions: String,
    pub legal_days: String,
    pub promised_days: String,
    pub on_site_visits: String,
    pub on_site_reason: String,
    pub online_depth: Vec<SelectOption>,
    pub modes: Vec<Check>,
    pub themes: Vec<Check>,
    pub fee_charged: Vec<SelectOption>,
    pub fee_basis: String,
    pub fee_amount: String,
    pub fee_online: bool,
    pub result_type: Vec<SelectOption>,
    pub result_name: String,
    pub result_licence: String,
    pub faqs: Vec<FaqRow>,
    pub materials: Vec<MaterialRow>,
}

fn depth_options(current: &str) -> Vec<SelectOption> {
    std::iter::once(SelectOption::new("", "未填写", current))
        .chain(
            OnlineDepth::ALL
                .iter()
                .map(|d| SelectOption::new(d.level().to_string(), d.label(), current)),
        )
        .collect()
}

fn fee_options(current: &str) -> Vec<SelectOption> {
    vec![
        SelectOption::new("", "未填写", current),
        SelectOption::new("no", "不收费", current),
        SelectOption::new("yes", "收费", current),
    ]
}

fn result_options(current: &str) -> Vec<SelectOption> {
    std::iter::once(SelectOption::new("", "未填写", current))
        .chain(
            ResultType::ALL
                .iter()
                .map(|t| SelectOption::new(t.label(), t.label(), current)),
        )
        .collect()
}

fn source_options(current: &str) -> Vec<SelectOption> {
    MaterialSource::ALL
        .iter()
        .map(|s| SelectOption::new(s.label(), s.label(), current))
        .collect()
}

fn form_options(current: &str) -> Vec<SelectOption> {
    MaterialForm::ALL
        .iter()
        .map(|f| SelectOption::new(f.label(), f.label(), current))
        .collect()
}

fn checks(prefix: &str, labels: &[&str], checked: &[String]) -> Vec<Check> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| Check {
            id: format!("{prefix}-{i}"),
            value: (*label).to_owned(),
            checked: checked.iter().any(|c| c == label),
        })
        .collect()
}

fn mode_labels() -> Vec<&'static str> {
    Mode::ALL.iter().map(|m| m.label()).collect()
}

fn theme_labels() -> Vec<&'static str> {
    Theme::ALL.iter().map(|t| t.label()).collect()
}

fn number_text(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn count_text(value: u32) -> String {
    if value == 0 {
        String::new()
    } else {
        value.to_string()
    }
}

fn blank_material(index: usize) -> MaterialRow {
    MaterialRow {
        index,
        name: String::new(),
        sources: source_options(MaterialSource::Applicant.label()),
        licence: String::new(),
        required: true,
        forms: form_options(MaterialForm::Electronic.label()),
        original: String::new(),
        copy: String::new(),
        note: String::new(),
    }
}

impl EditorForm {
    fn of(item: &ServiceItem) -> Self {
        let modes: Vec<String> = item.modes.iter().map(|m| m.label().to_owned()).collect();
        let themes: Vec<String> = item.themes.iter().map(|t| t.label().to_owned()).collect();
        let fee_state = match &item.fee {
            None => "",
            Some(fee) if fee.charged => "yes",
            Some(_) => "no",
        };
        let mut materials: Vec<MaterialRow> = item
            .materials
            .iter()
            .enumerate()
            .map(|(index, m)| MaterialRow {
                index,
                name: m.name.clone(),
                sources: source_options(m.source.label()),
                licence: m.licence_type.clone().unwrap_or_default(),
                required: m.required,
                forms: form_options(m.form.label()),
                original: count_text(m.original_count),
                copy: count_text(m.copy_count),
                note: m.note.clone().unwrap_or_default(),
            })
            .collect();
        let start = materials.len();
        materials.extend((start..start + BLANK_ROWS).map(blank_material));
        let mut faqs: Vec<FaqRow> = item
            .faqs
            .iter()
            .enumerate()
            .map(|(index, f)| FaqRow {
                index,
                q: f.q.clone(),
                a: f.a.clone(),
            })
            .collect();
        let start = faqs.len();
        faqs.extend((start..start + BLANK_ROWS).map(|index| FaqRow {
            index,
            q: String::new(),
            a: String::new(),
        }));
        EditorForm {
            name: item.name.clone(),
            aliases: item.aliases.join("\n"),
            basis: item.basis.clone(),
            conditions: item.conditions.join("\n"),
            legal_days: number_text(item.legal_days),
            promised_days: number_text(item.promised_days),
            on_site_visits: number_text(item.on_site_visits),
            on_site_reason: item.on_site_reason.clone().unwrap_or_default(),
            online_depth: depth_options(
                &item
                    .online_depth
                    .map(|d| d.level().to_string())
                    .unwrap_or_default(),
            ),
            modes: checks("mode", &mode_labels(), &modes),
            themes: checks("theme", &theme_labels(), &themes),
            fee_charged: fee_options(fee_state),
            fee_basis: item
                .fee
                .as_ref()
                .and_then(|f| f.basis.clone())
                .unwrap_or_default(),
            fee_amount: item
                .fee
                .as_ref()
                .and_then(|f| f.amount_note.clone())
                .unwrap_or_default(),
            fee_online: item.fee.as_ref().is_some_and(|f| f.online_payment),
            result_type: result_options(
                item.result
                    .as_ref()
                    .map(|r| r.kind.label())
                    .unwrap_or_default(),
            ),
            result_name: item
                .result
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            result_licence: item
                .result
                .as_ref()
                .and_then(|r| r.licence_type.clone())
                .unwrap_or_default(),
            faqs,
            materials,
        }
    }

    fn submitted(form: &PageForm) -> Self {
        let faq_rows = row_count(form, "faq_rows");
        let material_rows = row_count(form, "material_rows");
        EditorForm {
            name: form.text("name"),
            aliases: form.raw("aliases").unwrap_or("").to_owned(),
            basis: form.text("basis"),
            conditions: form.raw("conditions").unwrap_or("").to_owned(),
            legal_days: form.text("legal_days"),
            promised_days: form.text("promised_days"),
            on_site_visits: form.text("on_site_visits"),
            on_site_reason: form.text("on_site_reason"),
            online_depth: depth_options(&form.text("online_depth")),
            modes: checks("mode", &mode_labels(), &form.all("modes")),
            themes: checks("theme", &theme_labels(), &form.all("themes")),
            fee_charged: fee_options(&form.text("fee_charged")),
            fee_basis: form.text("fee_basis"),
            fee_amount: form.text("fee_amount"),
            fee_online: form.checked("fee_online"),
            result_type: result_options(&form.text("result_type")),
            result_name: form.text("result_name"),
            result_licence: form.text("result_licence"),
            faqs: (0..faq_rows)
                .map(|index| FaqRow {
                    index,
                    q: form.text(&format!("faq{index}_q")),
                    a: form.text(&format!("faq{index}_a")),
                })
                .collect(),
            materials: (0..material_rows)
                .map(|index| {
                    let key = |field: &str| format!("m{index}_{field}");
                    MaterialRow {
                        index,
                        name: form.text(&key("name")),
                        sources: source_options(&form.text(&key("source"))),
                        licence: form.text(&key("licence")),
                        required: form.checked(&key("required")),
                        forms: form_options(&form.text(&key("form"))),
                        original: form.text(&key("original")),
                        copy: form.text(&key("copy")),
                        note: form.text(&key("note")),
                    }
                })
                .collect(),
        }
    }
}

fn row_count(form: &PageForm, name: &str) -> usize {
    form.text(name).parse::<usize>().unwrap_or(0).min(MAX_ROWS)
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    if text.is_empty() { None } else { Some(text) }
}

/// A whole number of days or visits; empty means "not given".
fn optional_number(form: &PageForm, key: &str, errors: &mut FieldErrors) -> Option<u32> {
    let text = form.text(key);
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(value) => Some(value),
        Err(_) => {
            errors.add(
                key,
                format!("{}应填写不小于 0 的整数，“{text}”不是", field_label(key)),
            );
            None
        }
    }
}

fn count(form: &PageForm, key: &str, label: &str, errors: &mut FieldErrors) -> u32 {
    let text = form.text(key);
    if text.is_empty() {
        return 0;
    }
    text.parse::<u32>().unwrap_or_else(|_| {
        errors.add(
            "materials",
            format!("{label}应填写不小于 0 的整数，“{text}”不是"),
        );
        0
    })
}

/// Applies the submitted form to `item`; the elements without a form field stay as they are.
fn apply_form(form: &PageForm, mut item: ServiceItem) -> Result<ServiceItem, FieldErrors> {
    let mut errors = FieldErrors::default();
    item.name = form.text("name");
    item.aliases = lines(form.raw("aliases").unwrap_or(""));
    item.basis = form.text("basis");
    item.conditions = lines(form.raw("conditions").unwrap_or(""));
    item.legal_days = optional_number(form, "legal_days", &mut errors);
    item.promised_days = optional_number(form, "promised_days", &mut errors);
    item.on_site_visits = optional_number(form, "on_site_visits", &mut errors);
    item.on_site_reason = optional(form.text("on_site_reason"));
    item.online_depth = match form.text("online_depth").as_str() {
        "" => None,
        text => match text
            .parse::<u8>()
            .ok()
            .and_then(|n| OnlineDepth::try_from(n).ok())
        {
            Some(depth) => Some(depth),
            None => {
                errors.add("online_depth", "请从列表中选择网上办理深度");
                None
            }
        },
    };
    let mut modes = Vec::new();
    for label in form.all("modes") {
        match Mode::from_label(&label) {
            Some(mode) => modes.push(mode),
            None => errors.add("modes", format!("办理形式“{label}”不存在")),
        }
    }
    item.modes = modes;
    let mut themes = Vec::new();
    for label in form.all("themes") {
        match Theme::from_label(&label) {
            Some(theme) => themes.push(theme),
            None => errors.add("themes", format!("服务主题“{label}”不存在")),
        }
    }
    item.themes = themes;
    let basis = optional(form.text("fee_basis"));
    let amount = optional(form.text("fee_amount"));
    let online = form.checked("fee_online");
    item.fee = match form.text("fee_charged").as_str() {
        "" => {
            if basis.is_some() || amount.is_some() || online {
                errors.add("fee_charged", "填写了收费依据或标准，请选择是否收费");
            }
            None
        }
        "yes" | "no" => Some(Fee {
            charged: form.text("fee_charged") == "yes",
            basis,
            amount_note: amount,
            online_payment: online,
        }),
        _ => {
            errors.add("fee_charged", "请从列表中选择是否收费");
            None
        }
    };
    let result_name = form.text("result_name");
    let result_licence = optional(form.text("result_licence"));
    item.result = match form.text("result_type").as_str() {
        "" => {
            if !result_name.is_empty() || result_licence.is_some() {
                errors.add("result_type", "填写了结果名称，请选择结果类型");
            }
            None
        }
        label => match ResultType::from_label(label) {
            Some(kind) => Some(ItemResult {
                kind,
                name: result_name,
                licence_type: result_licence,
            }),
            None => {
                errors.add("result_type", "请从列表中选择结果类型");
                None
            }
        },
    };
    let mut faqs = Vec::new();
    for index in 0..row_count(form, "faq_rows") {
        let q = form.text(&format!("faq{index}_q"));
        let a = form.text(&format!("faq{index}_a"));
        if !q.is_empty() || !a.is_empty() {
            faqs.push(Faq { q, a });
        }
    }
    item.faqs = faqs;
    let mut materials = Vec::new();
    for index in 0..row_count(form, "material_rows") {
        let key = |field: &str| format!("m{index}_{field}");
        let name = form.text(&key("name"));
        if name.is_empty() {
            continue;
        }
        let position = materials.len() + 1;
        let source = MaterialSource::from_label(&form.text(&key("source"))).unwrap_or_else(|| {
            errors.add("materials", format!("第 {position} 份材料的来源渠道无效"));
            MaterialSource::Applicant
        });
        let material_form =
            MaterialForm::from_label(&form.text(&key("form"))).unwrap_or_else(|| {
                errors.add("materials", format!("第 {position} 份材料的材料形式无效"));
                MaterialForm::Electronic
            });
        materials.push(Material {
            original_count: count(
                form,
                &key("original"),
                &format!("“{name}”的原件份数"),
                &mut errors,
            ),
            copy_count: count(
                form,
                &key("copy"),
                &format!("“{name}”的复印件份数"),
                &mut errors,
            ),
            source,
            licence_type: optional(form.text(&key("licence"))),
            required: form.checked(&key("required")),
            form: material_form,
            note: optional(form.text(&key("note"))),
            name,
        });
    }
    item.materials = materials;
    if errors.is_empty() {
        Ok(item)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Clone)]
struct ErrorLine {
    href: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/editor.html")]
struct EditorPage {
    layout: Layout,
    code: String,
    heading: String,
    status: String,
    draft_info: String,
    has_draft: bool,
    next_version: i64,
    banner: Option<String>,
    problem: Option<String>,
    form: EditorForm,
    errors: FieldErrors,
    summary: Vec<ErrorLine>,
    findings: Vec<FindingView>,
    blocking: usize,
    changes: Vec<String>,
    json: String,
    json_error: Option<String>,
    json_open: bool,
    can_edit: bool,
    note: String,
    public_href: String,
}

/// What the editor shows besides the form.
#[derive(Default)]
struct EditorState {
    banner: Option<String>,
    problem: Option<String>,
    form: Option<EditorForm>,
    errors: FieldErrors,
    summary: Vec<ErrorLine>,
    json: Option<String>,
    json_error: Option<String>,
    note: String,
}

impl EditorState {
    fn error(&mut self, key: &str, message: String) {
        self.summary.push(ErrorLine {
            href: format!("#field-{key}"),
            text: format!("{}：{message}", field_label(key)),
        });
        self.errors.add(key, message);
    }
}

fn render_editor(
    ctx: &PageCtx,
    principal: &Principal,
    editable: &EditableItem,
    status: StatusCode,
    mut state: EditorState,
) -> PageResult<Response> {
    let subject = editable
        .draft
        .as_ref()
        .or(editable.published.as_ref())
        .ok_or_else(|| {
            PageError(AppError::not_found(format!(
                "事项 {} 没有内容",
                editable.code
            )))
        })?;
    let findings: Vec<FindingView> = editable.findings.iter().map(FindingView::of).collect();
    let blocking = editable
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    // Findings of the stored content go next to their fields unless the form shows what was
    // just submitted (then the submission's own errors are what matter).
    if state.form.is_none() {
        for finding in &editable.findings {
            add_finding(&mut state, finding);
        }
    }
    let json = match state.json.take() {
        Some(json) => json,
        None => {
            serde_json::to_string_pretty(subject).map_err(|e| PageError(AppError::internal(e)))?
        }
    };
    let status_text = match (editable.published_version, editable.draft.is_some()) {
        (Some(v), true) => format!("已发布第 {v} 版，另有未发布的草稿"),
        (Some(v), false) => format!("已发布第 {v} 版，没有草稿"),
        (None, true) => "草稿，尚未发布".to_owned(),
        (None, false) => "尚未发布".to_owned(),
    };
    let draft_info = match (&editable.draft_updated_at, &editable.draft_updated_by) {
        (Some(at), Some(by)) if editable.draft.is_some() => {
            format!("草稿由 {by} 于 {} 保存", china_time(*at))
        }
        _ => String::new(),
    };
    let page = EditorPage {
        layout: ctx.staff_layout(format!("编辑 {}", subject.name), "items", principal),
        code: editable.code.clone(),
        heading: subject.name.clone(),
        status: status_text,
        draft_info,
        has_draft: editable.draft.is_some(),
        next_version: editable.published_version.unwrap_or(0) + 1,
        banner: state.banner,
        problem: state.problem,
        form: state.form.unwrap_or_else(|| EditorForm::of(subject)),
        json_open: state.json_error.is_some(),
        json_error: state.json_error,
        errors: state.errors,
        summary: state.summary,
        findings,
        blocking,
        changes: editable
            .pending_changes
            .iter()
            .map(|c| c.describe())
            .collect(),
        json,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        note: state.note,
        public_href: format!("/items/{}", editable.code),
    };
    Ok(render(status, &page))
}

fn add_finding(state: &mut EditorState, finding: &Finding) {
    let key = field_for(&finding.element);
    let prefix = if finding.severity == Severity::Error {
        "错误"
    } else {
        "提示"
    };
    state
        .errors
        .add(key, format!("{prefix}：{}", finding.message));
    if finding.severity == Severity::Error {
        state.summary.push(ErrorLine {
            href: format!("#field-{key}"),
            text: format!("{}：{}", finding.element, finding.message),
        });
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    let editable = state.app.editable_item(&principal, &code).await?;
    let banner = if query.text("saved").is_some() {
        Some("草稿已保存。公众看到的仍是已发布的版本，发布后才会更新。".to_owned())
    } else if let Some(version) = query.text("published") {
        Some(format!("已发布为第 {version} 版，办事指南已更新。"))
    } else if query.text("discarded").is_some() {
        Some("草稿已删除。".to_owned())
    } else {
        None
    };
    render_editor(
        &ctx,
        &principal,
        &editable,
        StatusCode::OK,
        EditorState {
            banner,
            ..EditorState::default()
        },
    )
}

fn base_item(editable: &EditableItem) -> PageResult<ServiceItem> {
    editable
        .draft
        .clone()
        .or_else(|| editable.published.clone())
        .ok_or_else(|| {
            PageError(AppError::not_found(format!(
                "事项 {} 没有内容",
                editable.code
            )))
        })
}

/// Turns a rejected save or publish into messages next to the fields, or passes it on.
fn rejected(state: &mut EditorState, error: AppError) -> Result<StatusCode, PageError> {
    match error {
        AppError::Invalid { message, fields } => {
            state.problem = Some(message);
            for field in fields {
                let key = field_for(&field.field);
                state.error(key, field.message);
            }
            Ok(StatusCode::BAD_REQUEST)
        }
        AppError::Conflict(message) => {
            state.problem = Some(message);
            Ok(StatusCode::CONFLICT)
        }
        other => Err(PageError(other)),
    }
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let editable = state.app.editable_item(&principal, &code).await?;
    let base = base_item(&editable)?;
    let mut view = EditorState {
        form: Some(EditorForm::submitted(&form)),
        ..EditorState::default()
    };
    let item = match apply_form(&form, base) {
        Ok(item) => item,
        Err(errors) => {
            view.problem = Some("表单中有内容需要修改，草稿没有保存".to_owned());
            for (key, messages) in errors.0 {
                for message in messages {
                    view.error(&key, message);
                }
            }
            return render_editor(&ctx, &principal, &editable, StatusCode::BAD_REQUEST, view);
        }
    };
    match state.app.save_item_draft(&principal, item).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/items/{}?saved=1", editable.code)).into_response())
        }
        Err(error) => {
            let status = rejected(&mut view, error)?;
            render_editor(&ctx, &principal, &editable, status, view)
        }
    }
}

pub async fn save_json(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let editable = state.app.editable_item(&principal, &code).await?;
    let text = form.raw("json").unwrap_or("").to_owned();
    let mut view = EditorState {
        json: Some(text.clone()),
        ..EditorState::default()
    };
    let deserializer = &mut serde_json::Deserializer::from_str(&text);
    let item: ServiceItem = match serde_path_to_error::deserialize(deserializer) {
        Ok(item) => item,
        Err(error) => {
            let path = error.path().to_string();
            let at = if path == "." {
                String::new()
            } else {
                format!("（位置：{path}）")
            };
            view.json_error = Some(format!("JSON 内容有误{at}：{}", error.inner()));
            view.summary.push(ErrorLine {
                href: "#field-json".to_owned(),
                text: "交换格式（JSON）内容有误，草稿没有保存".to_owned(),
            });
            return render_editor(&ctx, &principal, &editable, StatusCode::BAD_REQUEST, view);
        }
    };
    if item.code.as_str() != editable.code {
        view.json_error = Some(format!(
            "JSON 中的事项编码 {} 与正在编辑的 {} 不一致",
            item.code, editable.code
        ));
        return render_editor(&ctx, &principal, &editable, StatusCode::BAD_REQUEST, view);
    }
    match state.app.save_item_draft(&principal, item).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/items/{}?saved=1", editable.code)).into_response())
        }
        Err(error) => {
            let status = rejected(&mut view, error)?;
            if let Some(problem) = &view.problem {
                view.json_error = Some(problem.clone());
            }
            render_editor(&ctx, &principal, &editable, status, view)
        }
    }
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let note = form.text("note");
    match state.app.publish_item(&principal, &code, &note).await {
        Ok(published) => Ok(Redirect::to(&format!(
            "/admin/items/{}?published={}",
            published.code, published.version
        ))
        .into_response()),
        Err(error) => {
            let mut view = EditorState {
                note,
                ..EditorState::default()
            };
            let status = rejected(&mut view, error)?;
            let editable = state.app.editable_item(&principal, &code).await?;
            // The stored findings are the reasons; show them by their fields once, not twice.
            view.summary.clear();
            view.errors = FieldErrors::default();
            render_editor(&ctx, &principal, &editable, status, view)
        }
    }
}

pub async fn discard(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
) -> PageResult<Response> {
    match state.app.discard_item_draft(&principal, &code).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/items/{code}?discarded=1")).into_response()),
        Err(error) => {
            let mut view = EditorState::default();
            let status = rejected(&mut view, error)?;
            let editable = state.app.editable_item(&principal, &code).await?;
            render_editor(&ctx, &principal, &editable, status, view)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_point_at_their_fields() {
        assert_eq!(field_for("承诺办结时限"), "promised_days");
        assert_eq!(field_for("申请材料[2].来源渠道"), "materials");
        assert_eq!(field_for("收费依据"), "fee_basis");
        assert_eq!(field_for("收费"), "fee_charged");
        assert_eq!(field_for("行使层级"), "json");
    }
}
