//! Turning a page that was read sideways, and reading it again.

use super::{editable, Actor, AppError, Corrected, Done};
use crate::archive::{Archive, ArchiveError};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::extract::{self, ExtractConfig};
use crate::ocr::{OcrConfig, OcrEngine};
use crate::types::DocId;

/// A turn clockwise a clerk gives a page: 90, 180 or 270 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn(u16);

impl Turn {
    /// The turn of `degrees`, if it is a quarter, a half or three quarters.
    pub fn new(degrees: i64) -> Option<Turn> {
        matches!(degrees, 90 | 180 | 270).then_some(Turn(degrees as u16))
    }

    pub fn degrees(self) -> u16 {
        self.0
    }

    /// `from` turned by this much more, within 0..360.
    pub fn after(self, from: u16) -> u16 {
        (from % 360 + self.0) % 360
    }
}

/// Turn page `number` of a document by `turn` more than it is shown now,
/// and read it again upright from the original (which is never changed):
/// the page's text, words and rotation are replaced, the turns clerks
/// gave it add up in the catalog, what was read from the document's text
/// is read again and the index follows. Answers the document as it now
/// is; audited as `rotate` with the page and the degrees.
pub fn rotate(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    id: DocId,
    number: u32,
    turn: Turn,
    ocr: &OcrConfig,
) -> Result<Done<Corrected>, AppError> {
    let doc = editable(&*catalog, who, id)?;
    let pages = catalog.pages(id)?;
    let old = pages
        .iter()
        .find(|p| p.number == number)
        .ok_or(AppError::NoSuchPage {
            doc: id,
            page: number,
        })?;
    let rotation = turn.after(old.rotation);
    let unreadable = |detail: String| AppError::Unreadable {
        doc: id,
        page: number,
        detail,
    };
    let original = archive
        .store()
        .local_copy(&doc.blob)
        .map_err(|e| unreadable(e.to_string()))?;
    let head = extract::read_head(&original).map_err(|e| unreadable(e.to_string()))?;
    let format = extract::sniff(&head).map_err(|e| unreadable(e.to_string()))?;
    let image = extract::page_image(&original, format, number, &ExtractConfig::default())
        .map_err(|e| unreadable(e.to_string()))?;
    let mut engine = OcrEngine::new(ocr).map_err(|e| unreadable(e.to_string()))?;
    let r = engine
        .recognize_turned(&image, rotation)
        .map_err(|e| unreadable(e.to_string()))?;
    let page = crate::ingest::ocr_page(number, r);
    let turned = turn.after(catalog.page_turn(id, number)?);
    catalog.turn_page(id, &page, turned)?;
    let knowledge = crate::catalog::type_knowledge(&*catalog)?;
    crate::index::reextract_document(&mut *catalog, id, &knowledge).map_err(ArchiveError::from)?;
    Ok(Done {
        value: super::corrected_now(archive, &*catalog, who, id)?,
        audit: who
            .event(Action::Rotate)
            .documents([id])
            .detail(serde_json::json!({
                "page": number,
                "degrees": turn.degrees(),
                "rotation": rotation,
                "turned": turned,
            })),
    })
}

#[cfg(test)]
mod tests {
    use super::Turn;

    #[test]
    fn turns_are_quarters_and_add_up() {
        for (degrees, ok) in [
            (90, true),
            (180, true),
            (270, true),
            (0, false),
            (360, false),
            (45, false),
            (-90, false),
        ] {
            assert_eq!(Turn::new(degrees).is_some(), ok, "{degrees}");
        }
        let q = Turn::new(90).unwrap();
        for (from, to) in [(0, 90), (90, 180), (270, 0), (360, 90)] {
            assert_eq!(q.after(from), to, "{from}");
        }
        assert_eq!(Turn::new(270).unwrap().after(180), 90);
    }
}
