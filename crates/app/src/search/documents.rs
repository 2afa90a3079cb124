//! The documents of the index, read from the published content: items with their catalogue
//! FAQs, bundles, and the knowledge base's published articles and FAQs.

use std::collections::HashMap;

use zerotrip_core::catalog::ServiceItem;
use zerotrip_search::{Article, DocKind, SearchDocument};
use zerotrip_store::catalog as catalog_store;
use zerotrip_store::knowledge::{self as knowledge_store, PublishedEntry};

use crate::App;
use crate::catalog::item_from_json;
use crate::error::AppResult;
use crate::knowledge::{KnowledgeContent, KnowledgeKind, content_from_json};

/// Looks up an item's name by its code.
pub(crate) type NameOf<'a> = dyn Fn(&str) -> Option<String> + Send + Sync + 'a;

/// Everything: every published item and its FAQs, every bundle, every published entry.
pub(crate) async fn all(app: &App) -> AppResult<Vec<SearchDocument>> {
    let items = app.published_items().await?;
    let bundles = app.bundles().await?;
    let mut docs = SearchDocument::from_catalog(&items, &bundles);
    let names: HashMap<String, String> = items
        .iter()
        .map(|item| (item.code.to_string(), item.name.clone()))
        .collect();
    let name_of = |code: &str| names.get(code).cloned();
    for entry in knowledge_store::all_published(&app.db).await? {
        docs.push(entry_document(&entry, &name_of)?);
    }
    Ok(docs)
}

/// The published item, if it is published.
pub(crate) async fn item(app: &App, code: &str) -> AppResult<Option<ServiceItem>> {
    match catalog_store::published_item(&app.db, code).await? {
        Some(row) => Ok(Some(item_from_json(&row.code, &row.content.0)?)),
        None => Ok(None),
    }
}

/// Every bundle, with its items' names.
pub(crate) async fn bundles(app: &App, name_of: &NameOf<'_>) -> AppResult<Vec<SearchDocument>> {
    let bundles = app.bundles().await?;
    let mut names = HashMap::new();
    for bundle in &bundles {
        for code in &bundle.item_codes {
            if let Some(name) = name_of(code.as_str()) {
                names.insert(code.to_string(), name);
            }
        }
    }
    Ok(bundles
        .iter()
        .map(|bundle| SearchDocument::from_bundle(bundle, &names))
        .collect())
}

/// The document of a published entry, or `None` when it is not (or no longer) published.
pub(crate) async fn entry(
    app: &App,
    code: &str,
    name_of: &NameOf<'_>,
) -> AppResult<Option<SearchDocument>> {
    match knowledge_store::published_entry(&app.db, code).await? {
        Some(entry) => Ok(Some(entry_document(&entry, name_of)?)),
        None => Ok(None),
    }
}

/// The documents of published entries about any of `items`.
pub(crate) async fn entries_about(
    app: &App,
    items: &[String],
    name_of: &NameOf<'_>,
) -> AppResult<Vec<SearchDocument>> {
    let mut docs = Vec::new();
    for entry in knowledge_store::all_published(&app.db).await? {
        let content = content_from_json(&entry.code, &entry.content.0)?;
        if content.item_codes.iter().any(|c| items.contains(c)) {
            docs.push(document_of(&entry.code, &entry.kind, &content, name_of)?);
        }
    }
    Ok(docs)
}

fn entry_document(entry: &PublishedEntry, name_of: &NameOf<'_>) -> AppResult<SearchDocument> {
    let content = content_from_json(&entry.code, &entry.content.0)?;
    document_of(&entry.code, &entry.kind, &content, name_of)
}

/// An article is found by its title, its other phrasings and its text; an FAQ by its question
/// and other phrasings, and it lifts its item in the results.
fn document_of(
    code: &str,
    kind: &str,
    content: &KnowledgeContent,
    name_of: &NameOf<'_>,
) -> AppResult<SearchDocument> {
    let item_names: Vec<String> = content
        .item_codes
        .iter()
        .filter_map(|c| name_of(c))
        .collect();
    let doc = match KnowledgeKind::parse(kind)? {
        KnowledgeKind::Article => {
            let mut keywords = content.keywords.clone();
            keywords.extend(item_names);
            if let Some(category) = content.category {
                keywords.push(category.label().to_owned());
            }
            let mut doc = SearchDocument::from_article(&Article {
                code: code.to_owned(),
                title: content.title.clone(),
                body: content.body.clone(),
                keywords,
            });
            doc.aliases = content.aliases.clone();
            doc
        }
        KnowledgeKind::Faq => {
            let mut doc = SearchDocument::new(DocKind::Faq, code, content.title.clone());
            doc.aliases = content.aliases.clone();
            doc.body = content.body.clone();
            doc.keywords = item_names;
            doc.keywords.extend(content.keywords.iter().cloned());
            doc.parent = content.item_codes.first().cloned();
            doc
        }
    };
    Ok(doc)
}
