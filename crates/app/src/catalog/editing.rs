//! Editing the province standard: drafts, and publishing immutable versions with a readable diff.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::quality::refresh_after;
use zerotrip_core::catalog::{
    ElementChange, Finding, QualityContext, ServiceItem, Severity, check_item, diff_items,
};
use zerotrip_store::catalog::{self as store, VersionRow, VersionSummary};
use zerotrip_store::{Json, Tx};

use super::implementations::DepartmentDirectory;
use super::queries::parse_item_code;
use super::{
    content_hash, item_from_json, item_to_json, licence_registry_tx, listing_of, quality_context,
};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldError};
use crate::events::topics;

/// An item as an editor sees it: the published version, the draft if any, and what publishing
/// the draft would change.
#[derive(Debug, Clone, Serialize)]
pub struct EditableItem {
    pub code: String,
    pub published: Option<ServiceItem>,
    pub published_version: Option<i64>,
    pub draft: Option<ServiceItem>,
    pub draft_updated_at: Option<DateTime<Utc>>,
    pub draft_updated_by: Option<String>,
    /// Draft against the published version.
    pub pending_changes: Vec<ElementChange>,
    /// Quality findings of the draft (or of the published version when there is no draft).
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftSaved {
    pub code: String,
    pub pending_changes: Vec<ElementChange>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub code: String,
    pub version: i64,
    pub changes: Vec<ElementChange>,
}

/// A stored version as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub changes: Vec<ElementChange>,
    pub note: String,
    pub content_hash: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

impl App {
    pub async fn editable_item(
        &self,
        principal: &Principal,
        code: &str,
    ) -> AppResult<EditableItem> {
        principal.require_any(&[
            Role::ProvinceAdmin,
            Role::RegionAdmin,
            Role::DepartmentAdmin,
        ])?;
        let code = parse_item_code(code)?;
        let row = store::item(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 不存在")))?;
        let published = match store::published_item(&self.db, &code).await? {
            Some(current) => Some(item_from_json(&code, &current.content.0)?),
            None => None,
        };
        let draft = row
            .draft
            .as_ref()
            .map(|d| item_from_json(&code, &d.0))
            .transpose()?;
        let context = quality_context(&self.db).await?;
        let subject = draft.as_ref().or(published.as_ref());
        let findings = subject
            .map(|item| check_item(item, &context))
            .unwrap_or_default();
        let pending_changes = match (&published, &draft) {
            (Some(published), Some(draft)) => diff_items(published, draft),
            _ => Vec::new(),
        };
        Ok(EditableItem {
            code,
            published,
            published_version: row.published_version,
            draft,
            draft_updated_at: row.draft_updated_at,
            draft_updated_by: row.draft_updated_by,
            pending_changes,
            findings,
        })
    }

    /// Saves an edited item as the draft of its code. Saving never publishes: the public keeps
    /// seeing the published version until [`App::publish_item`].
    pub async fn save_item_draft(
        &self,
        principal: &Principal,
        mut item: ServiceItem,
    ) -> AppResult<DraftSaved> {
        principal.require(Role::ProvinceAdmin)?;
        // The "after" 四减 figures are derived from the elements; keep them in step with the edit.
        if let Some(after) = refresh_after(&item)
            && let Some(record) = item.optimization.as_mut()
        {
            record.after = after;
        }
        let code = item.code.to_string();
        let context = quality_context(&self.db).await?;
        let mut tx = self.db.begin().await?;
        let existing = store::item_tx(&mut tx, &code).await?;
        let published = match store::latest_version_tx(&mut tx, &code).await? {
            Some(version) => Some(item_from_json(&code, &version.content.0)?),
            None => None,
        };
        let before = match &existing {
            Some(row) if row.basic_code != item.basic_code.as_str() => {
                return Err(AppError::field(
                    "basic_code",
                    format!("基本编码发布后不可更改（当前为 {}）", row.basic_code),
                ));
            }
            Some(row) => row
                .draft
                .as_ref()
                .map(|d| d.0.clone())
                .or(published.as_ref().map(item_to_json).transpose()?),
            None => {
                store::insert_item(
                    &mut tx,
                    &code,
                    item.basic_code.as_str(),
                    item.source_code.as_deref(),
                    &listing_of(&item),
                    self.clock.now(),
                )
                .await
                .map_err(|error| match error {
                    zerotrip_store::StoreError::Conflict(_) => AppError::field(
                        "basic_code",
                        format!("基本编码 {} 已被其他事项使用", item.basic_code),
                    ),
                    other => other.into(),
                })?;
                None
            }
        };
        let after = item_to_json(&item)?;
        store::save_draft(
            &mut tx,
            &code,
            after.clone(),
            &principal.username,
            self.clock.now(),
        )
        .await?;
        let target = format!("item:{code}");
        self.audit(
            &mut tx,
            &principal.username,
            "catalog.item.draft.save",
            &target,
            before.as_ref(),
            Some(&after),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::ITEM_DRAFT_SAVED,
            &code,
            json!({"code": code}),
        )
        .await?;
        tx.commit().await?;
        let pending_changes = published
            .as_ref()
            .map(|p| diff_items(p, &item))
            .unwrap_or_default();
        Ok(DraftSaved {
            code,
            pending_changes,
            findings: check_item(&item, &context),
        })
    }

    /// Throws the draft away.
    pub async fn discard_item_draft(&self, principal: &Principal, code: &str) -> AppResult<()> {
        principal.require(Role::ProvinceAdmin)?;
        let code = parse_item_code(code)?;
        let mut tx = self.db.begin().await?;
        let row = store::item_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 不存在")))?;
        let Some(draft) = row.draft else {
            return Err(AppError::conflict("该事项没有草稿"));
        };
        store::discard_draft(&mut tx, &code).await?;
        self.audit(
            &mut tx,
            &principal.username,
            "catalog.item.draft.discard",
            &format!("item:{code}"),
            Some(&draft.0),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes the draft of an item as its next immutable version. Refused while the draft
    /// breaks a quality rule.
    pub async fn publish_item(
        &self,
        principal: &Principal,
        code: &str,
        note: &str,
    ) -> AppResult<Published> {
        principal.require(Role::ProvinceAdmin)?;
        let code = parse_item_code(code)?;
        let note = note.trim();
        let mut tx = self.db.begin().await?;
        let row = store::item_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 不存在")))?;
        let Some(draft) = row.draft else {
            return Err(AppError::conflict("该事项没有待发布的草稿"));
        };
        let item = item_from_json(&code, &draft.0)?;
        let mut context = PublishContext::load(&mut tx).await?;
        let note = if note.is_empty() { "修订" } else { note };
        let published = self
            .publish_in_tx(&mut tx, &item, &principal.username, note, &mut context)
            .await?;
        tx.commit().await?;
        Ok(published)
    }

    /// Publishes `item` as the next version of its code inside `tx`: checks quality, diffs
    /// against the previous version, writes the version, refreshes implementations, audits and
    /// emits. The item row must exist.
    pub(crate) async fn publish_in_tx(
        &self,
        tx: &mut Tx,
        item: &ServiceItem,
        actor: &str,
        note: &str,
        context: &mut PublishContext,
    ) -> AppResult<Published> {
        let code = item.code.to_string();
        let errors: Vec<FieldError> = check_item(item, &context.quality)
            .into_iter()
            .filter(|finding| finding.severity == Severity::Error)
            .map(|finding| FieldError::new(finding.element, finding.message))
            .collect();
        if !errors.is_empty() {
            return Err(AppError::invalid(
                format!(
                    "事项 {code} 有 {} 处不符合要素质量规则，不能发布",
                    errors.len()
                ),
                errors,
            ));
        }
        let previous = store::latest_version_tx(tx, &code).await?;
        let (version, changes, before) = match &previous {
            Some(previous) => {
                let old = item_from_json(&code, &previous.content.0)?;
                let changes = diff_items(&old, item);
                if changes.is_empty() {
                    return Err(AppError::conflict(format!(
                        "事项 {code} 的草稿与当前发布版本相同，无需发布"
                    )));
                }
                (
                    previous.version + 1,
                    changes,
                    Some(previous.content.0.clone()),
                )
            }
            None => (1, Vec::new(), None),
        };
        let content = item_to_json(item)?;
        let now = self.clock.now();
        let row = VersionRow {
            item_code: code.clone(),
            version,
            content: Json(content.clone()),
            changes: Json(serde_json::to_value(&changes).map_err(AppError::internal)?),
            note: note.to_owned(),
            content_hash: content_hash(&content),
            published_at: now,
            published_by: actor.to_owned(),
        };
        store::publish_version(tx, &row, &listing_of(item)).await?;
        self.sync_implementations_with(tx, item, &mut context.departments)
            .await?;
        let target = format!("item:{code}");
        self.audit(
            tx,
            actor,
            "catalog.item.publish",
            &target,
            before.as_ref(),
            Some(&content),
        )
        .await?;
        self.emit(
            tx,
            topics::ITEM_PUBLISHED,
            &code,
            json!({"code": code, "version": version}),
        )
        .await?;
        Ok(Published {
            code,
            version,
            changes,
        })
    }

    /// Every published version of an item, newest first.
    pub async fn item_versions(&self, code: &str) -> AppResult<Vec<VersionInfo>> {
        let code = parse_item_code(code)?;
        if store::item(&self.db, &code).await?.is_none() {
            return Err(AppError::not_found(format!("事项 {code} 不存在")));
        }
        store::version_history(&self.db, &code)
            .await?
            .into_iter()
            .map(version_info)
            .collect()
    }

    /// One published version's content.
    pub async fn item_version(
        &self,
        code: &str,
        version: i64,
    ) -> AppResult<(VersionInfo, ServiceItem)> {
        let code = parse_item_code(code)?;
        let row = store::version(&self.db, &code, version)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 没有第 {version} 版")))?;
        let item = item_from_json(&code, &row.content.0)?;
        let info = version_info(VersionSummary {
            item_code: row.item_code,
            version: row.version,
            changes: row.changes,
            note: row.note,
            content_hash: row.content_hash,
            published_at: row.published_at,
            published_by: row.published_by,
        })?;
        Ok((info, item))
    }

    /// The latest publications across the catalogue.
    pub async fn recent_publications(&self, limit: i64) -> AppResult<Vec<(String, VersionInfo)>> {
        store::recent_versions(&self.db, limit.clamp(1, 100))
            .await?
            .into_iter()
            .map(|row| Ok((row.item_code.clone(), version_info(row)?)))
            .collect()
    }
}

fn version_info(row: VersionSummary) -> AppResult<VersionInfo> {
    let changes: Vec<ElementChange> =
        serde_json::from_value(row.changes.0.clone()).map_err(|error| {
            AppError::Store(zerotrip_store::StoreError::corrupt(
                format!("事项 {} 第 {} 版", row.item_code, row.version),
                error,
            ))
        })?;
    Ok(VersionInfo {
        version: row.version,
        changes,
        note: row.note,
        content_hash: row.content_hash,
        published_at: row.published_at,
        published_by: row.published_by,
    })
}

/// What publishing needs to know, loaded once per transaction however many items it publishes.
pub(crate) struct PublishContext {
    pub(crate) quality: QualityContext,
    pub(crate) departments: DepartmentDirectory,
}

impl PublishContext {
    pub(crate) async fn load(tx: &mut Tx) -> AppResult<Self> {
        Ok(PublishContext {
            quality: QualityContext::with_licence_types(&licence_registry_tx(tx).await?),
            departments: DepartmentDirectory::load(tx).await?,
        })
    }
}
