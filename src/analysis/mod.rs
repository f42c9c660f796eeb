//! Text analysis for tantivy: how page text and queries become terms.
//!
//! Index and query go through the same analyzer, so a query typed without
//! diacritics, with plain alef, ه for ة or Western digits meets the printed
//! form in the index.

pub mod normalize;
pub mod tokenizer;

use tantivy::tokenizer::TextAnalyzer;

pub use tokenizer::ScriptTokenizer;

/// Name under which the normalising analyzer is registered with an index.
pub const TEXT_ANALYZER: &str = "arshif_text";

/// The analyzer for normalised, unstemmed text.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(ScriptTokenizer::default()).build()
}

/// Register arshif's analyzers with an index (needed on every open).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
}

/// The normalised terms of a text, in order. Used to match OCR words against
/// query terms outside tantivy.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}
