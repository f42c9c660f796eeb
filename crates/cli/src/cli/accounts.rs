//! `arshif user`, `arshif token` and `arshif audit`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::output::term;
use arshif::archive::Archive;
use arshif::audit::{self, Action, AuditFilter, Checkpoint, Event};
use arshif::auth::{self, Accounts, Role};
use arshif::types::{BranchSlug, DocId};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. Asks for the password (twice) on a terminal.
    Add {
        /// The user's login name.
        name: String,
        /// admin (everything, every branch), clerk (imports and searches in
        /// their branches), staff (searches and views in their branches) or
        /// auditor (reads the audit log).
        #[arg(long, value_parser = ["admin", "clerk", "staff", "auditor"])]
        role: String,
        /// A branch the user holds (clerk and staff); repeat for more.
        #[arg(long = "branch")]
        branches: Vec<BranchSlug>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a user one or more branches.
    Grant {
        /// The user.
        name: String,
        /// A branch to give; repeat for more.
        #[arg(long = "branch", required = true)]
        branches: Vec<BranchSlug>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Take one or more branches from a user.
    Revoke {
        /// The user.
        name: String,
        /// A branch to take; repeat for more.
        #[arg(long = "branch", required = true)]
        branches: Vec<BranchSlug>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List users with their roles and branches.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop a user from logging in (staff who left): their sessions end
    /// and their API tokens are revoked; their audit entries stay.
    Disable {
        /// The user.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Let a disabled user log in again (with new tokens: the old ones
    /// stay revoked).
    Enable {
        /// The user.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password (ends their web sessions).
    Passwd {
        /// The user.
        name: String,
        /// Read the new password from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
        /// Also revoke the user's API tokens (when the old password may
        /// have been known to someone else; scanners need new tokens).
        #[arg(long)]
        revoke_tokens: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user (for scanners and integrations). It
    /// is printed once; only its hash is kept.
    Create {
        /// The user the token acts as.
        name: String,
        /// What the token is for, e.g. "hall scanner".
        #[arg(long, default_value = "api")]
        label: String,
        /// Print JSON (the token with its number, user and label) instead
        /// of the token alone.
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never their secrets).
    List {
        /// Only this user's.
        name: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its number (from `token list`).
    Revoke {
        /// The token's number.
        id: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only this user's entries (`local:NAME` for the command line).
    #[arg(long)]
    pub user: Option<String>,
    /// Only entries about this document.
    #[arg(long)]
    pub doc: Option<i64>,
    /// Only entries at or after this time: YYYY-MM-DD (UTC) or RFC 3339.
    #[arg(long)]
    pub since: Option<String>,
    /// Most entries, newest first.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain of the whole log. With the audit key
    /// (ARSHIF_AUDIT_KEY or ARSHIF_AUDIT_KEY_FILE), also every entry's MAC,
    /// and the last entry must carry one. Exits 1 if anything fails.
    Verify {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A checkpoint printed by `arshif audit checkpoint`: its entry must
        /// be in the log, unchanged (so nothing up to it was removed,
        /// changed or cut from the end). Takes the key. Repeat for more.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Record a checkpoint entry and print it, signed with the audit key,
    /// as one line of JSON. Keep it away from the archive (another machine,
    /// paper, a ticket): `audit verify --checkpoint FILE` then finds any
    /// entry up to it removed or changed.
    Checkpoint {
        /// Accepted like every command's: the checkpoint is JSON either way.
        #[arg(long)]
        json: bool,
    },
}

/// Write an audit entry for something done on the command line.
pub fn record(archive: &Archive, event: Event) -> Result<()> {
    archive
        .audit_log()?
        .append(&event)
        .context("cannot write the audit log")?;
    Ok(())
}

/// Write a use case's audit entry, then give its value to be shown:
/// nothing is shown that the log does not record.
pub fn recorded<T>(archive: &Archive, done: arshif::app::Done<T>) -> Result<T> {
    record(archive, done.audit)?;
    Ok(done.value)
}

/// An audit entry by the command line's user, from this machine.
pub fn local(action: Action) -> Event {
    arshif::app::Actor::local().event(action)
}

/// A new password: the first line of standard input, or typed twice on
/// the terminal.
fn read_new_password(from_stdin: bool, name: &str) -> Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        if !std::io::stdin().is_terminal() {
            bail!("no terminal to ask for the password on; use --password-stdin");
        }
        let a = rpassword::prompt_password(format!("New password for {name}: "))?;
        let b = rpassword::prompt_password("Again: ")?;
        if a != b {
            bail!("the two passwords differ");
        }
        a
    };
    if password.chars().count() < auth::MIN_PASSWORD_CHARS {
        bail!(auth::AuthError::WeakPassword);
    }
    Ok(password)
}

fn set_disabled(
    archive: &Archive,
    accounts: &Accounts,
    name: &str,
    disable: bool,
    json: bool,
) -> Result<()> {
    let changed = accounts.set_disabled(name, disable)?;
    let state = if disable { "disabled" } else { "enabled" };
    if changed {
        record(
            archive,
            local(Action::UserChange).detail(serde_json::json!({
                "change": if disable { "disable" } else { "enable" }, "user": name,
            })),
        )?;
    }
    if json {
        let user = accounts.user(name)?.context("the user vanished")?;
        println!(
            "{}",
            serde_json::json!({ "user": user, "changed": changed })
        );
    } else if changed {
        println!("{name} is now {state}");
    } else {
        println!("{name} was already {state}");
    }
    Ok(())
}

pub fn user(archive: &Archive, cmd: UserCommand) -> Result<ExitCode> {
    let store = archive.account_store()?;
    let accounts = Accounts::new(&store);
    match cmd {
        UserCommand::Add {
            name,
            role,
            branches,
            password_stdin,
            json,
        } => {
            let role: Role = role.parse()?;
            auth::check_user_name(&name)?;
            if accounts.user(&name)?.is_some() {
                bail!(auth::AuthError::UserExists(name));
            }
            let password = read_new_password(password_stdin, &name)?;
            let user = accounts.add_user(
                &name,
                role,
                &branches,
                &auth::hash_password(&password)?,
                false,
            )?;
            record(
                archive,
                local(Action::UserChange).detail(serde_json::json!({
                    "change": "add", "user": user.name, "role": user.role, "branches": user.branches,
                })),
            )?;
            if json {
                println!("{}", serde_json::json!({ "user": user }));
            } else {
                println!(
                    "Added {} ({}){}",
                    user.name,
                    user.role,
                    branches_note(&user)
                );
            }
        }
        UserCommand::Grant {
            name,
            branches,
            json,
        } => {
            for b in &branches {
                accounts.grant(&name, b)?;
            }
            record(
                archive,
                local(Action::PermissionChange).detail(serde_json::json!({
                    "change": "grant", "user": name, "branches": branches,
                })),
            )?;
            let user = accounts.user(&name)?.context("the user vanished")?;
            print_user(&user, json);
        }
        UserCommand::Revoke {
            name,
            branches,
            json,
        } => {
            for b in &branches {
                accounts.revoke(&name, b)?;
            }
            record(
                archive,
                local(Action::PermissionChange).detail(serde_json::json!({
                    "change": "revoke", "user": name, "branches": branches,
                })),
            )?;
            let user = accounts.user(&name)?.context("the user vanished")?;
            print_user(&user, json);
        }
        UserCommand::List { json } => {
            let users = accounts.list_users()?;
            if json {
                println!("{}", serde_json::to_string(&users)?);
            } else if users.is_empty() {
                println!("No users yet. Add an administrator: arshif user add NAME --role admin");
            } else {
                for u in users {
                    let note = if u.disabled {
                        "  (disabled)"
                    } else if u.must_change_password {
                        "  (must change the one-time password)"
                    } else {
                        ""
                    };
                    println!(
                        "{:<20} {:<8}{}{note}",
                        term(&u.name),
                        u.role,
                        term(&branches_note(&u))
                    );
                }
            }
        }
        UserCommand::Disable { name, json } => set_disabled(archive, &accounts, &name, true, json)?,
        UserCommand::Enable { name, json } => set_disabled(archive, &accounts, &name, false, json)?,
        UserCommand::Passwd {
            name,
            password_stdin,
            revoke_tokens,
            json,
        } => {
            if accounts.user(&name)?.is_none() {
                bail!(auth::AuthError::NoSuchUser(name));
            }
            let password = read_new_password(password_stdin, &name)?;
            accounts.set_password(&name, &auth::hash_password(&password)?, false)?;
            let revoked = if revoke_tokens {
                accounts.revoke_tokens_of(&name)?
            } else {
                0
            };
            record(
                archive,
                local(Action::PasswordChange)
                    .detail(serde_json::json!({ "user": name, "tokens_revoked": revoked })),
            )?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "user": name, "tokens_revoked": revoked })
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Changed the password of {}; their web sessions have ended{}",
                term(&name),
                if revoke_tokens {
                    format!(" and {revoked} API token(s) were revoked")
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A user after a change: a line of text, or `{"user":…}`.
fn print_user(user: &auth::User, json: bool) {
    if json {
        println!("{}", serde_json::json!({ "user": user }));
    } else {
        println!("{}{}", user.name, branches_note(user));
    }
}

fn branches_note(u: &auth::User) -> String {
    match u.role {
        Role::Admin => "  every branch".to_string(),
        Role::Auditor => String::new(),
        _ if u.branches.is_empty() => "  no branch yet (sees nothing)".to_string(),
        _ => format!(
            "  {}",
            u.branches
                .iter()
                .map(|b| b.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub fn token(archive: &Archive, cmd: TokenCommand) -> Result<ExitCode> {
    let store = archive.account_store()?;
    let accounts = Accounts::new(&store);
    match cmd {
        TokenCommand::Create { name, label, json } => {
            let (info, secret) = accounts.create_token(&name, &label)?;
            record(
                archive,
                local(Action::TokenChange).detail(serde_json::json!({
                    "change": "create", "token": info.id, "user": info.user, "label": info.label,
                })),
            )?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "token": secret.expose(), "id": info.id, "user": info.user, "label": info.label })
                );
                return Ok(ExitCode::SUCCESS);
            }
            // The secret alone on standard output, for scripts; the note on
            // standard error.
            println!("{}", secret.expose());
            eprintln!(
                "Token {} for {} ({}). Send it as `Authorization: Bearer TOKEN`. It is not shown again.",
                info.id,
                term(&info.user),
                term(&info.label)
            );
        }
        TokenCommand::List { name, json } => {
            let tokens = accounts.list_tokens(name.as_deref())?;
            if json {
                println!("{}", serde_json::to_string(&tokens)?);
            } else {
                for t in tokens {
                    let state = match t.revoked_at {
                        Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                        None => "active".to_string(),
                    };
                    println!(
                        "{:>4}  {:<20} {:<24} created {}  {state}",
                        t.id,
                        term(&t.user),
                        term(&t.label),
                        t.created_at.format("%Y-%m-%d %H:%M")
                    );
                }
            }
        }
        TokenCommand::Revoke { id, json } => {
            let info = accounts.revoke_token(id)?;
            record(
                archive,
                local(Action::TokenChange).detail(serde_json::json!({
                    "change": "revoke", "token": info.id, "user": info.user,
                })),
            )?;
            if json {
                println!("{}", serde_json::json!({ "revoked": info }));
            } else {
                println!("Revoked token {} of {}", info.id, info.user);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--since`: a day (from its start, UTC) or an RFC 3339 time.
pub fn parse_since(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(d) = s.parse::<chrono::NaiveDate>() {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .with_context(|| format!("--since {s:?}: give YYYY-MM-DD or an RFC 3339 time"))
}

pub fn audit(archive: &Archive, args: AuditArgs) -> Result<ExitCode> {
    let log = archive.audit_log()?;
    match args.command {
        Some(AuditCommand::Verify { json, checkpoints }) => {
            return verify(&log, json, &checkpoints);
        }
        Some(AuditCommand::Checkpoint { .. }) => {
            let (_, c) = log
                .checkpoint(&local(Action::Checkpoint))
                .context("cannot take a checkpoint")?;
            println!("{}", serde_json::to_string(&c)?);
            eprintln!(
                "Checkpoint of entry {} (key {}). Keep it away from the archive; \
                 check the log against it with: arshif audit verify --checkpoint FILE",
                c.seq, c.key_id
            );
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let filter = AuditFilter {
        actor: args.user,
        document: args.doc.map(DocId),
        since: args.since.as_deref().map(parse_since).transpose()?,
        before: None,
        limit: args.limit.max(1),
    };
    let entries = log.list(&filter)?;
    if args.json {
        println!("{}", serde_json::to_string(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in entries {
        let docs = if e.documents.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = e.documents.iter().take(10).map(|d| d.to_string()).collect();
            let more = e.documents.len().saturating_sub(10);
            format!(
                "  docs {}{}",
                shown.join(","),
                if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                }
            )
        };
        let detail = match e.detail.as_object() {
            Some(m) if !m.is_empty() => format!("  {}", e.detail),
            _ => String::new(),
        };
        // Padded after escaping, so that the columns line up as shown.
        println!(
            "{:>6}  {}  {:<16} {:<15} {:<17}{docs}{}",
            e.seq,
            term(&e.at),
            term(&e.actor),
            term(&e.address),
            term(&e.action),
            term(&detail)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `arshif audit verify`: exit 1 when the log (or a checkpoint) fails.
fn verify(log: &audit::AuditLog, json: bool, checkpoint_files: &[PathBuf]) -> Result<ExitCode> {
    let checkpoints = checkpoint_files
        .iter()
        .map(|p| Checkpoint::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let v = log.verify_against(&checkpoints)?;
    if json {
        println!("{}", serde_json::to_string(&v)?);
    } else {
        match (&v.broken, &v.head) {
            (Some((seq, why)), _) => {
                println!("The audit log is BROKEN at entry {seq}: {}", term(why))
            }
            (None, Some((seq, hash))) => {
                println!("The audit log is intact: {} entries, chained.", v.entries);
                match &v.key_id {
                    Some(id) => println!(
                        "Keyed: {} of them carry a MAC, each checked with key {id}; the last \
                         one does, vouching for every entry before it.",
                        v.keyed
                    ),
                    None if v.keyed > 0 => println!(
                        "Not checked: {} entries carry a MAC; set ARSHIF_AUDIT_KEY or \
                         ARSHIF_AUDIT_KEY_FILE to check them.",
                        v.keyed
                    ),
                    None => println!(
                        "No audit key: the chain alone does not show entries rewritten with \
                         their hashes recomputed (see the README's security section)."
                    ),
                }
                if let Some(c) = v.checkpoint {
                    println!("Every entry up to the checkpoint's entry {c} is as it was.");
                }
                println!(
                    "Head: entry {seq}, sha256 {hash}\n(Keep a signed head elsewhere: \
                     arshif audit checkpoint.)"
                );
            }
            (None, None) => println!("The audit log is empty"),
        }
    }
    Ok(if v.broken.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
