//! What the index holds: items, 一件事 bundles, FAQs and knowledge articles, each as one
//! [`SearchDocument`], and the conversions from the catalogue types.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zerotrip_core::catalog::{Bundle, Faq, ServiceItem};

/// The kind of a document; serialised as `"item"`, `"bundle"`, `"faq"` or `"article"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Item,
    Bundle,
    Faq,
    Article,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [
        DocKind::Item,
        DocKind::Bundle,
        DocKind::Faq,
        DocKind::Article,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Item => "item",
            DocKind::Bundle => "bundle",
            DocKind::Faq => "faq",
            DocKind::Article => "article",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown document kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind {0:?} (expected item, bundle, faq or article)")]
pub struct UnknownKind(pub String);

impl FromStr for DocKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "item" => Ok(DocKind::Item),
            "bundle" => Ok(DocKind::Bundle),
            "faq" => Ok(DocKind::Faq),
            "article" => Ok(DocKind::Article),
            other => Err(UnknownKind(other.to_string())),
        }
    }
}

/// One searchable document. `(kind, code)` identifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    pub kind: DocKind,
    pub code: String,
    /// The canonical name (for an FAQ: its question).
    pub name: String,
    /// Other names people use (口语别名), matched almost as strongly as the name.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Weak text: a description, conditions, material names, an FAQ's answer, an article's body.
    #[serde(default)]
    pub body: String,
    /// Extra keywords: themes, the department, tags.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A multiplier on the score (1.0 neutral), e.g. for high-frequency items.
    #[serde(default = "one")]
    pub boost: f32,
    /// For an FAQ, the code of the item it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

fn one() -> f32 {
    1.0
}

impl SearchDocument {
    pub fn new(kind: DocKind, code: impl Into<String>, name: impl Into<String>) -> Self {
        SearchDocument {
            kind,
            code: code.into(),
            name: name.into(),
            aliases: Vec::new(),
            body: String::new(),
            keywords: Vec::new(),
            boost: 1.0,
            parent: None,
        }
    }

    /// The item document of a service item: name, aliases, themes and department as keywords,
    /// conditions, material and result names as weak text. High-frequency items get a small boost.
    pub fn from_item(item: &ServiceItem) -> Self {
        let mut body = Vec::new();
        body.extend(item.conditions.iter().cloned());
        body.extend(item.materials.iter().map(|m| m.name.clone()));
        if let Some(result) = &item.result {
            body.push(result.name.clone());
        }
        let mut keywords: Vec<String> = item.themes.iter().map(|t| t.label().to_string()).collect();
        keywords.push(item.department.clone());
        if let Some(main) = &item.main_item {
            keywords.push(main.clone());
        }
        SearchDocument {
            kind: DocKind::Item,
            code: item.code.as_str().to_string(),
            name: item.name.clone(),
            aliases: item.aliases.clone(),
            body: body.join("；"),
            keywords,
            boost: if item.high_frequency { 1.05 } else { 1.0 },
            parent: None,
        }
    }

    /// One FAQ document per FAQ of the item, coded `ITEMCODE#faq-N` (N from 1), linked to the item.
    pub fn from_item_faqs(item: &ServiceItem) -> Vec<Self> {
        item.faqs
            .iter()
            .enumerate()
            .map(|(i, faq)| Self::from_faq(item.code.as_str(), &item.name, i + 1, faq))
            .collect()
    }

    /// The FAQ document `ITEMCODE#faq-N`; the item's name is a keyword.
    pub fn from_faq(item_code: &str, item_name: &str, n: usize, faq: &Faq) -> Self {
        SearchDocument {
            kind: DocKind::Faq,
            code: format!("{item_code}#faq-{n}"),
            name: faq.q.clone(),
            aliases: Vec::new(),
            body: faq.a.clone(),
            keywords: vec![item_name.to_string()],
            boost: 1.0,
            parent: Some(item_code.to_string()),
        }
    }

    /// The bundle document: name, aliases, description and (as keywords) its items' names.
    /// `item_names` maps item codes to names; unknown codes are skipped.
    pub fn from_bundle(bundle: &Bundle, item_names: &HashMap<String, String>) -> Self {
        let keywords = bundle
            .item_codes
            .iter()
            .filter_map(|c| item_names.get(c.as_str()).cloned())
            .collect();
        SearchDocument {
            kind: DocKind::Bundle,
            code: bundle.code.clone(),
            name: bundle.name.clone(),
            aliases: bundle.aliases.clone(),
            body: bundle.description.clone(),
            keywords,
            boost: 1.0,
            parent: None,
        }
    }

    /// The article document.
    pub fn from_article(article: &Article) -> Self {
        SearchDocument {
            kind: DocKind::Article,
            code: article.code.clone(),
            name: article.title.clone(),
            aliases: Vec::new(),
            body: article.body.clone(),
            keywords: article.keywords.clone(),
            boost: 1.0,
            parent: None,
        }
    }

    /// Every document of a catalogue: each item, its FAQs, and each bundle.
    pub fn from_catalog(items: &[ServiceItem], bundles: &[Bundle]) -> Vec<Self> {
        let names: HashMap<String, String> = items
            .iter()
            .map(|i| (i.code.as_str().to_string(), i.name.clone()))
            .collect();
        let mut docs = Vec::with_capacity(items.len() * 2 + bundles.len());
        for item in items {
            docs.push(Self::from_item(item));
            docs.extend(Self::from_item_faqs(item));
        }
        docs.extend(bundles.iter().map(|b| Self::from_bundle(b, &names)));
        docs
    }

    /// The identity of the document inside the index.
    pub(crate) fn key(&self) -> String {
        doc_key(self.kind, &self.code)
    }
}

pub(crate) fn doc_key(kind: DocKind, code: &str) -> String {
    format!("{}:{}", kind.as_str(), code)
}

/// A knowledge article (policy explanation, guide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub code: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl From<&Article> for SearchDocument {
    fn from(article: &Article) -> Self {
        SearchDocument::from_article(article)
    }
}

impl From<&ServiceItem> for SearchDocument {
    fn from(item: &ServiceItem) -> Self {
        SearchDocument::from_item(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_as_the_api_says() {
        assert_eq!(
            serde_json::to_string(&DocKind::Faq).ok().as_deref(),
            Some("\"faq\"")
        );
        assert_eq!("bundle".parse::<DocKind>(), Ok(DocKind::Bundle));
        assert!("x".parse::<DocKind>().is_err());
    }
}
