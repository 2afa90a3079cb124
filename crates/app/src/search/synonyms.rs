//! Synonyms and colloquial aliases as data: the engine's shipped list plus an overlay that
//! administrators edit at runtime. Every edit is a new immutable version; searches use the
//! latest on their next query, without reindexing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_search::{SynonymSet, normalize};
use zerotrip_store::search_log::{self, SynonymVersionRow};
use zerotrip_store::{Db, Json, StoreError};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldError};

/// One administrator's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynonymRule {
    pub term: String,
    pub equivalents: Vec<String>,
    /// `true`: every term of the group stands for every other; `false` (an alias): a query with
    /// `term` also looks for the equivalents.
    #[serde(default)]
    pub mutual: bool,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// What administrators changed on top of the shipped list; stored whole in every version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynonymOverlay {
    #[serde(default)]
    pub rules: Vec<SynonymRule>,
    /// Shipped terms that no longer expand.
    #[serde(default)]
    pub disabled: Vec<String>,
}

impl SynonymOverlay {
    /// The shipped list with this overlay applied.
    pub fn apply(&self, base: &SynonymSet) -> SynonymSet {
        let mut set = base.clone();
        for term in &self.disabled {
            set = set.without(term);
        }
        for rule in &self.rules {
            set = if rule.mutual {
                let mut group = vec![rule.term.clone()];
                group.extend(rule.equivalents.iter().cloned());
                set.with_group(&group)
            } else {
                set.with(&rule.term, rule.equivalents.iter())
            };
        }
        set
    }

    fn position(&self, term: &str) -> Option<usize> {
        let folded = normalize(term);
        self.rules.iter().position(|r| normalize(&r.term) == folded)
    }
}

/// A rule as the admin pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynonymRuleView {
    pub term: String,
    pub equivalents: Vec<String>,
    pub mutual: bool,
    /// admin | shipped
    pub source: &'static str,
    pub added_by: Option<String>,
    pub added_at: Option<DateTime<Utc>>,
}

/// An edit as it arrives (`POST /api/v1/admin/search/synonyms`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SynonymInput {
    pub term: String,
    pub equivalents: Vec<String>,
    #[serde(default)]
    pub mutual: bool,
    /// The failed search this answers; it then leaves the failed-queries list.
    #[serde(default)]
    pub from_query: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SynonymChange {
    pub version: i64,
    pub term: String,
    pub equivalents: Vec<String>,
    pub mutual: bool,
    pub removed: bool,
}

/// A version in the history.
#[derive(Debug, Clone, Serialize)]
pub struct SynonymVersion {
    pub version: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The list as administrators manage it.
#[derive(Debug, Clone, Serialize)]
pub struct SynonymOverview {
    pub version: i64,
    pub rules: Vec<SynonymRuleView>,
    pub disabled: Vec<String>,
    /// Terms of the shipped list (term → equivalents), for reference.
    pub shipped: Vec<SynonymRuleView>,
    pub history: Vec<SynonymVersion>,
}

pub const MAX_TERM_CHARS: usize = 20;
pub const MAX_EQUIVALENT_CHARS: usize = 60;
pub const MAX_EQUIVALENTS: usize = 10;

fn overlay_of(version: i64, rules: &serde_json::Value) -> AppResult<SynonymOverlay> {
    serde_json::from_value(rules.clone()).map_err(|error| {
        AppError::Store(StoreError::corrupt(format!("同义词第 {version} 版"), error))
    })
}

/// The overlay of `version` (empty for version 0).
async fn overlay_at(db: &Db, version: i64) -> AppResult<SynonymOverlay> {
    if version == 0 {
        return Ok(SynonymOverlay::default());
    }
    match search_log::synonym_version(db, version).await? {
        Some(row) => overlay_of(row.version, &row.rules.0),
        None => Err(AppError::Store(StoreError::corrupt(
            "同义词",
            format!("第 {version} 版不存在"),
        ))),
    }
}

/// The set searches use at `version`.
pub(crate) async fn load(db: &Db, version: i64) -> AppResult<SynonymSet> {
    Ok(overlay_at(db, version)
        .await?
        .apply(&SynonymSet::default_set()))
}

/// A term as people may enter it: at least two characters (one Chinese character would match
/// almost every query), unless it is a Latin abbreviation.
fn check_term(term: &str, field: &str, max: usize, fields: &mut Vec<FieldError>) -> Option<String> {
    let term = term.trim();
    let folded = normalize(term);
    let count = term.chars().count();
    if count == 0 {
        fields.push(FieldError::new(field, "请填写词语"));
        return None;
    }
    if count > max {
        fields.push(FieldError::new(
            field,
            format!("“{term}”过长（最多 {max} 个字）"),
        ));
        return None;
    }
    if count < 2 && !folded.chars().all(|c| c.is_ascii_alphanumeric()) {
        fields.push(FieldError::new(field, format!("“{term}”太短：至少两个字")));
        return None;
    }
    if term
        .chars()
        .any(|c| c.is_control() || matches!(c, ',' | '，' | '、' | '=' | '>' | '#'))
    {
        fields.push(FieldError::new(
            field,
            format!("“{term}”含有不能使用的符号（逗号、顿号、=、>、#）"),
        ));
        return None;
    }
    Some(term.to_owned())
}

impl SynonymInput {
    fn validated(&self) -> AppResult<(String, Vec<String>)> {
        let mut fields = Vec::new();
        let term = check_term(&self.term, "term", MAX_TERM_CHARS, &mut fields);
        let mut equivalents: Vec<String> = Vec::new();
        for value in &self.equivalents {
            if value.trim().is_empty() {
                continue;
            }
            if let Some(value) = check_term(value, "equivalents", MAX_EQUIVALENT_CHARS, &mut fields)
            {
                let same_as_term = term
                    .as_deref()
                    .is_some_and(|t| normalize(t) == normalize(&value));
                if !same_as_term
                    && !equivalents
                        .iter()
                        .any(|e| normalize(e) == normalize(&value))
                {
                    equivalents.push(value);
                }
            }
        }
        if equivalents.is_empty() && fields.iter().all(|f| f.field != "equivalents") {
            fields.push(FieldError::new(
                "equivalents",
                "请至少填写一个与它同义的词或事项名称",
            ));
        }
        if equivalents.len() > MAX_EQUIVALENTS {
            fields.push(FieldError::new(
                "equivalents",
                format!("同义词最多 {MAX_EQUIVALENTS} 个"),
            ));
        }
        match (term, fields.is_empty()) {
            (Some(term), true) => Ok((term, equivalents)),
            _ => Err(AppError::invalid("同义词有误", fields)),
        }
    }
}

fn require_admin(principal: &Principal) -> AppResult<()> {
    principal.require(Role::ProvinceAdmin)
}

fn view_of(rule: &SynonymRule) -> SynonymRuleView {
    SynonymRuleView {
        term: rule.term.clone(),
        equivalents: rule.equivalents.clone(),
        mutual: rule.mutual,
        source: "admin",
        added_by: Some(rule.added_by.clone()),
        added_at: Some(rule.added_at),
    }
}

impl App {
    /// Adds (or extends) a synonym or alias; the next search uses it.
    pub async fn add_synonym(
        &self,
        principal: &Principal,
        input: &SynonymInput,
    ) -> AppResult<SynonymChange> {
        require_admin(principal)?;
        let (term, equivalents) = input.validated()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let (version, previous) = search_log::next_synonym_version(&mut tx).await?;
        let mut overlay = match previous {
            Some(rules) => overlay_of(version - 1, &rules.0)?,
            None => SynonymOverlay::default(),
        };
        let before = overlay.position(&term).map(|i| overlay.rules[i].clone());
        let rule = match overlay.position(&term) {
            Some(i) => {
                let rule = &mut overlay.rules[i];
                for e in &equivalents {
                    if !rule
                        .equivalents
                        .iter()
                        .any(|x| normalize(x) == normalize(e))
                    {
                        rule.equivalents.push(e.clone());
                    }
                }
                rule.mutual = input.mutual;
                rule.added_by = principal.username.clone();
                rule.added_at = now;
                rule.clone()
            }
            None => {
                let rule = SynonymRule {
                    term: term.clone(),
                    equivalents,
                    mutual: input.mutual,
                    added_by: principal.username.clone(),
                    added_at: now,
                };
                overlay.rules.push(rule.clone());
                rule
            }
        };
        let folded = normalize(&term);
        overlay.disabled.retain(|t| normalize(t) != folded);
        let note = format!(
            "{}：{} {} {}",
            if before.is_some() { "修改" } else { "新增" },
            rule.term,
            if rule.mutual { "⇔" } else { "→" },
            rule.equivalents.join("、")
        );
        search_log::insert_synonym_version(
            &mut tx,
            &SynonymVersionRow {
                version,
                rules: Json(serde_json::to_value(&overlay).map_err(AppError::internal)?),
                note,
                created_by: principal.username.clone(),
                created_at: now,
            },
        )
        .await?;
        let before_json = before.map(|r| json!(r));
        self.audit(
            &mut tx,
            &principal.username,
            "search.synonym.save",
            &format!("synonym:{}", rule.term),
            before_json.as_ref(),
            Some(&json!(rule)),
        )
        .await?;
        if let Some(query) = input.from_query.as_deref().map(super::normalize_query)
            && !query.is_empty()
        {
            search_log::mark_handled(
                &mut tx,
                &query,
                &format!("synonym:{}", rule.term),
                &principal.username,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(SynonymChange {
            version,
            term: rule.term,
            equivalents: rule.equivalents,
            mutual: rule.mutual,
            removed: false,
        })
    }

    /// Removes an administrator's rule, or switches off a term of the shipped list.
    pub async fn remove_synonym(
        &self,
        principal: &Principal,
        term: &str,
    ) -> AppResult<SynonymChange> {
        require_admin(principal)?;
        let term = term.trim();
        if term.is_empty() {
            return Err(AppError::field("term", "请填写要删除的词语"));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let (version, previous) = search_log::next_synonym_version(&mut tx).await?;
        let mut overlay = match previous {
            Some(rules) => overlay_of(version - 1, &rules.0)?,
            None => SynonymOverlay::default(),
        };
        let folded = normalize(term);
        let (before, equivalents, mutual, note) = match overlay.position(term) {
            Some(i) => {
                let rule = overlay.rules.remove(i);
                let note = format!("删除：{}", rule.term);
                (json!(rule), rule.equivalents.clone(), rule.mutual, note)
            }
            None => {
                let shipped = SynonymSet::default_set();
                let Some(equivalents) = shipped.get(&folded) else {
                    return Err(AppError::not_found(format!("没有同义词“{term}”")));
                };
                if overlay.disabled.iter().any(|t| normalize(t) == folded) {
                    return Err(AppError::conflict(format!("同义词“{term}”已停用")));
                }
                overlay.disabled.push(term.to_owned());
                (
                    json!({"term": term, "equivalents": equivalents, "shipped": true}),
                    equivalents.to_vec(),
                    false,
                    format!("停用内置同义词：{term}"),
                )
            }
        };
        search_log::insert_synonym_version(
            &mut tx,
            &SynonymVersionRow {
                version,
                rules: Json(serde_json::to_value(&overlay).map_err(AppError::internal)?),
                note,
                created_by: principal.username.clone(),
                created_at: now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "search.synonym.remove",
            &format!("synonym:{term}"),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(SynonymChange {
            version,
            term: term.to_owned(),
            equivalents,
            mutual,
            removed: true,
        })
    }

    /// The overlay, the shipped list and the history, for the admin page.
    pub async fn synonym_overview(&self, principal: &Principal) -> AppResult<SynonymOverview> {
        if !principal.is_staff() {
            return Err(AppError::forbidden("仅限工作人员"));
        }
        let (version, overlay) = match search_log::latest_synonyms(&self.db).await? {
            Some(row) => (row.version, overlay_of(row.version, &row.rules.0)?),
            None => (0, SynonymOverlay::default()),
        };
        let history = search_log::synonym_history(&self.db, 50)
            .await?
            .into_iter()
            .map(|row| SynonymVersion {
                version: row.version,
                note: row.note,
                created_by: row.created_by,
                created_at: row.created_at,
            })
            .collect();
        let shipped = SynonymSet::default_set()
            .entries()
            .map(|(term, equivalents)| SynonymRuleView {
                term: term.to_owned(),
                equivalents: equivalents.to_vec(),
                mutual: false,
                source: "shipped",
                added_by: None,
                added_at: None,
            })
            .collect();
        Ok(SynonymOverview {
            version,
            rules: overlay.rules.iter().map(view_of).collect(),
            disabled: overlay.disabled,
            shipped,
            history,
        })
    }

    /// Rules of the current set whose equivalents include one of `names` (the search aliases of
    /// an item).
    pub(crate) async fn synonym_rules_leading_to(
        &self,
        names: &[String],
    ) -> AppResult<Vec<SynonymRuleView>> {
        let folded: Vec<String> = names.iter().map(|n| normalize(n)).collect();
        let leads =
            |equivalents: &[String]| equivalents.iter().any(|e| folded.contains(&normalize(e)));
        let overlay = match search_log::latest_synonyms(&self.db).await? {
            Some(row) => overlay_of(row.version, &row.rules.0)?,
            None => SynonymOverlay::default(),
        };
        let mut out: Vec<SynonymRuleView> = overlay
            .rules
            .iter()
            .filter(|r| leads(&r.equivalents) || (r.mutual && folded.contains(&normalize(&r.term))))
            .map(view_of)
            .collect();
        let shipped = SynonymSet::default_set();
        for (term, equivalents) in shipped.entries() {
            if leads(equivalents) && !overlay.disabled.iter().any(|d| normalize(d) == term) {
                out.push(SynonymRuleView {
                    term: term.to_owned(),
                    equivalents: equivalents.to_vec(),
                    mutual: false,
                    source: "shipped",
                    added_by: None,
                    added_at: None,
                });
            }
        }
        Ok(out)
    }
}
