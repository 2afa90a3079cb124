//! Chinese full-text search for zerotrip: service items, 一件事 bundles, FAQs and knowledge
//! articles, searched the way people ask ("身份证过期了怎么办", "开个小饭馆", "shebaoka",
//! "駕駛證換證", "公基金提取").
//!
//! * **Index** ([`SearchIndex`]): tantivy, in RAM or on disk. Each text is indexed as jieba
//!   search-mode words *and* character bigrams (so a query that is part of a word still
//!   matches), single characters, and—in separate, weaker fields—full pinyin and initials.
//!   Everything is folded first: traditional → simplified, full-width → half-width, lower case.
//! * **Queries**: question words and filler are dropped (unless nothing else is left); the rest
//!   is split into concepts, each expanded with synonyms from a [`SynonymSet`] (data, versioned,
//!   applied at query time: no reindex), one-character typo corrections (homophones first) and,
//!   for Latin input, the catalogue words its pinyin spells. tantivy's `QueryParser` is not used:
//!   the engine builds its own boolean query of term queries over weighted fields
//!   (name ≫ aliases > keywords > body; pinyin low), then re-ranks the BM25 candidates by how much
//!   of the query a name or alias covers. FAQ matches lift their item; queries that read as life
//!   events favour 一件事 bundles.
//! * **Evaluation** ([`evaluate`]) with recall@k, MRR and latency, and two
//!   [`baselines`] to measure against in the same run.

mod analysis;
#[cfg(feature = "baselines")]
pub mod baselines;
mod corpus;
mod document;
mod eval;
mod index;
mod py;
mod query;
mod rank;
mod synonyms;
mod text;

pub use document::{Article, DocKind, SearchDocument, UnknownKind};
pub use eval::{
    Engine, EvalQuery, EvalReport, IndexEngine, Miss, evaluate, evaluate_engine, percentile,
};
pub use index::{DocFilter, FaqMode, SearchHit, SearchIndex, SearchOptions, SearchResults};
pub use synonyms::{SynonymMatch, SynonymSet};
pub use text::{normalize, to_simplified};

/// Loads jieba's dictionary and the pinyin tables now (about 150 ms), so that the first query
/// does not pay for it. [`SearchIndex::in_memory`] and [`SearchIndex::open_in_dir`] call it too.
pub fn warm() {
    query::warm();
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(String),
    #[error("search index files: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index is damaged: {0}")]
    Corrupt(String),
    #[error("synonyms: {0}")]
    Synonyms(String),
    #[error("evaluation file, line {line}: {message}")]
    Eval { line: usize, message: String },
    #[error("baseline: {0}")]
    Baseline(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<SearchIndex>();
        assert_send_sync::<SynonymSet>();
    }
}
