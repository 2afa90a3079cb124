//! Importing and exporting the catalogue. An import is one transaction: when any row is bad,
//! the errors name the line and field and nothing is written.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use zerotrip_core::catalog::{
    CodeAllocator, ImportErrors, ItemCode, ItemType, ServiceItem, catalog_to_csv, catalog_to_json,
    parse_catalog_csv, parse_catalog_json,
};
use zerotrip_core::ids::BasicCode;
use zerotrip_store::catalog::{self as store, ItemCodes};

use super::editing::PublishContext;
use super::{item_from_json, item_to_json, listing_of};
use crate::App;
use crate::error::{AppError, AppResult, FieldError};
use crate::events::topics;

/// File formats of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogFormat {
    /// The exchange format: a JSON array of items with every element.
    Json,
    /// One row per item: our own export format, or a source list such as the Sichuan one.
    Csv,
}

impl CatalogFormat {
    /// Guesses the format from a file name.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(CatalogFormat::Json),
            "csv" => Some(CatalogFormat::Csv),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: CatalogFormat,
    /// Publish every new or changed item as a version (refused if any breaks a quality rule);
    /// otherwise they become drafts.
    pub publish: bool,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub items: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub published: usize,
}

impl App {
    /// Imports a catalogue file. `progress(done, total)` is called after each item.
    pub async fn import_catalog(
        &self,
        actor: &str,
        text: &str,
        options: &ImportOptions,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> AppResult<ImportReport> {
        let mut tx = self.db.begin().await?;
        let codes = store::item_codes(&mut tx).await?;
        let items = match options.format {
            CatalogFormat::Json => parse_catalog_json(text),
            CatalogFormat::Csv => parse_catalog_csv(text, &mut StoreAllocator::new(&codes)),
        }
        .map_err(import_errors)?;
        let existing: HashSet<&str> = codes.iter().map(|c| c.code.as_str()).collect();
        let taken_basic: HashMap<&str, &str> = codes
            .iter()
            .map(|c| (c.basic_code.as_str(), c.code.as_str()))
            .collect();
        let mut context = PublishContext::load(&mut tx).await?;
        let mut report = ImportReport {
            items: items.len(),
            ..Default::default()
        };
        let total = items.len();
        for (index, item) in items.iter().enumerate() {
            let code = item.code.to_string();
            if let Some(owner) = taken_basic
                .get(item.basic_code.as_str())
                .filter(|owner| **owner != code)
            {
                return Err(AppError::field(
                    "basic_code",
                    format!(
                        "事项 {code} 的基本编码 {} 已被事项 {owner} 使用",
                        item.basic_code
                    ),
                ));
            }
            let outcome = if existing.contains(code.as_str()) {
                self.import_existing(&mut tx, actor, item, options, &mut context)
                    .await?
            } else {
                store::insert_item(
                    &mut tx,
                    &code,
                    item.basic_code.as_str(),
                    item.source_code.as_deref(),
                    &listing_of(item),
                    self.clock.now(),
                )
                .await?;
                report.created += 1;
                self.import_content(&mut tx, actor, item, None, options, &mut context)
                    .await?
            };
            match outcome {
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Drafted => {}
                Outcome::Published => report.published += 1,
            }
            if existing.contains(code.as_str()) && outcome != Outcome::Unchanged {
                report.updated += 1;
            }
            progress(index + 1, total);
        }
        let summary = json!({
            "format": match options.format { CatalogFormat::Json => "json", CatalogFormat::Csv => "csv" },
            "items": report.items, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "published": report.published,
        });
        self.audit(
            &mut tx,
            actor,
            "catalog.import",
            "catalog",
            None,
            Some(&summary),
        )
        .await?;
        self.emit(&mut tx, topics::CATALOG_IMPORTED, "catalog", summary)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn import_existing(
        &self,
        tx: &mut zerotrip_store::Tx,
        actor: &str,
        item: &ServiceItem,
        options: &ImportOptions,
        context: &mut PublishContext,
    ) -> AppResult<Outcome> {
        let code = item.code.to_string();
        let row = store::item_tx(tx, &code)
            .await?
            .ok_or_else(|| AppError::internal(format!("事项 {code} 在导入过程中消失")))?;
        if row.basic_code != item.basic_code.as_str() {
            return Err(AppError::field(
                "basic_code",
                format!(
                    "事项 {code} 的基本编码发布后不可更改（当前为 {}，文件中为 {}）",
                    row.basic_code, item.basic_code
                ),
            ));
        }
        let published = match store::latest_version_tx(tx, &code).await? {
            Some(version) => Some(item_from_json(&code, &version.content.0)?),
            None => None,
        };
        let draft = row
            .draft
            .as_ref()
            .map(|d| item_from_json(&code, &d.0))
            .transpose()?;
        let newest = draft.as_ref().or(published.as_ref());
        if newest == Some(item) && (draft.is_none() || !options.publish) {
            return Ok(Outcome::Unchanged);
        }
        let before = newest.map(item_to_json).transpose()?;
        self.import_content(tx, actor, item, before, options, context)
            .await
    }

    async fn import_content(
        &self,
        tx: &mut zerotrip_store::Tx,
        actor: &str,
        item: &ServiceItem,
        before: Option<serde_json::Value>,
        options: &ImportOptions,
        context: &mut PublishContext,
    ) -> AppResult<Outcome> {
        if options.publish {
            self.publish_in_tx(tx, item, actor, &options.note, context)
                .await?;
            return Ok(Outcome::Published);
        }
        let code = item.code.to_string();
        let after = item_to_json(item)?;
        store::save_draft(tx, &code, after.clone(), actor, self.clock.now()).await?;
        self.audit(
            tx,
            actor,
            "catalog.item.draft.import",
            &format!("item:{code}"),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        Ok(Outcome::Drafted)
    }

    /// An import by a province administrator.
    pub async fn import_catalog_by(
        &self,
        principal: &crate::auth::Principal,
        text: &str,
        options: &ImportOptions,
    ) -> AppResult<ImportReport> {
        principal.require(zerotrip_core::access::Role::ProvinceAdmin)?;
        self.import_catalog(&principal.username, text, options, &|_, _| {})
            .await
    }

    /// The published catalogue in `format`; importing the output into an empty platform and
    /// exporting again gives the same bytes.
    pub async fn export_catalog(&self, format: CatalogFormat) -> AppResult<String> {
        let items = self.published_items().await?;
        Ok(match format {
            CatalogFormat::Json => catalog_to_json(&items),
            CatalogFormat::Csv => catalog_to_csv(&items),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Unchanged,
    Drafted,
    Published,
}

fn import_errors(errors: ImportErrors) -> AppError {
    let fields: Vec<FieldError> = errors
        .iter()
        .map(|error| {
            let mut place = Vec::new();
            if let Some(line) = error.line {
                place.push(format!("第{line}行"));
            }
            if !error.field.is_empty() {
                place.push(error.field.clone());
            }
            FieldError::new(place.join(" "), error.to_string())
        })
        .collect();
    let mut message = format!("导入文件有 {} 处错误，未写入任何数据", errors.total());
    if let Some(first) = errors.iter().next() {
        message.push_str(&format!("。第一处：{first}"));
    }
    AppError::invalid(message, fields)
}

/// Allocates codes for imported rows that have none: the codes of the item imported earlier
/// from the same source, else the next free `HN-<tag>-NNNNN` and 46-prefixed basic code.
struct StoreAllocator {
    by_source: HashMap<String, (ItemCode, BasicCode)>,
    next_sequence: HashMap<&'static str, u32>,
    next_main: HashMap<String, u32>,
}

impl StoreAllocator {
    fn new(codes: &[ItemCodes]) -> Self {
        let mut allocator = StoreAllocator {
            by_source: HashMap::new(),
            next_sequence: HashMap::new(),
            next_main: HashMap::new(),
        };
        for row in codes {
            if let (Some(source), Ok(code), Ok(basic)) = (
                &row.source_code,
                ItemCode::parse(&row.code),
                BasicCode::parse(&row.basic_code),
            ) {
                allocator.by_source.insert(source.clone(), (code, basic));
            }
            for item_type in ItemType::ALL {
                let prefix = format!("HN-{}-", item_type.tag());
                if let Some(sequence) = row
                    .code
                    .strip_prefix(&prefix)
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    let next = allocator.next_sequence.entry(item_type.tag()).or_insert(1);
                    *next = (*next).max(sequence + 1);
                }
            }
            if let Ok(basic) = BasicCode::parse(&row.basic_code)
                && let Ok(main) = basic.main_item().parse::<u32>()
            {
                let key = format!("{}{}", basic.owner(), basic.type_code());
                let next = allocator.next_main.entry(key).or_insert(1);
                *next = (*next).max(main + 1);
            }
        }
        allocator
    }
}

impl CodeAllocator for StoreAllocator {
    fn allocate(
        &mut self,
        item_type: ItemType,
        source_code: Option<&str>,
    ) -> Result<(ItemCode, BasicCode), String> {
        if let Some(found) = source_code.and_then(|source| self.by_source.get(source)) {
            return Ok(found.clone());
        }
        let sequence = self.next_sequence.entry(item_type.tag()).or_insert(1);
        let code = ItemCode::parse(&format!("HN-{}-{:05}", item_type.tag(), *sequence))
            .map_err(|e| e.to_string())?;
        *sequence += 1;
        let main = self
            .next_main
            .entry(format!("46{}", item_type.code()))
            .or_insert(1);
        let basic = BasicCode::new("46", item_type.code(), *main, 0).map_err(|e| e.to_string())?;
        *main += 1;
        if let Some(source) = source_code {
            self.by_source
                .insert(source.to_owned(), (code.clone(), basic.clone()));
        }
        Ok((code, basic))
    }
}
