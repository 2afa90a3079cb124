//! The knowledge base: articles (政策解读、办事指引) and FAQs per item (常见问题), edited as
//! drafts and published as immutable versions, each with a review date (复核日期) so stale
//! answers surface on the overdue list. Published entries are indexed for search; with the
//! catalogue's canonical names and aliases and the search synonyms they are managed in one
//! place per item ([`App::item_knowledge`]).

mod content;

pub use content::{ArticleCategory, KnowledgeContent, KnowledgeKind};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::ServiceItem;
use zerotrip_store::catalog as catalog_store;
use zerotrip_store::knowledge::{self as store, EntryFilter, EntryRow, NewEntry, PublishedEntry};
use zerotrip_store::search_log;
use zerotrip_store::{Json, StoreError};
use zerotrip_trust::{canonical_json, sm3_hex};

use crate::App;
use crate::auth::Principal;
use crate::catalog::item_from_json;
use crate::error::{AppError, AppResult, FieldError};

/// Topics of the knowledge base's outbox events (the search index follows them).
pub mod topics {
    /// An entry was published (first or next version). Payload `{code, kind, version}`.
    pub const ENTRY_PUBLISHED: &str = "knowledge.entry.published";
    /// An entry was withdrawn from the public. Payload `{code, kind}`.
    pub const ENTRY_WITHDRAWN: &str = "knowledge.entry.withdrawn";
}

/// How long a published answer stays valid before it must be reviewed, unless the publisher
/// says otherwise.
pub const DEFAULT_REVIEW_DAYS: i64 = 365;
/// The latest review date a publisher may set.
pub const MAX_REVIEW_DAYS: i64 = 3 * 366;

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeStatus {
    /// Never published.
    Draft,
    Published,
    /// Published, with edits waiting in a draft.
    PublishedWithDraft,
    /// Taken off the public site and out of search.
    Withdrawn,
}

impl KnowledgeStatus {
    pub fn label(self) -> &'static str {
        match self {
            KnowledgeStatus::Draft => "草稿",
            KnowledgeStatus::Published => "已发布",
            KnowledgeStatus::PublishedWithDraft => "已发布（有待发布的修改）",
            KnowledgeStatus::Withdrawn => "已撤下",
        }
    }

    fn of(row: &EntryRow) -> Self {
        match (row.published_version, row.withdrawn_at, &row.draft) {
            (None, _, _) => KnowledgeStatus::Draft,
            (Some(_), Some(_), _) => KnowledgeStatus::Withdrawn,
            (Some(_), None, Some(_)) => KnowledgeStatus::PublishedWithDraft,
            (Some(_), None, None) => KnowledgeStatus::Published,
        }
    }
}

/// One entry in a staff list.
#[derive(Debug, Clone, Serialize)]
pub struct KnowledgeSummary {
    pub code: String,
    pub kind: KnowledgeKind,
    pub title: String,
    pub item_code: Option<String>,
    pub status: KnowledgeStatus,
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub review_due: Option<NaiveDate>,
    /// Published and past its review date.
    pub overdue: bool,
    pub updated_by: String,
}

/// A published entry as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKnowledge {
    pub code: String,
    pub kind: KnowledgeKind,
    #[serde(flatten)]
    pub content: KnowledgeContent,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub review_due: Option<NaiveDate>,
    /// The related items as (code, name), published ones only.
    pub items: Vec<(String, String)>,
}

/// An entry as an editor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct EditableKnowledge {
    pub code: String,
    pub kind: KnowledgeKind,
    pub status: KnowledgeStatus,
    pub published: Option<KnowledgeContent>,
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub draft: Option<KnowledgeContent>,
    pub draft_updated_at: Option<DateTime<Utc>>,
    pub draft_updated_by: Option<String>,
    pub review_due: Option<NaiveDate>,
    pub overdue: bool,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl EditableKnowledge {
    /// What an editor works on: the draft, else the published content.
    pub fn working(&self) -> Option<&KnowledgeContent> {
        self.draft.as_ref().or(self.published.as_ref())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KnowledgeSaved {
    pub code: String,
    pub kind: KnowledgeKind,
    pub status: KnowledgeStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct KnowledgePublished {
    pub code: String,
    pub version: i64,
    pub review_due: NaiveDate,
}

/// A published version in the history.
#[derive(Debug, Clone, Serialize)]
pub struct KnowledgeVersionInfo {
    pub version: i64,
    pub note: String,
    pub content_hash: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// The staff list's filters as they arrive.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub item: Option<String>,
    pub q: Option<String>,
    /// Only published entries past their review date.
    pub overdue: bool,
}

/// Everything people call an item and ask about it, in one place: the catalogue's canonical name
/// and aliases (edited with the item), the search aliases that lead to it (live at once), the
/// catalogue's FAQs and the knowledge base's FAQs and articles.
#[derive(Debug, Clone, Serialize)]
pub struct ItemKnowledge {
    pub code: String,
    pub name: String,
    pub catalogue_aliases: Vec<String>,
    /// Search synonym terms that expand to the item's name or one of its aliases.
    pub search_aliases: Vec<crate::search::SynonymRuleView>,
    /// FAQs that are part of the published catalogue entry.
    pub catalogue_faqs: Vec<zerotrip_core::catalog::Faq>,
    pub faqs: Vec<KnowledgeSummary>,
    pub articles: Vec<KnowledgeSummary>,
}

fn summary_of(row: &EntryRow, today: NaiveDate) -> AppResult<KnowledgeSummary> {
    let status = KnowledgeStatus::of(row);
    Ok(KnowledgeSummary {
        code: row.code.clone(),
        kind: KnowledgeKind::parse(&row.kind)?,
        title: row.title.clone(),
        item_code: row.item_code.clone(),
        status,
        published_version: row.published_version,
        published_at: row.published_at,
        review_due: row.review_due,
        overdue: is_overdue(row, today),
        updated_by: row
            .draft_updated_by
            .clone()
            .unwrap_or_else(|| row.created_by.clone()),
    })
}

fn is_overdue(row: &EntryRow, today: NaiveDate) -> bool {
    row.published_version.is_some()
        && row.withdrawn_at.is_none()
        && row.review_due.is_some_and(|due| due < today)
}

pub(crate) fn content_from_json(
    code: &str,
    value: &serde_json::Value,
) -> AppResult<KnowledgeContent> {
    serde_json::from_value(value.clone())
        .map_err(|error| AppError::Store(StoreError::corrupt(format!("知识 {code}"), error)))
}

fn content_to_json(content: &KnowledgeContent) -> AppResult<serde_json::Value> {
    serde_json::to_value(content).map_err(AppError::internal)
}

fn require_editor(principal: &Principal) -> AppResult<()> {
    principal.require(Role::ProvinceAdmin)
}

fn require_staff(principal: &Principal) -> AppResult<()> {
    if principal.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("仅限工作人员"))
    }
}

fn parse_item_code(code: &str) -> AppResult<String> {
    zerotrip_core::catalog::ItemCode::parse(code.trim())
        .map(|code| code.to_string())
        .map_err(|error| AppError::field("item", error))
}

fn parse_code(code: &str) -> AppResult<String> {
    let code = code.trim();
    let valid = (code.starts_with("KB-") || code.starts_with("FAQ-"))
        && code.len() <= 16
        && code
            .split_once('-')
            .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if valid {
        Ok(code.to_owned())
    } else {
        Err(AppError::field(
            "code",
            format!("知识编号“{code}”格式有误（如 KB-00001、FAQ-00001）"),
        ))
    }
}

impl App {
    /// Names of the published items among `codes`, checking each exists and is published.
    async fn related_items(&self, codes: &[String]) -> AppResult<Vec<(String, String)>> {
        let mut items = Vec::new();
        let mut fields = Vec::new();
        for code in codes {
            match catalog_store::published_item(&self.db, code).await? {
                Some(row) => {
                    let item: ServiceItem = item_from_json(&row.code, &row.content.0)?;
                    items.push((row.code, item.name));
                }
                None => fields.push(FieldError::new(
                    "item_codes",
                    format!("事项 {code} 不存在或尚未发布"),
                )),
            }
        }
        if fields.is_empty() {
            Ok(items)
        } else {
            Err(AppError::invalid("关联事项有误", fields))
        }
    }

    /// Creates an entry as a draft. `from_query`: the failed search it answers, which then leaves
    /// the failed-queries list.
    pub async fn create_knowledge(
        &self,
        principal: &Principal,
        kind: KnowledgeKind,
        content: KnowledgeContent,
        from_query: Option<&str>,
    ) -> AppResult<KnowledgeSaved> {
        require_editor(principal)?;
        let content = content.validated(kind)?;
        self.related_items(&content.item_codes).await?;
        let draft = content_to_json(&content)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let (_, code) = store::insert_entry(
            &mut tx,
            &NewEntry {
                kind: kind.as_str().to_owned(),
                title: content.title.clone(),
                item_code: content.faq_item().map(str::to_owned),
                draft: draft.clone(),
                by: principal.username.clone(),
                at: now,
            },
            kind.code_prefix(),
        )
        .await?;
        let target = format!("knowledge:{code}");
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.create",
            &target,
            None,
            Some(&draft),
        )
        .await?;
        if let Some(query) = from_query.map(crate::search::normalize_query)
            && !query.is_empty()
        {
            search_log::mark_handled(
                &mut tx,
                &query,
                &format!("{}:{code}", kind.as_str()),
                &principal.username,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(KnowledgeSaved {
            code,
            kind,
            status: KnowledgeStatus::Draft,
        })
    }

    /// Saves an edit as the entry's draft; the public keeps the published version until
    /// [`App::publish_knowledge`].
    pub async fn save_knowledge_draft(
        &self,
        principal: &Principal,
        code: &str,
        content: KnowledgeContent,
    ) -> AppResult<KnowledgeSaved> {
        require_editor(principal)?;
        let code = parse_code(code)?;
        let mut tx = self.db.begin().await?;
        let row = store::entry_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        let kind = KnowledgeKind::parse(&row.kind)?;
        let content = content.validated(kind)?;
        self.related_items(&content.item_codes).await?;
        let before = match &row.draft {
            Some(draft) => Some(draft.0.clone()),
            None => match store::latest_version_tx(&mut tx, row.id).await? {
                Some(version) => Some(version.content.0),
                None => None,
            },
        };
        let after = content_to_json(&content)?;
        store::save_draft(
            &mut tx,
            row.id,
            &content.title,
            content.faq_item(),
            after.clone(),
            &principal.username,
            self.clock.now(),
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.draft.save",
            &format!("knowledge:{code}"),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        let status = if row.published_version.is_some() {
            KnowledgeStatus::PublishedWithDraft
        } else {
            KnowledgeStatus::Draft
        };
        Ok(KnowledgeSaved { code, kind, status })
    }

    /// Throws the draft away (an entry never published keeps its draft: withdraw it instead).
    pub async fn discard_knowledge_draft(
        &self,
        principal: &Principal,
        code: &str,
    ) -> AppResult<()> {
        require_editor(principal)?;
        let code = parse_code(code)?;
        let mut tx = self.db.begin().await?;
        let row = store::entry_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        let Some(draft) = row.draft else {
            return Err(AppError::conflict("该知识没有草稿"));
        };
        let Some(published) = store::latest_version_tx(&mut tx, row.id).await? else {
            return Err(AppError::conflict("尚未发布的知识只有草稿，不能丢弃"));
        };
        let title = content_from_json(&code, &published.content.0)?.title;
        store::discard_draft(&mut tx, row.id, &title).await?;
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.draft.discard",
            &format!("knowledge:{code}"),
            Some(&draft.0),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes the draft as the entry's next immutable version, with a review date (by default
    /// a year from today). Publishing a withdrawn entry's unchanged content puts it back.
    pub async fn publish_knowledge(
        &self,
        principal: &Principal,
        code: &str,
        note: &str,
        review_due: Option<NaiveDate>,
    ) -> AppResult<KnowledgePublished> {
        require_editor(principal)?;
        let code = parse_code(code)?;
        let today = self.clock.today_in_china();
        let review_due = match review_due {
            None => today + Duration::days(DEFAULT_REVIEW_DAYS),
            Some(day) if day <= today => {
                return Err(AppError::field("review_due", "复核日期应晚于今天"));
            }
            Some(day) if day > today + Duration::days(MAX_REVIEW_DAYS) => {
                return Err(AppError::field("review_due", "复核日期最晚为三年后"));
            }
            Some(day) => day,
        };
        let note = match note.trim() {
            "" => "修订",
            note => note,
        };
        if note.chars().count() > 200 {
            return Err(AppError::field("note", "发布说明最多 200 个字"));
        }
        let mut tx = self.db.begin().await?;
        let row = store::entry_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        let kind = KnowledgeKind::parse(&row.kind)?;
        let previous = store::latest_version_tx(&mut tx, row.id).await?;
        let content = match (&row.draft, &previous) {
            (Some(draft), _) => content_from_json(&code, &draft.0)?,
            // Re-publishing a withdrawn entry without edits.
            (None, Some(previous)) if row.withdrawn_at.is_some() => {
                content_from_json(&code, &previous.content.0)?
            }
            (None, _) => return Err(AppError::conflict("该知识没有待发布的草稿")),
        };
        let content = content.validated(kind)?;
        self.related_items(&content.item_codes).await?;
        let json = content_to_json(&content)?;
        let hash = sm3_hex(canonical_json(&json).as_bytes());
        let version = match &previous {
            Some(previous) if previous.content_hash == hash && row.withdrawn_at.is_none() => {
                return Err(AppError::conflict(format!(
                    "知识 {code} 的草稿与当前发布版本相同，无需发布"
                )));
            }
            Some(previous) => previous.version + 1,
            None => 1,
        };
        let now = self.clock.now();
        store::publish_version(
            &mut tx,
            &store::VersionRow {
                entry_id: row.id,
                version,
                content: Json(json.clone()),
                content_hash: hash,
                note: note.to_owned(),
                published_at: now,
                published_by: principal.username.clone(),
            },
            &content.title,
            content.faq_item(),
            review_due,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.publish",
            &format!("knowledge:{code}"),
            previous.as_ref().map(|p| &p.content.0),
            Some(&json),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::ENTRY_PUBLISHED,
            &code,
            json!({"code": code, "kind": kind.as_str(), "version": version}),
        )
        .await?;
        tx.commit().await?;
        Ok(KnowledgePublished {
            code,
            version,
            review_due,
        })
    }

    /// Takes a published entry off the public site and out of search; its versions stay.
    pub async fn withdraw_knowledge(
        &self,
        principal: &Principal,
        code: &str,
        reason: &str,
    ) -> AppResult<()> {
        require_editor(principal)?;
        let code = parse_code(code)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("reason", "请说明撤下的原因"));
        }
        let mut tx = self.db.begin().await?;
        let row = store::entry_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        if row.published_version.is_none() {
            return Err(AppError::conflict("该知识尚未发布"));
        }
        if row.withdrawn_at.is_some() {
            return Err(AppError::conflict("该知识已撤下"));
        }
        store::withdraw(&mut tx, row.id, self.clock.now()).await?;
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.withdraw",
            &format!("knowledge:{code}"),
            None,
            Some(&json!({"reason": reason})),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::ENTRY_WITHDRAWN,
            &code,
            json!({"code": code, "kind": row.kind}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms a published entry is still right and sets its next review date (by default a
    /// year from today).
    pub async fn mark_knowledge_reviewed(
        &self,
        principal: &Principal,
        code: &str,
        next_review: Option<NaiveDate>,
    ) -> AppResult<NaiveDate> {
        require_editor(principal)?;
        let code = parse_code(code)?;
        let today = self.clock.today_in_china();
        let next = next_review.unwrap_or(today + Duration::days(DEFAULT_REVIEW_DAYS));
        if next <= today {
            return Err(AppError::field("review_due", "复核日期应晚于今天"));
        }
        if next > today + Duration::days(MAX_REVIEW_DAYS) {
            return Err(AppError::field("review_due", "复核日期最晚为三年后"));
        }
        let mut tx = self.db.begin().await?;
        let row = store::entry_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        if row.published_version.is_none() || row.withdrawn_at.is_some() {
            return Err(AppError::conflict("只有已发布的知识需要复核"));
        }
        store::mark_reviewed(&mut tx, row.id, next, &principal.username, self.clock.now()).await?;
        self.audit(
            &mut tx,
            &principal.username,
            "knowledge.review",
            &format!("knowledge:{code}"),
            row.review_due.map(|d| json!({"review_due": d})).as_ref(),
            Some(&json!({"review_due": next})),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// A published entry, for everyone.
    pub async fn knowledge_entry(&self, code: &str) -> AppResult<PublicKnowledge> {
        let code = parse_code(code)?;
        let entry = store::published_entry(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在或尚未发布")))?;
        self.public_knowledge(entry).await
    }

    async fn public_knowledge(&self, entry: PublishedEntry) -> AppResult<PublicKnowledge> {
        let content = content_from_json(&entry.code, &entry.content.0)?;
        let mut items = Vec::new();
        for code in &content.item_codes {
            if let Some(row) = catalog_store::published_item(&self.db, code).await? {
                let item: ServiceItem = item_from_json(&row.code, &row.content.0)?;
                items.push((row.code, item.name));
            }
        }
        Ok(PublicKnowledge {
            kind: KnowledgeKind::parse(&entry.kind)?,
            code: entry.code,
            content,
            version: entry.version,
            published_at: entry.published_at,
            review_due: entry.review_due,
            items,
        })
    }

    /// Published articles, newest first.
    pub async fn published_articles(&self, limit: i64) -> AppResult<Vec<PublicKnowledge>> {
        let mut out = Vec::new();
        for entry in store::published_of_kind(
            &self.db,
            KnowledgeKind::Article.as_str(),
            limit.clamp(1, 200),
        )
        .await?
        {
            out.push(self.public_knowledge(entry).await?);
        }
        Ok(out)
    }

    /// Published FAQs and articles about one item (for the guide page and the hotline).
    pub async fn published_knowledge_of_item(
        &self,
        item_code: &str,
    ) -> AppResult<Vec<PublicKnowledge>> {
        let mut out = Vec::new();
        for entry in store::all_published(&self.db).await? {
            let content = content_from_json(&entry.code, &entry.content.0)?;
            if content.item_codes.iter().any(|c| c == item_code) {
                out.push(self.public_knowledge(entry).await?);
            }
        }
        Ok(out)
    }

    /// An entry as an editor sees it.
    pub async fn editable_knowledge(
        &self,
        principal: &Principal,
        code: &str,
    ) -> AppResult<EditableKnowledge> {
        require_staff(principal)?;
        let code = parse_code(code)?;
        let row = store::entry(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        let published = match row.published_version {
            Some(version) => store::version(&self.db, row.id, version)
                .await?
                .map(|v| content_from_json(&code, &v.content.0))
                .transpose()?,
            None => None,
        };
        let draft = row
            .draft
            .as_ref()
            .map(|d| content_from_json(&code, &d.0))
            .transpose()?;
        let today = self.clock.today_in_china();
        Ok(EditableKnowledge {
            kind: KnowledgeKind::parse(&row.kind)?,
            status: KnowledgeStatus::of(&row),
            overdue: is_overdue(&row, today),
            code,
            published,
            published_version: row.published_version,
            published_at: row.published_at,
            draft,
            draft_updated_at: row.draft_updated_at,
            draft_updated_by: row.draft_updated_by,
            review_due: row.review_due,
            reviewed_at: row.reviewed_at,
            reviewed_by: row.reviewed_by,
            created_at: row.created_at,
            created_by: row.created_by,
        })
    }

    /// The published versions of an entry, newest first.
    pub async fn knowledge_versions(
        &self,
        principal: &Principal,
        code: &str,
    ) -> AppResult<Vec<KnowledgeVersionInfo>> {
        require_staff(principal)?;
        let code = parse_code(code)?;
        let row = store::entry(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        Ok(store::versions(&self.db, row.id)
            .await?
            .into_iter()
            .map(|v| KnowledgeVersionInfo {
                version: v.version,
                note: v.note,
                content_hash: v.content_hash,
                published_at: v.published_at,
                published_by: v.published_by,
            })
            .collect())
    }

    /// One published version's content, as it was published.
    pub async fn knowledge_version(
        &self,
        principal: &Principal,
        code: &str,
        version: i64,
    ) -> AppResult<(KnowledgeVersionInfo, KnowledgeContent)> {
        require_staff(principal)?;
        let code = parse_code(code)?;
        let row = store::entry(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 不存在")))?;
        let v = store::version(&self.db, row.id, version)
            .await?
            .ok_or_else(|| AppError::not_found(format!("知识 {code} 没有第 {version} 版")))?;
        let content = content_from_json(&code, &v.content.0)?;
        Ok((
            KnowledgeVersionInfo {
                version: v.version,
                note: v.note,
                content_hash: v.content_hash,
                published_at: v.published_at,
                published_by: v.published_by,
            },
            content,
        ))
    }

    /// The staff list, filtered.
    pub async fn knowledge_list(
        &self,
        principal: &Principal,
        query: &KnowledgeQuery,
    ) -> AppResult<Vec<KnowledgeSummary>> {
        require_staff(principal)?;
        let mut fields = Vec::new();
        let kind = match query
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(kind) => match KnowledgeKind::parse(kind) {
                Ok(kind) => Some(kind.as_str().to_owned()),
                Err(_) => {
                    fields.push(FieldError::new("kind", "类型应为 article 或 faq"));
                    None
                }
            },
            None => None,
        };
        let status = match query
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s @ ("draft" | "published" | "withdrawn" | "pending")) => Some(s.to_owned()),
            Some(_) => {
                fields.push(FieldError::new(
                    "status",
                    "状态应为 draft、published、pending 或 withdrawn",
                ));
                None
            }
            None => None,
        };
        let item_code = match query
            .item
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(code) => match parse_item_code(code) {
                Ok(code) => Some(code),
                Err(_) => {
                    fields.push(FieldError::new("item", format!("事项编码“{code}”格式有误")));
                    None
                }
            },
            None => None,
        };
        if !fields.is_empty() {
            return Err(AppError::invalid("查询参数有误", fields));
        }
        let today = self.clock.today_in_china();
        let filter = EntryFilter {
            kind,
            item_code,
            text: query.q.clone(),
            status,
            review_due_by: query.overdue.then(|| today - Duration::days(1)),
        };
        store::list_entries(&self.db, &filter, 500)
            .await?
            .iter()
            .map(|row| summary_of(row, today))
            .collect()
    }

    /// Published entries past their review date (复核到期), oldest first.
    pub async fn knowledge_due_for_review(
        &self,
        principal: &Principal,
    ) -> AppResult<Vec<KnowledgeSummary>> {
        self.knowledge_list(
            principal,
            &KnowledgeQuery {
                overdue: true,
                ..KnowledgeQuery::default()
            },
        )
        .await
    }

    /// Everything people call an item and ask about it, in one place.
    pub async fn item_knowledge(
        &self,
        principal: &Principal,
        item_code: &str,
    ) -> AppResult<ItemKnowledge> {
        require_staff(principal)?;
        let code = parse_item_code(item_code)?;
        let row = catalog_store::published_item(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 不存在或尚未发布")))?;
        let item: ServiceItem = item_from_json(&row.code, &row.content.0)?;
        let today = self.clock.today_in_china();
        let mut faqs = Vec::new();
        let mut articles = Vec::new();
        for entry in store::list_entries(&self.db, &EntryFilter::default(), 5000).await? {
            let content = match &entry.draft {
                Some(draft) => Some(content_from_json(&entry.code, &draft.0)?),
                None => None,
            };
            let related = entry.item_code.as_deref() == Some(code.as_str())
                || content
                    .as_ref()
                    .is_some_and(|c| c.item_codes.contains(&code))
                || self.published_mentions(&entry, &code).await?;
            if !related {
                continue;
            }
            let summary = summary_of(&entry, today)?;
            match summary.kind {
                KnowledgeKind::Faq => faqs.push(summary),
                KnowledgeKind::Article => articles.push(summary),
            }
        }
        let mut names = vec![item.name.clone()];
        names.extend(item.aliases.iter().cloned());
        let search_aliases = self.synonym_rules_leading_to(&names).await?;
        Ok(ItemKnowledge {
            code,
            name: item.name.clone(),
            catalogue_aliases: item.aliases.clone(),
            search_aliases,
            catalogue_faqs: item.faqs.clone(),
            faqs,
            articles,
        })
    }

    /// Whether the published version of an entry relates to the item.
    async fn published_mentions(&self, entry: &EntryRow, item_code: &str) -> AppResult<bool> {
        let Some(version) = entry.published_version else {
            return Ok(false);
        };
        let Some(row) = store::version(&self.db, entry.id, version).await? else {
            return Ok(false);
        };
        Ok(content_from_json(&entry.code, &row.content.0)?
            .item_codes
            .iter()
            .any(|c| c == item_code))
    }
}
