//! Applying: a case starts as a draft the applicant can resume, collects its form and materials
//! (materials a licence or a government department covers are 免提交 and never asked for), and
//! is submitted once — a retried submission with the same `Idempotency-Key` returns the same
//! case instead of creating another.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::cases::{Channel, DeliveryMethod};
use zerotrip_core::catalog::{CrossRegion, ServiceItem};
use zerotrip_core::ids::DivisionCode;
use zerotrip_core::workflow::{CaseClock, Command};
use zerotrip_store::Tx;
use zerotrip_store::cases::{self as store, MaterialUpload, NewCase, NewMaterial};
use zerotrip_store::catalog as catalog_store;
use zerotrip_trust::{canonical_json, sm3_hex};

use super::access::CaseAccess;
use super::forms::{form_for_item, validate_form};
use super::{clock_json, number_prefix};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldError};
use crate::files::display_file_name;
use crate::identity::applicant_identity;

/// A complete application as a channel sends it (`POST /api/v1/cases`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseApplication {
    pub item_code: String,
    /// The region whose competent department handles the case.
    pub region: String,
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<MaterialFile>,
    /// Defaults to web for applicants; window clerks file with `window`, agents with `assisted`.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Filing for someone else (window clerk, agent): the applicant's account.
    #[serde(default)]
    pub applicant_account_id: Option<i64>,
}

/// A stored file (from `POST /api/v1/files`) given as one of the item's materials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialFile {
    /// The material's name as the item lists it.
    pub material: String,
    /// The file's SM3 key.
    pub file: String,
    #[serde(default)]
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubmitOutcome {
    pub id: i64,
    pub number: String,
    pub state: String,
    /// The promised completion date counted from today (the clock itself starts at 受理).
    pub deadline: Option<chrono::NaiveDate>,
    /// True when this answered a retry of an earlier submission.
    #[serde(skip)]
    pub replayed: bool,
}

/// Who files and for whom.
struct Parties {
    applicant: Principal,
    channel: Channel,
    filing_region: String,
}

impl App {
    async fn parties(
        &self,
        principal: &Principal,
        application: &CaseApplication,
        item_code: &str,
    ) -> AppResult<Parties> {
        match (principal.kind, application.applicant_account_id) {
            (AccountKind::Staff, None) => Err(AppError::field(
                "applicant_account_id",
                "工作人员代为申请时须指明申请人",
            )),
            (AccountKind::Staff, Some(applicant_id)) => {
                principal.require(Role::WindowClerk)?;
                let applicant = self.principal(applicant_id).await?;
                let filing_region = principal
                    .region_code
                    .clone()
                    .ok_or_else(|| AppError::forbidden("工作人员账号未设置所在区域"))?;
                let channel = match application.channel {
                    None | Some(Channel::Window) => Channel::Window,
                    Some(Channel::Assisted) => Channel::Assisted,
                    Some(other) => {
                        return Err(AppError::field(
                            "channel",
                            format!("工作人员代为申请的渠道应为窗口办理或帮办代办，而不是{other}"),
                        ));
                    }
                };
                Ok(Parties {
                    applicant,
                    channel,
                    filing_region,
                })
            }
            (_, Some(applicant_id)) if applicant_id != principal.account_id => {
                if !self.may_act_for(principal, applicant_id, item_code).await? {
                    return Err(AppError::forbidden("没有申请人的有效委托，不能代为申请"));
                }
                let applicant = self.principal(applicant_id).await?;
                let filing_region = application.region.clone();
                Ok(Parties {
                    applicant,
                    channel: Channel::Assisted,
                    filing_region,
                })
            }
            _ => {
                let channel = match application.channel {
                    None => Channel::Web,
                    Some(channel @ (Channel::Web | Channel::Mobile | Channel::Kiosk)) => channel,
                    Some(other) => {
                        return Err(AppError::field(
                            "channel",
                            format!("申请人本人不能通过“{other}”渠道申请"),
                        ));
                    }
                };
                Ok(Parties {
                    applicant: principal.clone(),
                    channel,
                    filing_region: application.region.clone(),
                })
            }
        }
    }

    /// Creates the draft of a case (nothing is submitted yet).
    pub async fn start_case(
        &self,
        principal: &Principal,
        application: &CaseApplication,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin().await?;
        let id = self.create_case(&mut tx, principal, application).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn create_case(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        application: &CaseApplication,
    ) -> AppResult<i64> {
        let detail =
            self.item_detail(&application.item_code)
                .await
                .map_err(|error| match error {
                    AppError::NotFound(message) => AppError::field("item_code", message),
                    other => other,
                })?;
        let item = detail.item;
        let parties = self
            .parties(principal, application, item.code.as_str())
            .await?;
        let handling = DivisionCode::parse(&application.region)
            .map_err(|error| AppError::field("region", error))?;
        if self.regions().get(&handling).is_none() {
            return Err(AppError::field(
                "region",
                format!("行政区划 {handling} 不在本省区划中"),
            ));
        }
        let regions = catalog_store::implementing_regions(&self.db, item.code.as_str()).await?;
        let implementation = self
            .implementation_serving(item.code.as_str(), &regions, &handling)
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "region",
                    format!("“{}”在该地区没有实施清单，无法申请", item.name),
                )
            })?;
        self.check_cross_region(&item, &parties, &implementation.region_code)?;
        let (identity_type, identity_number, applicant_name) =
            applicant_identity(&parties.applicant)?;
        let (definition, workflow_version) = self.workflow_for_item(tx, &item).await?;
        let limit = definition.total_sla.limit_for(&item).ok_or_else(|| {
            AppError::conflict(format!("“{}”未设定办结时限，暂不能网上申请", item.name))
        })?;
        let initial = definition
            .initial_state()
            .ok_or_else(|| AppError::internal(format!("流程 {} 没有起始状态", definition.code)))?;
        let mut form = BTreeMap::new();
        if let Some(phone) = &parties.applicant.phone {
            form.insert("contact_phone".to_owned(), phone.clone());
        }
        form.insert(
            "delivery_method".to_owned(),
            DeliveryMethod::Electronic.as_str().to_owned(),
        );
        let now = self.clock.now();
        let new = NewCase {
            item_code: item.code.to_string(),
            item_version: detail.version,
            item_name: item.name.clone(),
            implementation_code: implementation.code.clone(),
            handling_region_code: implementation.region_code.clone(),
            handling_department_id: implementation.department_id,
            filing_region_code: parties.filing_region.clone(),
            channel: parties.channel.as_str().to_owned(),
            applicant_account_id: parties.applicant.account_id,
            applicant_kind: parties.applicant.kind.as_str().to_owned(),
            applicant_name,
            applicant_id_type: identity_type.to_owned(),
            applicant_id_number: identity_number,
            contact_phone: parties.applicant.phone.clone().unwrap_or_default(),
            filed_by_account_id: principal.account_id,
            workflow_code: definition.code.clone(),
            workflow_version,
            state: initial.key.clone(),
            form: serde_json::to_value(&form).map_err(AppError::internal)?,
            clock: clock_json(&CaseClock::new(limit))?,
            delivery_method: Some(DeliveryMethod::Electronic.as_str().to_owned()),
            created_at: now,
        };
        let (id, _number) = store::insert_case(tx, new, &number_prefix(now)).await?;
        let materials = item
            .materials
            .iter()
            .enumerate()
            .map(|(index, material)| {
                let exemption = material
                    .exemption()
                    .map(|why| match &material.licence_type {
                        Some(licence) => format!("{}（{licence}）", why.label()),
                        None => why.label().to_owned(),
                    });
                NewMaterial {
                    position: index as i64 + 1,
                    name: material.name.clone(),
                    required: material.required,
                    status: if exemption.is_some() {
                        "exempt"
                    } else {
                        "pending"
                    }
                    .to_owned(),
                    exemption,
                }
            })
            .collect();
        store::insert_materials(tx, id, materials).await?;
        Ok(id)
    }

    /// 全省通办 items can be filed at any window of the province and go to the competent
    /// department; others only where they are handled.
    fn check_cross_region(
        &self,
        item: &ServiceItem,
        parties: &Parties,
        handling_region: &str,
    ) -> AppResult<()> {
        if item.cross_region.contains(&CrossRegion::Province) || parties.channel != Channel::Window
        {
            return Ok(());
        }
        let filing = parties.filing_region.as_str();
        let related = filing == handling_region
            || self.region_contains(filing, handling_region)
            || self.region_contains(handling_region, filing);
        if related {
            Ok(())
        } else {
            Err(AppError::field(
                "region",
                format!(
                    "“{}”不是全省通办事项，只能在办理地（{}）的窗口受理",
                    item.name,
                    self.region_name(handling_region)
                ),
            ))
        }
    }

    /// Replaces the form values of a draft (incomplete values are fine until submission).
    pub async fn save_case_form(
        &self,
        principal: &Principal,
        case_id: i64,
        values: BTreeMap<String, String>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin().await?;
        let row = self.case_for_change(&mut tx, principal, case_id).await?;
        let item = self.pinned_item(&row).await?;
        let fields = form_for_item(&item, &self.bundles().await?);
        let clean = validate_form(&fields, &values, false)
            .map_err(|errors| AppError::invalid("申请表填写有误", errors))?;
        let definition = self
            .workflow_version(&row.workflow_code, row.workflow_version)
            .await?;
        if definition.initial_state().map(|s| s.key.as_str()) != Some(row.state.as_str()) {
            return Err(AppError::conflict("申请已提交，不能再修改申请表"));
        }
        self.write_form(&mut tx, &row, &clean).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_form(
        &self,
        tx: &mut Tx,
        row: &store::CaseRow,
        form: &BTreeMap<String, String>,
    ) -> AppResult<()> {
        let delivery = form
            .get("delivery_method")
            .cloned()
            .or_else(|| row.delivery_method.clone());
        let update = store::CaseUpdate {
            state: row.state.clone(),
            outcome: row.outcome.clone(),
            clock: row.clock.0.clone(),
            deadline: row.deadline,
            form: serde_json::to_value(form).map_err(AppError::internal)?,
            handling_department_id: row.handling_department_id,
            handling_region_code: row.handling_region_code.clone(),
            implementation_code: row.implementation_code.clone(),
            delivery_method: delivery,
            submitted_at: row.submitted_at,
            completed_at: row.completed_at,
            updated_at: self.clock.now(),
        };
        if !store::update_case(tx, row.id, row.revision, update).await? {
            return Err(AppError::conflict("办件已被他人更新，请刷新后重试"));
        }
        if let Some(phone) = form
            .get("contact_phone")
            .filter(|p| **p != row.contact_phone)
        {
            tx.execute(
                zerotrip_store::sql("UPDATE cases SET contact_phone = $2 WHERE id = $1")
                    .bind(row.id)
                    .bind(phone),
            )
            .await?;
        }
        Ok(())
    }

    /// Uploads a file as material `position` of a case (draft, or when a supplement is asked).
    pub async fn upload_case_material(
        &self,
        principal: &Principal,
        case_id: i64,
        position: i64,
        file_name: &str,
        content: Bytes,
    ) -> AppResult<super::MaterialView> {
        // Check access before storing anything a stranger sends.
        {
            let mut tx = self.db.begin().await?;
            self.case_for_change(&mut tx, principal, case_id).await?;
        }
        let stored = self.store_file(content).await?;
        let mut tx = self.db.begin().await?;
        let row = self.case_for_change(&mut tx, principal, case_id).await?;
        self.attach_in_tx(&mut tx, principal, &row, position, &stored.key, file_name)
            .await?;
        let materials = store::materials_tx(&mut tx, case_id).await?;
        tx.commit().await?;
        materials
            .iter()
            .find(|m| m.position == position)
            .map(super::views::material_of)
            .ok_or_else(|| AppError::internal("刚上传的材料不存在"))
    }

    async fn attach_in_tx(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        row: &store::CaseRow,
        position: i64,
        file_key: &str,
        file_name: &str,
    ) -> AppResult<()> {
        let materials = store::materials_tx(tx, row.id).await?;
        let material = materials
            .iter()
            .find(|m| m.position == position)
            .ok_or_else(|| {
                AppError::field("position", format!("该事项没有第 {position} 项材料"))
            })?;
        if material.status == "exempt" {
            return Err(AppError::field(
                "position",
                format!("“{}”免提交，无需上传", material.name),
            ));
        }
        let definition = self
            .workflow_version(&row.workflow_code, row.workflow_version)
            .await?;
        let in_draft =
            definition.initial_state().map(|s| s.key.as_str()) == Some(row.state.as_str());
        if !in_draft && material.status != "supplement_requested" {
            return Err(AppError::conflict(format!(
                "“{}”当前不需要上传：申请已提交，只能上传被要求补正的材料",
                material.name
            )));
        }
        let object = self
            .file_exists(file_key)
            .await?
            .ok_or_else(|| AppError::field("file", "文件不存在，请先上传"))?;
        let name = display_file_name(file_name);
        let attached = store::attach_material(
            tx,
            row.id,
            position,
            MaterialUpload {
                object_key: &object.key,
                file_name: &name,
                content_type: &object.content_type,
                size_bytes: object.size_bytes,
                uploaded_at: self.clock.now(),
                uploaded_by: principal.account_id,
            },
        )
        .await?;
        if !attached {
            return Err(AppError::internal("材料登记失败"));
        }
        Ok(())
    }

    /// Submits a draft. `idempotency_key` is required: a retry with the same key answers with
    /// the same case.
    pub async fn submit_case(
        &self,
        principal: &Principal,
        case_id: i64,
        idempotency_key: &str,
    ) -> AppResult<SubmitOutcome> {
        let key = check_idempotency_key(idempotency_key)?;
        let request_hash = sm3_hex(format!("submit:{case_id}").as_bytes());
        let mut tx = self.db.begin().await?;
        if let Some(outcome) = self.replay(&mut tx, principal, key, &request_hash).await? {
            return Ok(outcome);
        }
        let outcome = self.submit_in_tx(&mut tx, principal, case_id).await?;
        store::insert_idempotency(
            &mut tx,
            principal.account_id,
            key,
            &request_hash,
            outcome.id,
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Files a complete application in one transaction: draft, form, materials, submission.
    pub async fn file_case(
        &self,
        principal: &Principal,
        application: &CaseApplication,
        idempotency_key: &str,
    ) -> AppResult<SubmitOutcome> {
        let key = check_idempotency_key(idempotency_key)?;
        let content = serde_json::to_value(application).map_err(AppError::internal)?;
        let request_hash = sm3_hex(canonical_json(&content).as_bytes());
        let mut tx = self.db.begin().await?;
        if let Some(outcome) = self.replay(&mut tx, principal, key, &request_hash).await? {
            return Ok(outcome);
        }
        let id = self.create_case(&mut tx, principal, application).await?;
        let row = store::case_for_update(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::internal("刚创建的办件不存在"))?;
        let item = self.pinned_item(&row).await?;
        let fields = form_for_item(&item, &self.bundles().await?);
        let mut values: BTreeMap<String, String> =
            serde_json::from_value(row.form.0.clone()).unwrap_or_default();
        values.extend(application.form.clone());
        let clean = validate_form(&fields, &values, false)
            .map_err(|errors| AppError::invalid("申请表填写有误", errors))?;
        self.write_form(&mut tx, &row, &clean).await?;
        let row = store::case_for_update(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::internal("刚创建的办件不存在"))?;
        let materials = store::materials_tx(&mut tx, id).await?;
        for (index, file) in application.materials.iter().enumerate() {
            let material = materials
                .iter()
                .find(|m| m.name == file.material.trim())
                .ok_or_else(|| {
                    AppError::field(
                        &format!("materials[{index}].material"),
                        format!("该事项没有名为“{}”的材料", file.material),
                    )
                })?;
            let name = file
                .file_name
                .clone()
                .unwrap_or_else(|| material.name.clone());
            self.attach_in_tx(
                &mut tx,
                principal,
                &row,
                material.position,
                &file.file,
                &name,
            )
            .await
            .map_err(|error| match error {
                AppError::Invalid { message, .. } => {
                    AppError::field(&format!("materials[{index}].file"), message)
                }
                other => other,
            })?;
        }
        let outcome = self.submit_in_tx(&mut tx, principal, id).await?;
        store::insert_idempotency(
            &mut tx,
            principal.account_id,
            key,
            &request_hash,
            outcome.id,
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The earlier answer to a retried request, if any; a key reused for a different request
    /// is refused.
    async fn replay(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        key: &str,
        request_hash: &str,
    ) -> AppResult<Option<SubmitOutcome>> {
        let Some(previous) = store::idempotency(tx, principal.account_id, key).await? else {
            return Ok(None);
        };
        if previous.request_hash != request_hash {
            return Err(AppError::conflict(
                "Idempotency-Key 已用于另一个请求，请为新的申请使用新的键",
            ));
        }
        let row = store::case_for_update(tx, previous.case_id)
            .await?
            .ok_or_else(|| AppError::internal("办件不存在"))?;
        let clock = super::clock_of(&row)?;
        Ok(Some(SubmitOutcome {
            id: row.id,
            number: row.number.clone(),
            state: row.state.clone(),
            deadline: row.deadline.or_else(|| {
                Some(
                    self.calendar()
                        .add_working_days(self.clock.today_in_china(), clock.total_limit()),
                )
            }),
            replayed: true,
        }))
    }

    async fn submit_in_tx(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<SubmitOutcome> {
        let row = self.case_for_change(tx, principal, case_id).await?;
        let item = self.pinned_item(&row).await?;
        let fields = form_for_item(&item, &self.bundles().await?);
        let values: BTreeMap<String, String> =
            serde_json::from_value(row.form.0.clone()).unwrap_or_default();
        let mut errors = validate_form(&fields, &values, true)
            .err()
            .unwrap_or_default();
        // The delivery choice is recorded with the submission, in its transaction (a refusal
        // rolls it back); a mailed result needs a valid address (the `mail_*` fields).
        let method = values
            .get("delivery_method")
            .and_then(|m| crate::delivery::DeliveryMethod::parse(m));
        if let Some(method) = method {
            let address = mail_address(&values);
            match self
                .choose_delivery(tx, case_id, method, address.as_ref())
                .await
            {
                Ok(_) => {}
                Err(AppError::Invalid { fields, .. }) => errors.extend(
                    fields
                        .into_iter()
                        .map(|f| FieldError::new(format!("form.mail_{}", f.field), f.message)),
                ),
                Err(other) => return Err(other),
            }
        }
        for material in store::materials_tx(tx, case_id).await? {
            if material.required && material.status == "pending" {
                errors.push(FieldError::new(
                    format!("materials.{}", material.position),
                    format!("请上传“{}”", material.name),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::invalid("申请尚不完整，未提交", errors));
        }
        let outcome = self
            .apply_command(tx, principal, row, Command::Submit, None)
            .await?;
        let clock = super::clock_of(&outcome)?;
        let promised = self
            .calendar()
            .add_working_days(self.clock.today_in_china(), clock.total_limit());
        Ok(SubmitOutcome {
            id: outcome.id,
            number: outcome.number,
            state: outcome.state,
            deadline: Some(promised),
            replayed: false,
        })
    }

    /// The case, locked for change, if the principal is its applicant (or their agent) or the
    /// window clerk who files it.
    pub(crate) async fn case_for_change(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<store::CaseRow> {
        let row = store::case_for_update(tx, case_id)
            .await?
            .ok_or_else(not_found)?;
        match self.case_access(principal, &row).await? {
            Some(CaseAccess::Applicant | CaseAccess::Agent) => Ok(row),
            Some(CaseAccess::Window) if row.filed_by_account_id == principal.account_id => Ok(row),
            Some(_) => Err(AppError::forbidden("只有申请人（或其代办人）可以修改申请")),
            None => Err(not_found()),
        }
    }

    /// The item version a case was filed under.
    pub(crate) async fn pinned_item(&self, row: &store::CaseRow) -> AppResult<ServiceItem> {
        let (_, item) = self.item_version(&row.item_code, row.item_version).await?;
        Ok(item)
    }
}

/// The address to mail the result to, when any part of it is filled in.
fn mail_address(values: &BTreeMap<String, String>) -> Option<crate::delivery::MailAddress> {
    let part = |key: &str| {
        values
            .get(key)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let address = crate::delivery::MailAddress {
        recipient_name: part("mail_recipient_name"),
        phone: part("mail_phone"),
        region_code: part("mail_region_code"),
        detail: part("mail_detail"),
        postal_code: Some(part("mail_postal_code")).filter(|code| !code.is_empty()),
    };
    (address != crate::delivery::MailAddress::default()).then_some(address)
}

pub(crate) fn not_found() -> AppError {
    AppError::not_found("办件不存在")
}

fn check_idempotency_key(key: &str) -> AppResult<&str> {
    let key = key.trim();
    let valid = (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(key)
    } else {
        Err(AppError::field(
            "Idempotency-Key",
            "提交申请须带 Idempotency-Key 请求头（8–128 位字母、数字、- 或 _）",
        ))
    }
}
