//! Accounts: users and their roles and branches, passwords (argon2id), API
//! tokens, web sessions, and the throttling of failed logins.
//!
//! No HTTP here: the server asks this module who a credential belongs to and
//! what they may do. Secrets (tokens, session ids) are random 256-bit values
//! that are stored only as their sha256; passwords only as argon2id hashes.
//! The tables live in their own database file, `ARCHIVE/accounts.sqlite`
//! ([`AccountStore`], with its own schema version and migrations).

mod accounts;
pub mod store;
mod throttle;
pub mod views;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::types::{BranchScope, BranchSlug};

pub use accounts::{Accounts, TokenInfo};
pub use store::{AccountStore, AccountStoreError};
pub use throttle::{Throttle, ThrottlePolicy};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("accounts in {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no user {0:?}")]
    NoSuchUser(String),
    #[error("a user {0:?} already exists")]
    UserExists(String),
    #[error("{0:?} is not a user name: use letters, digits, '.', '_' or '-' (1 to 64 characters)")]
    BadUserName(String),
    #[error("{0:?} is not a role: use admin, clerk, staff or auditor")]
    BadRole(String),
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("{user} is an {role}, who sees every branch; branches are for clerks and staff")]
    BranchesNotApplicable { user: String, role: Role },
    #[error("{0} is the last administrator able to log in; add or enable another first")]
    LastAdmin(String),
    #[error("no token {0}")]
    NoSuchToken(i64),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the system's random number source failed: {0}")]
    Random(String),
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What someone may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, in every branch, including users.
    Admin,
    /// Imports and searches in their branches.
    Clerk,
    /// Searches and views in their branches.
    Staff,
    /// Reads the audit log.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }

    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Clerk => matches!(p, Search | Import | Correct),
            Role::Staff => matches!(p, Search),
            Role::Auditor => matches!(p, ReadAudit),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "clerk" => Ok(Role::Clerk),
            "staff" => Ok(Role::Staff),
            "auditor" => Ok(Role::Auditor),
            _ => Err(AuthError::BadRole(s.to_string())),
        }
    }
}

/// Kinds of action a role may or may not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Search, view pages, download originals (in scope).
    Search,
    /// Import documents (into branches held).
    Import,
    /// Correct a document's date, type or title (in scope).
    Correct,
    /// Read the audit log.
    ReadAudit,
    /// Add users, change roles and branches.
    ManageUsers,
    /// Move documents from one branch to another.
    MoveDocuments,
    /// Add document types, rename them, give them keywords.
    ManageTypes,
    /// Keep the records lifecycle: the trash, purge, legal holds,
    /// retention rules and disposal.
    ManageRecords,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A user as the server and the CLI see them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// Branches held (empty for admins and auditors, who hold none).
    pub branches: Vec<BranchSlug>,
    /// Logged in with a one-time password that must be replaced before
    /// anything else.
    pub must_change_password: bool,
    /// Cannot log in, and their tokens and sessions do not work (staff who
    /// left); their records and audit entries stay.
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl User {
    /// The records this user may see.
    pub fn scope(&self) -> BranchScope {
        match self.role {
            Role::Admin => BranchScope::All,
            _ => BranchScope::Only(self.branches.clone()),
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.role.may(p)
    }
}

/// A user name: letters (any script), digits, `.`, `_`, `-`; 1–64 chars.
pub fn check_user_name(name: &str) -> Result<(), AuthError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AuthError::BadUserName(name.to_string()))
    }
}

/// A random secret (an API token or a session id): 32 bytes from the
/// operating system, as 64 hex digits. Only its [`Secret::digest`] is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn generate() -> Result<Self, AuthError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
        Ok(Secret(hex(&bytes)))
    }

    /// A secret as presented by a client (not checked here: an unknown one
    /// simply matches nothing).
    pub fn presented(s: &str) -> Self {
        Secret(s.to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored: the sha256 of the secret, in hex. A fast hash is
    /// enough for 256 random bits (unlike passwords).
    pub fn digest(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The argon2id hash (PHC string) of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches a stored hash. A malformed hash matches
/// nothing.
///
/// The check's memory (argon2's blocks, about 19 MiB) is kept per thread
/// and reused: allocated afresh for each check, the allocator does not get
/// it back whole (small allocations land in the freed space), and a server
/// grew by about 10 MB per login.
pub fn verify_password(stored: &str, password: &str) -> bool {
    use argon2::password_hash::PasswordHash;
    use argon2::{Algorithm, Argon2, Block, Params, Version};
    thread_local! {
        static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Ok(h) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let hashed = BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let need = params.block_count();
        if blocks.len() < need {
            blocks.resize(need, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut blocks[..need],
        )
    });
    let same = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0;
    hashed.is_ok() && out.len() == expected.len() && same
}

/// Spend the time of one password check, for a user that does not exist,
/// so that the answer's timing does not tell which names are users.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(h, password);
}

/// A one-time password for a new administrator: 20 characters from an
/// alphabet without look-alikes, in groups of five (about 100 bits).
pub fn one_time_password() -> Result<String, AuthError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::new();
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - (256 % ALPHABET.len());
    let mut n = 0;
    for b in bytes {
        if (b as usize) < limit {
            if n > 0 && n % 5 == 0 {
                out.push('-');
            }
            out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            n += 1;
            if n == 20 {
                return Ok(out);
            }
        }
    }
    // 64 bytes without 20 usable ones is practically impossible; try again.
    one_time_password()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_permissions() {
        use Permission::*;
        let table = [
            (
                Role::Admin,
                [true, true, true, true, true, true, true, true],
            ),
            (
                Role::Clerk,
                [true, true, true, false, false, false, false, false],
            ),
            (
                Role::Staff,
                [true, false, false, false, false, false, false, false],
            ),
            (
                Role::Auditor,
                [false, false, false, true, false, false, false, false],
            ),
        ];
        for (role, expected) in table {
            let got = [
                Search,
                Import,
                Correct,
                ReadAudit,
                ManageUsers,
                MoveDocuments,
                ManageTypes,
                ManageRecords,
            ]
            .map(|p| role.may(p));
            assert_eq!(got, expected, "{role}");
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn user_names() {
        for ok in ["admin", "fatima.alharbi", "clerk_01", "سارة", "a"] {
            assert!(check_user_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "../x", "x/y", "a\n", &"x".repeat(65)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse battery!"));
        assert!(!verify_password("garbage", "x"));
        // A fresh salt each time.
        assert_ne!(h, hash_password("correct horse battery").unwrap());
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::WeakPassword)
        ));
    }

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(a.digest().len(), 64);
        assert_ne!(a.digest(), a.expose());
        assert_eq!(Secret::presented(a.expose()).digest(), a.digest());
    }

    #[test]
    fn one_time_passwords() {
        let p = one_time_password().unwrap();
        assert_eq!(p.len(), 23, "{p}");
        assert_eq!(p.matches('-').count(), 3);
        assert!(p.chars().count() >= MIN_PASSWORD_CHARS);
        assert_ne!(p, one_time_password().unwrap());
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
