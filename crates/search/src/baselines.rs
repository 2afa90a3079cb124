//! Two reference engines measured beside ours in the same run, on the same data and queries:
//!
//! * [`JiebaBaseline`]: plain jieba word matching (precise mode) with BM25 over names, aliases and
//!   FAQ text, as an OR of term queries in a second tantivy index;
//! * [`Fts5Baseline`]: SQLite FTS5 with the trigram tokenizer, an OR of the query's trigrams ranked
//!   by FTS5's `bm25()` (queries under three characters fall back to `LIKE`).
//!
//! Both index one row per item (with its FAQs) and per bundle, and answer with names.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use crate::SearchError;
use crate::analysis::jieba;
use crate::document::{DocKind, SearchDocument};
use crate::eval::Engine;

/// One row of a baseline: a name and the texts it is found by.
struct Row {
    name: String,
    aliases: String,
    faqs: String,
}

fn rows(docs: &[SearchDocument]) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    let mut items: HashMap<&str, usize> = HashMap::new();
    for d in docs.iter().filter(|d| d.kind != DocKind::Faq) {
        if d.kind == DocKind::Item {
            items.insert(d.code.as_str(), out.len());
        }
        out.push(Row {
            name: d.name.clone(),
            aliases: d.aliases.join("，"),
            faqs: String::new(),
        });
    }
    for d in docs.iter().filter(|d| d.kind == DocKind::Faq) {
        if let Some(&i) = d.parent.as_deref().and_then(|p| items.get(p)) {
            let faqs = &mut out[i].faqs;
            faqs.push_str(&d.name);
            faqs.push('\n');
            faqs.push_str(&d.body);
            faqs.push('\n');
        }
    }
    out
}

/// Jieba precise-mode words, lower-cased, without punctuation and spaces.
fn jieba_words(text: &str) -> Vec<String> {
    jieba()
        .cut(text, true)
        .into_iter()
        .map(|t| t.word.to_lowercase())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

fn pretokenized(words: Vec<String>) -> PreTokenizedString {
    let tokens = words
        .into_iter()
        .enumerate()
        .map(|(position, text)| Token {
            offset_from: 0,
            offset_to: 0,
            position,
            text,
            position_length: 1,
        })
        .collect();
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// Plain jieba word matching with BM25 (no n-grams, synonyms, folding or typo handling).
pub struct JiebaBaseline {
    reader: IndexReader,
    name: Field,
    text: Field,
}

impl JiebaBaseline {
    pub fn build(docs: &[SearchDocument]) -> Result<Self, SearchError> {
        let mut b = Schema::builder();
        let indexed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let name = b.add_text_field("name", STORED);
        let text = b.add_text_field("text", indexed);
        let index = Index::create_in_ram(b.build());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 20_000_000)?;
        for row in rows(docs) {
            let mut d = TantivyDocument::new();
            d.add_text(name, &row.name);
            let mut words = jieba_words(&row.name);
            words.extend(jieba_words(&row.aliases));
            words.extend(jieba_words(&row.faqs));
            d.add_pre_tokenized_text(text, pretokenized(words));
            writer.add_document(d)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(JiebaBaseline { reader, name, text })
    }
}

impl Engine for JiebaBaseline {
    fn name(&self) -> &str {
        "jieba-bm25"
    }

    fn top_names(&self, query: &str, k: usize) -> Result<Vec<String>, SearchError> {
        let mut words = jieba_words(query);
        words.sort();
        words.dedup();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|w| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.text, w),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, q)
            })
            .collect();
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(k.max(1)).order_by_score(),
        )?;
        let mut out = Vec::with_capacity(top.len());
        for (_, address) in top {
            let d: TantivyDocument = searcher.doc(address)?;
            if let Some(n) = d
                .get_first(self.name)
                .and_then(|v| v.as_str().map(str::to_string))
            {
                out.push(n);
            }
        }
        Ok(out)
    }
}

/// SQLite FTS5 with the trigram tokenizer.
pub struct Fts5Baseline {
    conn: Mutex<rusqlite::Connection>,
}

fn sql(e: rusqlite::Error) -> SearchError {
    SearchError::Baseline(e.to_string())
}

impl Fts5Baseline {
    pub fn build(docs: &[SearchDocument]) -> Result<Self, SearchError> {
        let conn = rusqlite::Connection::open_in_memory().map_err(sql)?;
        conn.execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(name, aliases, faqs, tokenize = 'trigram');",
        )
        .map_err(sql)?;
        {
            let mut insert = conn
                .prepare("INSERT INTO docs (name, aliases, faqs) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            for row in rows(docs) {
                insert
                    .execute((&row.name, &row.aliases, &row.faqs))
                    .map_err(sql)?;
            }
        }
        Ok(Fts5Baseline {
            conn: Mutex::new(conn),
        })
    }
}

impl Engine for Fts5Baseline {
    fn name(&self) -> &str {
        "sqlite-fts5-trigram"
    }

    fn top_names(&self, query: &str, k: usize) -> Result<Vec<String>, SearchError> {
        let chars: Vec<char> = query
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let conn = match self.conn.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let limit = k.max(1) as i64;
        let mut out = Vec::new();
        if chars.len() < 3 {
            if chars.is_empty() {
                return Ok(out);
            }
            let pattern = format!("%{}%", chars.iter().collect::<String>());
            let mut stmt = conn
                .prepare("SELECT name FROM docs WHERE name LIKE ?1 OR aliases LIKE ?1 LIMIT ?2")
                .map_err(sql)?;
            let rows = stmt
                .query_map((&pattern, limit), |r| r.get::<_, String>(0))
                .map_err(sql)?;
            for r in rows {
                out.push(r.map_err(sql)?);
            }
            return Ok(out);
        }
        let mut grams: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
        grams.sort();
        grams.dedup();
        let expression = grams
            .iter()
            .map(|g| format!("\"{}\"", g.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" OR ");
        let mut stmt = conn
            .prepare("SELECT name FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs) LIMIT ?2")
            .map_err(sql)?;
        let rows = stmt
            .query_map((&expression, limit), |r| r.get::<_, String>(0))
            .map_err(sql)?;
        for r in rows {
            out.push(r.map_err(sql)?);
        }
        Ok(out)
    }
}
