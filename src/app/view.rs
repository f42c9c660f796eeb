//! The JSON view of a document that `arshif show --json` prints and the
//! HTTP API serves (one view, so the two never differ).

use crate::catalog::{DocumentRecord, PageRecord};
use crate::metadata::TypeSource;

/// How much of each page [`DocumentView::json`] includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageDetail {
    Text,
    TextAndWords,
}

/// A document and its pages, as the actor may see them.
#[derive(Debug, Clone)]
pub struct DocumentView {
    pub doc: DocumentRecord,
    pub pages: Vec<PageRecord>,
    pub detail: PageDetail,
}

impl DocumentView {
    /// The document as `arshif show --json` prints it and the HTTP API
    /// serves it.
    pub fn json(&self) -> serde_json::Value {
        document_json(&self.doc, &self.pages, self.detail)
    }
}

fn document_json(
    doc: &DocumentRecord,
    pages: &[PageRecord],
    detail: PageDetail,
) -> serde_json::Value {
    use serde_json::json;
    let meta = &doc.meta;
    json!({
        "id": doc.id,
        "sha256": doc.blob,
        "title": doc.title,
        "branch": doc.branch,
        "branches": doc.branches(),
        "doc_type": doc.doc_type,
        "doc_type_source": meta.doc_type_source.map(TypeSource::as_str),
        "doc_type_confidence": match meta.doc_type_source {
            Some(TypeSource::Guessed) => meta
                .extracted
                .type_guess
                .as_ref()
                .map(|g| (g.confidence as f64 * 100.0).round() / 100.0),
            _ => None,
        },
        "document_date": doc.document_date().map(|d| d.to_json()),
        "document_date_source": doc.document_date_source(),
        "dates": meta.extracted.dates.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
        "reference_numbers": doc.reference_numbers(),
        "reference_numbers_read": meta.extracted.reference_numbers,
        "corrected": (!meta.correction.is_empty()).then(|| json!({
            "date": meta.correction.date.map(|d| d.to_json()),
            "doc_type": meta.correction.doc_type,
            "title": meta.correction.title,
            "reference_numbers": meta.correction.reference_numbers,
            "by": meta.correction.by,
            "at": meta.correction.at,
        })),
        "deleted": meta.deleted,
        "hold": meta.hold,
        "versions": meta.versions,
        "review": meta.review.state.as_str(),
        "reviewed": meta.review.by.as_ref().map(|by| json!({
            "by": by,
            "at": meta.review.at,
        })),
        "media_type": doc.media_type,
        "size": doc.size,
        "page_count": doc.page_count,
        "created_at": doc.created_at,
        "sources": doc.sources.iter().map(|s| {
            let mut v = json!({
                "path": s.path,
                "branch": s.branch,
                "doc_type": s.doc_type,
                "batch": s.batch,
                "imported_at": s.imported_at,
            });
            // Cut from a batch scan: the whole file and the pages in it.
            if let Some(p) = &s.part {
                v["origin"] = json!(p.origin);
                v["source_pages"] = json!([p.first_page, p.last_page]);
            }
            v
        }).collect::<Vec<_>>(),
        "pages": pages.iter().map(|p| {
            let mut v = json!({
                "number": p.number,
                "text": p.text,
                "source": p.source.as_str(),
                "confidence": (p.confidence as f64 * 1000.0).round() / 1000.0,
                "rotation": p.rotation,
                "skew": (p.skew as f64 * 100.0).round() / 100.0,
                "width": p.width,
                "height": p.height,
                "language": p.language,
            });
            v["numbers"] = json!(p.numbers.iter().map(number_json).collect::<Vec<_>>());
            if detail == PageDetail::TextAndWords {
                v["words"] = json!(p.words.iter().map(|w| json!({
                    "text": w.text, "box": w.bbox, "confidence": w.confidence
                })).collect::<Vec<_>>());
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// A number read on a page, as [`DocumentView::json`] gives it.
fn number_json(n: &crate::ocr::digits::NumberReading) -> serde_json::Value {
    serde_json::json!({
        "text": n.text,
        "value": n.value,
        "kind": n.kind,
        "confidence": (n.confidence as f64 * 1000.0).round() / 1000.0,
        "alternatives": n.alternatives,
        "box": n.bbox,
    })
}
