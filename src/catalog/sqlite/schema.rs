//! The SQLite catalog's tables, and the steps that bring an older schema
//! up to date.

pub(super) const SCHEMA_V1: &str = r#"
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'finished')),
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    inputs      TEXT NOT NULL,
    files_seen  INTEGER NOT NULL DEFAULT 0,
    ingested    INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    title       TEXT NOT NULL,
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    page_count  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    indexed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX documents_unindexed ON documents (id) WHERE indexed = 0;
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    path        TEXT NOT NULL,
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    imported_at TEXT NOT NULL,
    UNIQUE (document_id, path, branch)
);
CREATE TABLE pages (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    number      INTEGER NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('ocr', 'pdf-text')),
    text        TEXT NOT NULL,
    confidence  REAL NOT NULL,
    words       TEXT NOT NULL,
    rotation    INTEGER NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    language    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, number)
) WITHOUT ROWID;
CREATE TABLE batch_files (
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    path        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ingested', 'duplicate', 'failed')),
    document_id INTEGER REFERENCES documents (id),
    error       TEXT,
    pages       INTEGER NOT NULL DEFAULT 0,
    at          TEXT NOT NULL,
    PRIMARY KEY (batch_id, path)
);
"#;

/// Schema steps: `MIGRATIONS[i]` takes version `i` to `i + 1`.
pub(in crate::catalog) const MIGRATIONS: &[&str] = &[
    SCHEMA_V1,
    // 2: the levelling turn applied to each OCR'd page
    "ALTER TABLE pages ADD COLUMN skew REAL NOT NULL DEFAULT 0;",
    // 3: resumable batches and the reading cache
    "CREATE TABLE page_cache (
         sha256   TEXT NOT NULL,
         settings TEXT NOT NULL,
         number   INTEGER NOT NULL,
         page     TEXT NOT NULL,
         PRIMARY KEY (sha256, settings, number)
     ) WITHOUT ROWID;
     ALTER TABLE batch_files ADD COLUMN retried_in INTEGER REFERENCES batches (id);
     ALTER TABLE batches ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0;",
    // 4: accounts (`users`, `user_branches`, `tokens`, `sessions`), and
    // 5: `users.disabled`. Accounts now have their own database
    // (`auth::AccountStore`, `accounts.sqlite`), which copies these tables
    // from a catalog that has them and never reads them again. The steps
    // are kept, empty, so that the version numbers mean what they meant: a
    // catalog already past them keeps its tables untouched, a new one (or
    // one from before accounts) gets none.
    "",
    "",
    // 6: when `check --deep` last re-hashed each document's blob
    "ALTER TABLE documents ADD COLUMN verified_at TEXT;",
    // 7: what was read from the text (dates, reference numbers, type
    // guess), staff's corrections, and a revision the index entry follows
    "ALTER TABLE documents ADD COLUMN extracted TEXT;
     ALTER TABLE documents ADD COLUMN extracted_version INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE documents ADD COLUMN corrected_date TEXT;
     ALTER TABLE documents ADD COLUMN corrected_type TEXT;
     ALTER TABLE documents ADD COLUMN corrected_title TEXT;
     ALTER TABLE documents ADD COLUMN corrected_by TEXT;
     ALTER TABLE documents ADD COLUMN corrected_at TEXT;
     ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX documents_extracted_version ON documents (extracted_version);",
    // 8: the numbers arshif's number reader read on each page
    "ALTER TABLE pages ADD COLUMN numbers TEXT NOT NULL DEFAULT '[]';",
    // 9: a document cut from a batch scan names the whole file (`origin`,
    // its sha256) and its pages in it; review state; the types the
    // administrator keeps
    "ALTER TABLE sources ADD COLUMN origin TEXT;
     ALTER TABLE sources ADD COLUMN first_page INTEGER;
     ALTER TABLE sources ADD COLUMN last_page INTEGER;
     ALTER TABLE documents ADD COLUMN review TEXT NOT NULL DEFAULT 'done'
         CHECK (review IN ('pending', 'done'));
     ALTER TABLE documents ADD COLUMN reviewed_by TEXT;
     ALTER TABLE documents ADD COLUMN reviewed_at TEXT;
     CREATE INDEX documents_review ON documents (id) WHERE review = 'pending';
     CREATE TABLE doc_types (
         slug       TEXT PRIMARY KEY,
         ar         TEXT NOT NULL,
         en         TEXT NOT NULL,
         keywords   TEXT NOT NULL DEFAULT '[]',
         created_at TEXT NOT NULL
     );",
    // 10: reference numbers staff corrected (a JSON array; null: those
    // read from the text stand)
    "ALTER TABLE documents ADD COLUMN corrected_refs TEXT;",
    // 11: the turns clerks gave a page (degrees clockwise, added up) when
    // it was read sideways; `rotation` is how it is now shown and read
    "ALTER TABLE pages ADD COLUMN turned INTEGER NOT NULL DEFAULT 0;",
    // 12: the records lifecycle: the trash (`deleted_*`), legal holds
    // (`held_*`), what stays of a purged document (`tombstones`; its id is
    // never given to another document), retention rules by type, and the
    // originals a rescan replaced (`versions`)
    "ALTER TABLE documents ADD COLUMN deleted_at TEXT;
     ALTER TABLE documents ADD COLUMN deleted_by TEXT;
     ALTER TABLE documents ADD COLUMN deleted_reason TEXT;
     ALTER TABLE documents ADD COLUMN held_at TEXT;
     ALTER TABLE documents ADD COLUMN held_by TEXT;
     ALTER TABLE documents ADD COLUMN hold_reason TEXT;
     CREATE INDEX documents_trashed ON documents (id) WHERE deleted_at IS NOT NULL;
     CREATE INDEX documents_held ON documents (id) WHERE held_at IS NOT NULL;
     CREATE TABLE tombstones (
         doc_id         INTEGER PRIMARY KEY,
         sha256         TEXT NOT NULL,
         title          TEXT NOT NULL,
         branch         TEXT NOT NULL DEFAULT '',
         deleted_at     TEXT NOT NULL,
         deleted_by     TEXT NOT NULL,
         deleted_reason TEXT NOT NULL,
         purged_at      TEXT NOT NULL,
         purged_by      TEXT NOT NULL,
         blobs          TEXT NOT NULL,
         blobs_removed  INTEGER NOT NULL DEFAULT 0,
         index_cleared  INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE versions (
         document_id INTEGER NOT NULL REFERENCES documents (id),
         number      INTEGER NOT NULL,
         sha256      TEXT NOT NULL,
         size        INTEGER NOT NULL,
         media_type  TEXT NOT NULL,
         page_count  INTEGER NOT NULL,
         replaced_at TEXT NOT NULL,
         replaced_by TEXT NOT NULL,
         PRIMARY KEY (document_id, number)
     ) WITHOUT ROWID;
     CREATE INDEX versions_sha256 ON versions (sha256);
     CREATE TABLE retention (
         doc_type     TEXT PRIMARY KEY,
         years        INTEGER NOT NULL CHECK (years > 0),
         counted_from TEXT NOT NULL CHECK (counted_from IN ('document-date', 'imported')),
         set_by       TEXT NOT NULL,
         set_at       TEXT NOT NULL
     );",
];
