//! Saved views: a user's named filters and order of the document list,
//! kept in the accounts database beside the user (personal UI state, not
//! audited). Each user sees, makes and deletes only their own.
//!
//! The filters are kept as given; the front end checks them (with the
//! parsers of the document list) before they are saved.

use rusqlite::{params, ErrorCode};
use serde::{Deserialize, Serialize};

use super::store::{AccountStore, AccountStoreError};
use super::UserId;

/// Most views one user keeps.
pub const MAX_VIEWS: usize = 50;

/// Longest view name, in characters.
pub const MAX_VIEW_NAME: usize = 80;

/// The list filters of a view, as the document list (`GET /api/documents`)
/// and search take them; `None` (and `q` empty): not filtered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewFilters {
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default, rename = "type")]
    pub doc_type: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub imported_from: Option<String>,
    #[serde(default)]
    pub imported_to: Option<String>,
    #[serde(default)]
    pub review: Option<String>,
    /// Search words (empty: the plain list).
    #[serde(default)]
    pub q: String,
}

/// A saved view: `{"id","name","filters":{…},"sort"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub filters: ViewFilters,
    pub sort: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("you already have a view named {0:?}")]
    Exists(String),
    #[error("you have {MAX_VIEWS} saved views, the most kept; delete one first")]
    TooMany,
    #[error("a view's name is 1 to {MAX_VIEW_NAME} characters")]
    BadName,
    #[error(transparent)]
    Store(#[from] AccountStoreError),
}

/// The saved views in an accounts database.
pub struct SavedViews<'a> {
    store: &'a AccountStore,
}

impl<'a> SavedViews<'a> {
    pub fn new(store: &'a AccountStore) -> Self {
        SavedViews { store }
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> AccountStoreError + '_ {
        |source| AccountStoreError::Db {
            path: self.store.path().to_string(),
            source,
        }
    }

    /// The user's views, in the order they were made.
    pub fn list(&self, user: UserId) -> Result<Vec<SavedView>, ViewError> {
        let conn = self.store.connection();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, name, filters, sort FROM saved_views WHERE user_id = ?1 ORDER BY id",
            )
            .map_err(self.db())?;
        let rows = stmt
            .query_map([user.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(self.db())?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, filters, sort) = row.map_err(self.db())?;
            out.push(SavedView {
                id,
                name,
                // Written by this module; a damaged row shows unfiltered.
                filters: serde_json::from_str(&filters).unwrap_or_default(),
                sort,
            });
        }
        Ok(out)
    }

    /// Save a view for the user: its name trimmed, unique among the
    /// user's views, at most [`MAX_VIEWS`] of them.
    pub fn create(
        &self,
        user: UserId,
        name: &str,
        filters: &ViewFilters,
        sort: &str,
    ) -> Result<SavedView, ViewError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_VIEW_NAME {
            return Err(ViewError::BadName);
        }
        let json = serde_json::to_string(filters).expect("serialises");
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // One statement: the count and the insert cannot be split by another.
        let added = self.store.connection().execute(
            "INSERT INTO saved_views (user_id, name, filters, sort, created_at)
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE (SELECT COUNT(*) FROM saved_views WHERE user_id = ?1) < ?6",
            params![user.0, name, json, sort, at, MAX_VIEWS as i64],
        );
        match added {
            Ok(0) => Err(ViewError::TooMany),
            Ok(_) => Ok(SavedView {
                id: self.store.connection().last_insert_rowid(),
                name: name.to_string(),
                filters: filters.clone(),
                sort: sort.to_string(),
            }),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                Err(ViewError::Exists(name.to_string()))
            }
            Err(e) => Err(self.db()(e).into()),
        }
    }

    /// Delete one of the user's views; false when the user has no view
    /// with that id (another user's view is not theirs to delete).
    pub fn delete(&self, user: UserId, id: i64) -> Result<bool, ViewError> {
        let n = self
            .store
            .connection()
            .execute(
                "DELETE FROM saved_views WHERE id = ?1 AND user_id = ?2",
                params![id, user.0],
            )
            .map_err(self.db())?;
        Ok(n > 0)
    }

    /// One of the user's views.
    pub fn get(&self, user: UserId, id: i64) -> Result<Option<SavedView>, ViewError> {
        Ok(self.list(user)?.into_iter().find(|v| v.id == id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Accounts, Role};

    fn store() -> (tempfile::TempDir, AccountStore, UserId, UserId) {
        let t = tempfile::tempdir().unwrap();
        let s = AccountStore::open(&t.path().join("accounts.sqlite")).unwrap();
        let a = Accounts::new(&s);
        let sara = a.add_user("sara", Role::Clerk, &[], "x", false).unwrap().id;
        let omar = a.add_user("omar", Role::Staff, &[], "x", false).unwrap().id;
        (t, s, sara, omar)
    }

    #[test]
    fn each_user_keeps_and_deletes_only_their_own_views() {
        let (_t, s, sara, omar) = store();
        let v = SavedViews::new(&s);
        let filters = ViewFilters {
            branch: Some("hofuf".into()),
            review: Some("pending".into()),
            ..Default::default()
        };
        let made = v
            .create(sara, " رخص الهفوف ", &filters, "-imported")
            .unwrap();
        assert_eq!(made.name, "رخص الهفوف");
        assert_eq!(v.list(sara).unwrap(), vec![made.clone()]);
        assert!(v.list(omar).unwrap().is_empty());
        // The same name is another user's to take, not the same user's.
        assert!(matches!(
            v.create(sara, "رخص الهفوف", &filters, "date"),
            Err(ViewError::Exists(_))
        ));
        v.create(omar, "رخص الهفوف", &filters, "date").unwrap();
        assert!(!v.delete(omar, made.id).unwrap());
        assert_eq!(v.get(omar, made.id).unwrap(), None);
        assert!(v.delete(sara, made.id).unwrap());
        assert!(v.list(sara).unwrap().is_empty());
    }

    #[test]
    fn names_and_counts_are_bounded() {
        let (_t, s, sara, _) = store();
        let v = SavedViews::new(&s);
        let f = ViewFilters::default();
        for bad in ["", "  ", &"ن".repeat(MAX_VIEW_NAME + 1)] {
            assert!(matches!(
                v.create(sara, bad, &f, "date"),
                Err(ViewError::BadName)
            ));
        }
        v.create(sara, &"ن".repeat(MAX_VIEW_NAME), &f, "date")
            .unwrap();
        for i in 1..MAX_VIEWS {
            v.create(sara, &format!("view {i}"), &f, "date").unwrap();
        }
        assert!(matches!(
            v.create(sara, "one more", &f, "date"),
            Err(ViewError::TooMany)
        ));
    }
}
