//! Change notifications of the shared catalog.

use std::time::{Duration, Instant};

use ::postgres::fallible_iterator::FallibleIterator;
use ::postgres::Client;

use super::CHANNEL;
use crate::catalog::{CatalogError, Result};
use crate::db::pg::{target_schema, Target};

/// Waits for the catalog's change notifications (a document recorded, or
/// changed in what its index entry holds), on a connection of its own.
/// Only notifications of the catalog in its connection's schema count.
pub struct ChangeListener {
    client: Client,
    url: String,
    schema: Option<String>,
}

impl ChangeListener {
    /// Connect and `LISTEN arshif_changes`. Changes committed from then on
    /// are seen.
    pub fn new(url: &str) -> Result<Self> {
        let target = Target::parse(url)?;
        let url = target.display_url().to_string();
        let pg = |source| CatalogError::Pg {
            url: url.clone(),
            source,
        };
        let mut client = target.connect().map_err(pg)?;
        let schema = target_schema(&mut client).map_err(pg)?;
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .map_err(pg)?;
        Ok(ChangeListener {
            client,
            url,
            schema,
        })
    }

    /// Wait up to `timeout` for a change: true when one arrived (all those
    /// waiting are taken), false when the time ran out.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        let url = &self.url;
        let err = |source| CatalogError::Pg {
            url: url.clone(),
            source,
        };
        let schema = &self.schema;
        let mine = |payload: &str| match (schema, payload.split_once(':')) {
            (Some(s), Some((p, _))) => s == p,
            _ => true,
        };
        let mut seen = false;
        let mut notifications = self.client.notifications();
        // Those already arrived first, without blocking.
        let mut pending = notifications.iter();
        while let Some(n) = pending.next().map_err(err)? {
            seen |= mine(n.payload());
        }
        drop(pending);
        while !seen {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match notifications
                .timeout_iter(deadline - now)
                .next()
                .map_err(err)?
            {
                Some(n) => seen = mine(n.payload()),
                None => break,
            }
        }
        if seen {
            let mut pending = notifications.iter();
            while pending.next().map_err(err)?.is_some() {}
        }
        Ok(seen)
    }

    /// Whether the connection still answers (a listener whose connection
    /// broke sees no more changes: make a new one).
    pub fn check(&mut self) -> Result<()> {
        self.client
            .is_valid(Duration::from_secs(5))
            .map_err(|source| CatalogError::Pg {
                url: self.url.clone(),
                source,
            })
    }
}
