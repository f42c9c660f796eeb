//! Text analysis for tantivy: how page text and queries become terms.
//!
//! Index and query go through the same analyzers, so a query typed without
//! diacritics, with plain alef, ه for ة or Western digits meets the printed
//! form in the index.
//!
//! * `arshif_text`: split by script and normalise (see [`tokenizer`]).
//! * `arshif_stem`: the same, then stem each token by its script (see [`stem`]).

pub mod normalize;
pub mod rasm;
pub mod stem;
pub mod stopwords;
pub mod tokenizer;

use tantivy::tokenizer::TextAnalyzer;

pub use stem::{ArabicStemmer, Stemmers};
pub use stopwords::is_stopword;
pub use tokenizer::ScriptTokenizer;

/// Name under which the normalising analyzer is registered with an index.
pub const TEXT_ANALYZER: &str = "arshif_text";
/// Name of the normalising + stemming analyzer.
pub const STEM_ANALYZER: &str = "arshif_stem";
/// Name of the analyzer reducing Arabic words to their dotless skeleton.
pub const RASM_ANALYZER: &str = "arshif_rasm";

/// Analysis choices that change the index's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnalysisConfig {
    pub arabic_stemmer: ArabicStemmer,
}

/// The analyzer for normalised, unstemmed text.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(ScriptTokenizer::default()).build()
}

/// The analyzer for normalised, stemmed text.
pub fn stem_analyzer(cfg: AnalysisConfig) -> TextAnalyzer {
    TextAnalyzer::builder(ScriptTokenizer::default())
        .filter(stem::StemFilter(Stemmers::new(cfg.arabic_stemmer)))
        .build()
}

/// Register arshif's analyzers with an index (needed on every open).
pub fn register(index: &tantivy::Index, cfg: AnalysisConfig) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
    index
        .tokenizers()
        .register(STEM_ANALYZER, stem_analyzer(cfg));
    index.tokenizers().register(RASM_ANALYZER, rasm_analyzer());
}

/// The analyzer for OCR-tolerant matching: normalised, then letter skeletons.
pub fn rasm_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(ScriptTokenizer::default())
        .filter(rasm::RasmFilter)
        .build()
}

/// A token with its byte span in the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// The normalised terms of a text, in order, with their spans.
pub fn terms(text: &str) -> Vec<Term> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(Term {
            text: t.text.clone(),
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}
