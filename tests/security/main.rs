//! Accounts, branch scope and the audit trail, as a client sees them: the
//! real binary serving a real archive with documents in two branches, and
//! users of every role.
//!
//! `access.rs`: who may do what, and branch scope; `sessions.rs`: logging
//! in, sessions, uploads and the audit trail; `world.rs`: the fixture.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod sessions;
mod world;
