//! arshif: a document archive for municipal records.
//!
//! Originals are kept byte for byte in a content-addressed [`store`]; the
//! [`catalog`] records documents, their sources, pages and import batches;
//! [`extract`] and [`ocr`] turn files into page text; [`analysis`] and
//! [`index`] make that text searchable in Arabic and English; [`ingest`] is
//! the pipeline that ties them together and [`search`] answers queries.
//! [`metadata`] reads dates (Hijri and Gregorian, see [`calendar`]),
//! reference numbers and document types from the text.
//! See ARCHITECTURE.md for the map.

pub mod analysis;
pub mod app;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod bag;
pub mod calendar;
pub mod catalog;
pub mod check;
pub mod db;
pub mod doctor;
pub mod extract;
pub mod index;
pub mod ingest;
pub mod metadata;
pub mod ocr;
pub mod preview;
pub mod search;
pub mod searchable;
pub mod store;
pub mod tls;
pub mod types;
