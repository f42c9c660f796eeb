//! The account tables: users, their branches, tokens and sessions, in the
//! accounts database ([`super::AccountStore`]).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{check_user_name, AccountStore, AuthError, Role, Secret, User, UserId};
use crate::types::BranchSlug;

/// An API token as listed (never the secret itself).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The account tables of one [`AccountStore`] connection.
pub struct Accounts<'c> {
    conn: &'c Connection,
    path: &'c str,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl<'c> Accounts<'c> {
    pub fn new(store: &'c AccountStore) -> Self {
        Accounts {
            conn: store.connection(),
            path: store.path(),
        }
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> AuthError + '_ {
        move |source| AuthError::Db {
            path: self.path.to_string(),
            source,
        }
    }

    /// Add a user. Admins and auditors hold no branches (admins see all).
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        branches: &[BranchSlug],
        password_hash: &str,
        must_change: bool,
    ) -> Result<User, AuthError> {
        check_user_name(name)?;
        if !branches.is_empty() && matches!(role, Role::Admin | Role::Auditor) {
            return Err(AuthError::BranchesNotApplicable {
                user: name.to_string(),
                role,
            });
        }
        let tx = self.conn.unchecked_transaction().map_err(self.db())?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(()))
            .optional()
            .map_err(self.db())?
            .is_some();
        if exists {
            return Err(AuthError::UserExists(name.to_string()));
        }
        tx.execute(
            "INSERT INTO users (name, role, password, must_change, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                name,
                role.as_str(),
                password_hash,
                must_change,
                ts(Utc::now())
            ],
        )
        .map_err(self.db())?;
        let id = tx.last_insert_rowid();
        for b in branches {
            tx.execute(
                "INSERT OR IGNORE INTO user_branches (user_id, branch) VALUES (?1, ?2)",
                params![id, b.as_str()],
            )
            .map_err(self.db())?;
        }
        tx.commit().map_err(self.db())?;
        self.user(name)?
            .ok_or_else(|| AuthError::NoSuchUser(name.to_string()))
    }

    fn user_where(
        &self,
        clause: &str,
        arg: &dyn rusqlite::ToSql,
    ) -> Result<Option<User>, AuthError> {
        // Cached: this runs for every authenticated request.
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, name, role, must_change, created_at, disabled FROM users WHERE {clause}"
            ))
            .and_then(|mut st| {
                st.query_row([arg], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, bool>(5)?,
                    ))
                })
                .optional()
            })
            .map_err(self.db())?;
        let Some((id, name, role, must_change, created, disabled)) = row else {
            return Ok(None);
        };
        Ok(Some(User {
            id: UserId(id),
            branches: self.branches_of(id)?,
            name,
            role: role.parse()?,
            must_change_password: must_change,
            disabled,
            created_at: parse_ts(&created),
        }))
    }

    fn branches_of(&self, id: i64) -> Result<Vec<BranchSlug>, AuthError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT branch FROM user_branches WHERE user_id = ?1 ORDER BY branch")
            .map_err(self.db())?;
        let rows = st
            .query_map([id], |r| r.get::<_, String>(0))
            .map_err(self.db())?;
        let mut out = Vec::new();
        for r in rows {
            // Slugs were checked on the way in.
            if let Ok(b) = r.map_err(self.db())?.parse() {
                out.push(b);
            }
        }
        Ok(out)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>, AuthError> {
        self.user_where("name = ?1", &name)
    }

    fn require(&self, name: &str) -> Result<User, AuthError> {
        self.user(name)?
            .ok_or_else(|| AuthError::NoSuchUser(name.to_string()))
    }

    /// A user and their stored password hash, for a login.
    pub fn credentials(&self, name: &str) -> Result<Option<(User, String)>, AuthError> {
        let Some(user) = self.user(name)? else {
            return Ok(None);
        };
        let hash: String = self
            .conn
            .query_row(
                "SELECT password FROM users WHERE id = ?1",
                [user.id.0],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        Ok(Some((user, hash)))
    }

    pub fn list_users(&self) -> Result<Vec<User>, AuthError> {
        let names: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT name FROM users ORDER BY name")
                .map_err(self.db())?;
            let rows = st.query_map([], |r| r.get(0)).map_err(self.db())?;
            rows.collect::<Result<_, _>>().map_err(self.db())?
        };
        let mut out = Vec::new();
        for n in names {
            out.extend(self.user(&n)?);
        }
        Ok(out)
    }

    /// Whether any administrator able to log in exists.
    pub fn has_admin(&self) -> Result<bool, AuthError> {
        self.conn
            .query_row(
                "SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1",
                [],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(self.db())
    }

    /// Disable a user (they can no longer log in; their sessions end and
    /// their tokens are revoked, so enabling them again brings back none)
    /// or enable them again. The last enabled
    /// administrator cannot be disabled. Returns whether anything changed.
    pub fn set_disabled(&self, name: &str, disabled: bool) -> Result<bool, AuthError> {
        let user = self.require(name)?;
        if user.disabled == disabled {
            return Ok(false);
        }
        let tx = self.conn.unchecked_transaction().map_err(self.db())?;
        tx.execute(
            "UPDATE users SET disabled = ?1 WHERE id = ?2",
            params![disabled, user.id.0],
        )
        .map_err(self.db())?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.id.0])
            .map_err(self.db())?;
        if disabled {
            tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                params![ts(Utc::now()), user.id.0],
            )
            .map_err(self.db())?;
        }
        let admins_left: i64 = tx
            .query_row(
                "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0",
                [],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        if user.role == Role::Admin && disabled && admins_left == 0 {
            return Err(AuthError::LastAdmin(user.name));
        }
        tx.commit().map_err(self.db())?;
        Ok(true)
    }

    /// Give a clerk or staff member a branch. Returns whether it was new.
    pub fn grant(&self, name: &str, branch: &BranchSlug) -> Result<bool, AuthError> {
        let user = self.require(name)?;
        if matches!(user.role, Role::Admin | Role::Auditor) {
            return Err(AuthError::BranchesNotApplicable {
                user: user.name,
                role: user.role,
            });
        }
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO user_branches (user_id, branch) VALUES (?1, ?2)",
                params![user.id.0, branch.as_str()],
            )
            .map_err(self.db())?;
        Ok(n > 0)
    }

    /// Take a branch away. Returns whether the user held it.
    pub fn revoke(&self, name: &str, branch: &BranchSlug) -> Result<bool, AuthError> {
        let user = self.require(name)?;
        let n = self
            .conn
            .execute(
                "DELETE FROM user_branches WHERE user_id = ?1 AND branch = ?2",
                params![user.id.0, branch.as_str()],
            )
            .map_err(self.db())?;
        Ok(n > 0)
    }

    /// Replace a user's password, ending all their web sessions.
    pub fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), AuthError> {
        let user = self.require(name)?;
        let tx = self.conn.unchecked_transaction().map_err(self.db())?;
        tx.execute(
            "UPDATE users SET password = ?1, must_change = ?2 WHERE id = ?3",
            params![password_hash, must_change, user.id.0],
        )
        .map_err(self.db())?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.id.0])
            .map_err(self.db())?;
        tx.commit().map_err(self.db())
    }

    /// Revoke every API token of a user (after a password change, when the
    /// old password may have been known to someone else). Returns how many
    /// were revoked.
    pub fn revoke_tokens_of(&self, name: &str) -> Result<usize, AuthError> {
        let user = self.require(name)?;
        self.conn
            .execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                params![ts(Utc::now()), user.id.0],
            )
            .map_err(self.db())
    }

    /// A new API token for a user; the secret is returned once and only its
    /// hash is kept.
    pub fn create_token(&self, name: &str, label: &str) -> Result<(TokenInfo, Secret), AuthError> {
        let user = self.require(name)?;
        let secret = Secret::generate()?;
        let now = Utc::now();
        self.conn
            .execute(
                "INSERT INTO tokens (user_id, label, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![user.id.0, label, secret.digest(), ts(now)],
            )
            .map_err(self.db())?;
        let info = TokenInfo {
            id: self.conn.last_insert_rowid(),
            user: user.name,
            label: label.to_string(),
            created_at: now,
            revoked_at: None,
        };
        Ok((info, secret))
    }

    pub fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, AuthError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT t.id, u.name, t.label, t.created_at, t.revoked_at
                 FROM tokens t JOIN users u ON u.id = t.user_id
                 WHERE ?1 IS NULL OR u.name = ?1 ORDER BY t.id",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map([user], |r| {
                Ok(TokenInfo {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    label: r.get(2)?,
                    created_at: parse_ts(&r.get::<_, String>(3)?),
                    revoked_at: r.get::<_, Option<String>>(4)?.map(|s| parse_ts(&s)),
                })
            })
            .map_err(self.db())?;
        rows.collect::<Result<_, _>>().map_err(self.db())
    }

    /// Revoke a token; it stops working at once. Returns its owner.
    pub fn revoke_token(&self, id: i64) -> Result<TokenInfo, AuthError> {
        self.conn
            .execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![ts(Utc::now()), id],
            )
            .map_err(self.db())?;
        self.list_tokens(None)?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AuthError::NoSuchToken(id))
    }

    /// The user a presented API token belongs to, if it is valid.
    pub fn token_user(&self, secret: &Secret) -> Result<Option<User>, AuthError> {
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT user_id FROM tokens WHERE hash = ?1 AND revoked_at IS NULL")
            .and_then(|mut st| st.query_row([secret.digest()], |r| r.get(0)).optional())
            .map_err(self.db())?;
        match id {
            Some(id) => Ok(self.user_where("id = ?1", &id)?.filter(|u| !u.disabled)),
            None => Ok(None),
        }
    }

    /// Start a web session: a fresh random id (never one the client chose)
    /// and its CSRF token. Expired sessions are cleared on the way.
    pub fn create_session(
        &self,
        user: UserId,
        lifetime: Duration,
    ) -> Result<(Secret, String), AuthError> {
        let id = Secret::generate()?;
        let csrf = Secret::generate()?.expose().to_string();
        let now = Utc::now();
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(now)])
            .map_err(self.db())?;
        self.conn
            .execute(
                "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.digest(), user.0, csrf, ts(now), ts(now + lifetime)],
            )
            .map_err(self.db())?;
        Ok((id, csrf))
    }

    /// The user and CSRF token of a live session.
    pub fn session_user(&self, id: &Secret) -> Result<Option<(User, String)>, AuthError> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT user_id, csrf FROM sessions WHERE hash = ?1 AND expires_at > ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![id.digest(), ts(Utc::now())], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .map_err(self.db())?;
        match row {
            Some((uid, csrf)) => Ok(self
                .user_where("id = ?1", &uid)?
                .filter(|u| !u.disabled)
                .map(|u| (u, csrf))),
            None => Ok(None),
        }
    }

    /// End a session (logout, or a login that replaces it).
    pub fn end_session(&self, id: &Secret) -> Result<(), AuthError> {
        self.conn
            .execute("DELETE FROM sessions WHERE hash = ?1", [id.digest()])
            .map_err(self.db())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> (tempfile::TempDir, AccountStore) {
        let dir = tempfile::tempdir().unwrap();
        let c = AccountStore::open(&dir.path().join("accounts.sqlite")).unwrap();
        (dir, c)
    }

    fn slug(s: &str) -> BranchSlug {
        s.parse().unwrap()
    }

    #[test]
    fn users_roles_and_branches() {
        let (_d, c) = catalog();
        let a = Accounts::new(&c);
        assert!(!a.has_admin().unwrap());
        a.add_user("root", Role::Admin, &[], "h", false).unwrap();
        assert!(a.has_admin().unwrap());
        let u = a
            .add_user("sara", Role::Clerk, &[slug("hofuf")], "h", false)
            .unwrap();
        assert_eq!(u.branches, vec![slug("hofuf")]);
        assert!(matches!(
            a.add_user("sara", Role::Staff, &[], "h", false),
            Err(AuthError::UserExists(_))
        ));
        assert!(matches!(
            a.add_user("aud", Role::Auditor, &[slug("hofuf")], "h", false),
            Err(AuthError::BranchesNotApplicable { .. })
        ));
        assert!(a.grant("sara", &slug("omran")).unwrap());
        assert!(!a.grant("sara", &slug("omran")).unwrap());
        assert_eq!(
            a.user("sara").unwrap().unwrap().branches,
            vec![slug("hofuf"), slug("omran")]
        );
        assert!(a.revoke("sara", &slug("hofuf")).unwrap());
        assert!(!a.revoke("sara", &slug("hofuf")).unwrap());
        assert!(matches!(
            a.grant("root", &slug("hofuf")),
            Err(AuthError::BranchesNotApplicable { .. })
        ));
        assert!(matches!(
            a.grant("nobody", &slug("x")),
            Err(AuthError::NoSuchUser(_))
        ));
        let names: Vec<String> = a
            .list_users()
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["root", "sara"]);
    }

    #[test]
    fn tokens_work_until_revoked() {
        let (_d, c) = catalog();
        let a = Accounts::new(&c);
        a.add_user("scanner", Role::Clerk, &[slug("hofuf")], "h", false)
            .unwrap();
        let (info, secret) = a.create_token("scanner", "hall scanner").unwrap();
        assert_eq!(a.token_user(&secret).unwrap().unwrap().name, "scanner");
        assert!(a
            .token_user(&Secret::presented("0".repeat(64).as_str()))
            .unwrap()
            .is_none());
        // Only the hash is stored.
        let stored: String = c
            .connection()
            .query_row("SELECT hash FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, secret.expose());
        let revoked = a.revoke_token(info.id).unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(a.token_user(&secret).unwrap().is_none());
        assert!(matches!(
            a.revoke_token(99),
            Err(AuthError::NoSuchToken(99))
        ));
    }

    #[test]
    fn tokens_are_revoked_by_disabling_or_on_request_after_a_password_change() {
        let (_d, c) = catalog();
        let a = Accounts::new(&c);
        a.add_user("root", Role::Admin, &[], "h", false).unwrap();
        a.add_user("sara", Role::Clerk, &[slug("hofuf")], "h", false)
            .unwrap();
        let (_, one) = a.create_token("sara", "scanner").unwrap();
        let (_, two) = a.create_token("sara", "script").unwrap();
        let (_, other) = a.create_token("root", "admin").unwrap();
        // A password change alone keeps them (scanners keep working)...
        a.set_password("sara", "h2", false).unwrap();
        assert!(a.token_user(&one).unwrap().is_some());
        // ...unless they are revoked with it.
        assert_eq!(a.revoke_tokens_of("sara").unwrap(), 2);
        assert!(a.token_user(&one).unwrap().is_none());
        assert!(a.token_user(&two).unwrap().is_none());
        assert!(a.token_user(&other).unwrap().is_some());
        // Disabling revokes them for good: enabling brings none back.
        let (_, three) = a.create_token("sara", "new").unwrap();
        assert!(a.set_disabled("sara", true).unwrap());
        assert!(a.set_disabled("sara", false).unwrap());
        assert!(a.token_user(&three).unwrap().is_none());
        assert!(a
            .list_tokens(Some("sara"))
            .unwrap()
            .iter()
            .all(|t| t.revoked_at.is_some()));
    }

    #[test]
    fn sessions_expire_end_and_die_with_a_password_change() {
        let (_d, c) = catalog();
        let a = Accounts::new(&c);
        let u = a.add_user("staff1", Role::Staff, &[], "h", false).unwrap();
        let (s1, csrf) = a.create_session(u.id, Duration::hours(1)).unwrap();
        let (got, got_csrf) = a.session_user(&s1).unwrap().unwrap();
        assert_eq!(
            (got.name.as_str(), got_csrf.as_str()),
            ("staff1", csrf.as_str())
        );
        let (expired, _) = a.create_session(u.id, Duration::seconds(-1)).unwrap();
        assert!(a.session_user(&expired).unwrap().is_none());
        a.end_session(&s1).unwrap();
        assert!(a.session_user(&s1).unwrap().is_none());
        let (s2, _) = a.create_session(u.id, Duration::hours(1)).unwrap();
        a.set_password("staff1", "h2", false).unwrap();
        assert!(a.session_user(&s2).unwrap().is_none());
    }

    #[test]
    fn disabled_users_lose_sessions_and_tokens_but_not_the_last_admin() {
        let (_d, c) = catalog();
        let a = Accounts::new(&c);
        let root = a.add_user("root", Role::Admin, &[], "h", false).unwrap();
        let u = a.add_user("leaver", Role::Staff, &[], "h", false).unwrap();
        let (s, _) = a.create_session(u.id, Duration::hours(1)).unwrap();
        let (_, token) = a.create_token("leaver", "x").unwrap();
        assert!(a.set_disabled("leaver", true).unwrap());
        assert!(!a.set_disabled("leaver", true).unwrap());
        assert!(a.session_user(&s).unwrap().is_none());
        assert!(a.token_user(&token).unwrap().is_none());
        assert!(a.user("leaver").unwrap().unwrap().disabled);
        assert!(a.set_disabled("leaver", false).unwrap());
        // Revoked, not suspended: enabling the user brings no token back.
        assert!(a.token_user(&token).unwrap().is_none());
        assert!(matches!(
            a.set_disabled("root", true),
            Err(AuthError::LastAdmin(_))
        ));
        assert!(!a.user("root").unwrap().unwrap().disabled, "rolled back");
        let (rs, _) = a.create_session(root.id, Duration::hours(1)).unwrap();
        assert!(a.session_user(&rs).unwrap().is_some());
        assert!(a.has_admin().unwrap());
    }
}
