//! What a knowledge entry says, and the rules it must follow.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, FieldError};

/// Article or FAQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KnowledgeKind {
    /// 政策解读、办事指引.
    Article,
    /// A common question about one item (常见问题).
    Faq,
}

impl KnowledgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KnowledgeKind::Article => "article",
            KnowledgeKind::Faq => "faq",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KnowledgeKind::Article => "文章",
            KnowledgeKind::Faq => "常见问题",
        }
    }

    pub fn parse(text: &str) -> AppResult<Self> {
        match text.trim() {
            "article" | "文章" => Ok(KnowledgeKind::Article),
            "faq" | "常见问题" => Ok(KnowledgeKind::Faq),
            other => Err(AppError::field(
                "kind",
                format!("知识类型“{other}”不存在，可选：article（文章）、faq（常见问题）"),
            )),
        }
    }

    /// The prefix of the entry codes of this kind.
    pub fn code_prefix(self) -> &'static str {
        match self {
            KnowledgeKind::Article => "KB-",
            KnowledgeKind::Faq => "FAQ-",
        }
    }
}

/// What kind of article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleCategory {
    /// 政策解读.
    Policy,
    /// 办事指引 (how to get something done, across items).
    Guide,
}

impl ArticleCategory {
    pub const ALL: [ArticleCategory; 2] = [ArticleCategory::Policy, ArticleCategory::Guide];

    pub fn label(self) -> &'static str {
        match self {
            ArticleCategory::Policy => "政策解读",
            ArticleCategory::Guide => "办事指引",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleCategory::Policy => "policy",
            ArticleCategory::Guide => "guide",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ArticleCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == text.trim() || c.label() == text.trim())
    }
}

/// The content of one version (the draft has the same shape). For an FAQ the title is the
/// question, the body the answer, and `item_codes` names exactly one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeContent {
    pub title: String,
    pub body: String,
    /// Articles only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ArticleCategory>,
    /// Other ways people ask the same thing (常见问法), matched nearly as strongly as the title.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Weaker search terms.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The items it is about.
    #[serde(default)]
    pub item_codes: Vec<String>,
}

pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 20_000;
pub const MAX_TERMS: usize = 20;
pub const MAX_TERM: usize = 40;
pub const MAX_ITEMS: usize = 20;

fn clean_list(
    values: &[String],
    field: &str,
    label: &str,
    fields: &mut Vec<FieldError>,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for value in values {
        let value = value.trim();
        if value.is_empty() || !seen.insert(value.to_owned()) {
            continue;
        }
        if value.chars().count() > MAX_TERM {
            fields.push(FieldError::new(
                field,
                format!("{label}“{value}”过长（最多 {MAX_TERM} 个字）"),
            ));
        }
        out.push(value.to_owned());
    }
    if out.len() > MAX_TERMS {
        fields.push(FieldError::new(
            field,
            format!("{label}最多 {MAX_TERMS} 个"),
        ));
    }
    out
}

impl KnowledgeContent {
    /// Trimmed, de-duplicated and checked for `kind`; every problem is reported at once.
    pub fn validated(self, kind: KnowledgeKind) -> AppResult<KnowledgeContent> {
        let mut fields = Vec::new();
        let title = self.title.trim().to_owned();
        let title_label = match kind {
            KnowledgeKind::Article => "标题",
            KnowledgeKind::Faq => "问题",
        };
        let body_label = match kind {
            KnowledgeKind::Article => "正文",
            KnowledgeKind::Faq => "答复",
        };
        match title.chars().count() {
            0 | 1 => fields.push(FieldError::new(
                "title",
                format!("请填写{title_label}（至少 2 个字）"),
            )),
            n if n > MAX_TITLE => fields.push(FieldError::new(
                "title",
                format!("{title_label}最多 {MAX_TITLE} 个字"),
            )),
            _ => {}
        }
        let body = self.body.trim().replace("\r\n", "\n");
        match body.chars().count() {
            0 => fields.push(FieldError::new("body", format!("请填写{body_label}"))),
            n if n > MAX_BODY => fields.push(FieldError::new(
                "body",
                format!("{body_label}最多 {MAX_BODY} 个字"),
            )),
            _ => {}
        }
        let aliases = clean_list(&self.aliases, "aliases", "常见问法", &mut fields);
        let keywords = clean_list(&self.keywords, "keywords", "关键词", &mut fields);
        let mut item_codes = Vec::new();
        for code in &self.item_codes {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            match zerotrip_core::catalog::ItemCode::parse(code) {
                Ok(code) => {
                    let code = code.to_string();
                    if !item_codes.contains(&code) {
                        item_codes.push(code);
                    }
                }
                Err(error) => fields.push(FieldError::new(
                    "item_codes",
                    format!("事项编码“{code}”有误：{error}"),
                )),
            }
        }
        let category = match kind {
            KnowledgeKind::Faq => {
                if item_codes.len() != 1 {
                    fields.push(FieldError::new(
                        "item_codes",
                        "常见问题应关联且只关联一个事项",
                    ));
                }
                if self.category.is_some() {
                    fields.push(FieldError::new("category", "常见问题没有文章分类"));
                }
                None
            }
            KnowledgeKind::Article => {
                if item_codes.len() > MAX_ITEMS {
                    fields.push(FieldError::new(
                        "item_codes",
                        format!("一篇文章最多关联 {MAX_ITEMS} 个事项"),
                    ));
                }
                Some(self.category.unwrap_or(ArticleCategory::Policy))
            }
        };
        if !fields.is_empty() {
            return Err(AppError::invalid("内容有误，请修改后再保存", fields));
        }
        Ok(KnowledgeContent {
            title,
            body,
            category,
            aliases,
            keywords,
            item_codes,
        })
    }

    /// An FAQ's item.
    pub fn faq_item(&self) -> Option<&str> {
        match self.category {
            None => self.item_codes.first().map(String::as_str),
            Some(_) => None,
        }
    }

    /// The body as paragraphs (blank lines or single line breaks separate them).
    pub fn paragraphs(&self) -> Vec<&str> {
        self.body
            .split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq(items: &[&str]) -> KnowledgeContent {
        KnowledgeContent {
            title: " 身份证丢了怎么办？ ".into(),
            body: "携带户口簿到派出所补领。".into(),
            category: None,
            aliases: vec!["身份证掉了".into(), "身份证掉了".into(), " ".into()],
            keywords: Vec::new(),
            item_codes: items.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn an_faq_names_one_item_and_is_cleaned() {
        let ok = faq(&["HN-XK-00001"]).validated(KnowledgeKind::Faq);
        let ok = ok.ok().filter(|c| c.title == "身份证丢了怎么办？");
        assert_eq!(ok.as_ref().map(|c| c.aliases.len()), Some(1));
        assert_eq!(ok.as_ref().and_then(|c| c.faq_item()), Some("HN-XK-00001"));
        let err = faq(&[]).validated(KnowledgeKind::Faq).err();
        assert!(err.is_some_and(|e| e.fields().iter().any(|f| f.field == "item_codes")));
    }

    #[test]
    fn articles_get_a_category_and_report_every_problem() {
        let article = KnowledgeContent {
            title: "x".into(),
            body: String::new(),
            ..faq(&[])
        };
        let err = article.validated(KnowledgeKind::Article).err();
        let fields: Vec<String> = err
            .map(|e| e.fields().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["title", "body"]);
        let ok = faq(&["HN-XK-00001"]).validated(KnowledgeKind::Article).ok();
        assert_eq!(ok.and_then(|c| c.category), Some(ArticleCategory::Policy));
    }
}
