//! Deleting expired sessions: `clearsessions` and the server's background purge.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::database::{Database, DatabaseError, with_connection};
use super::diesel_store::now;
use super::schema::sessions;

/// Rows deleted per statement: small enough that each write lock is short and requests
/// interleave between batches.
pub const PURGE_BATCH: i64 = 2_000;

/// Deletes every session that has expired, one short batch at a time, and returns how many.
pub async fn purge_expired(database: &Database) -> Result<u64, DatabaseError> {
    let mut deleted = 0;
    loop {
        let now = now();
        let batch = with_connection!(database, |conn| {
            // The batch is chosen by a subselect on an alias of the same table.
            let oldest = diesel::alias!(sessions as expired);
            let expired = oldest
                .select(oldest.field(sessions::session_key))
                .filter(oldest.field(sessions::expire_date).le(now))
                .limit(PURGE_BATCH);
            diesel::delete(sessions::table.filter(sessions::session_key.eq_any(expired)))
                .execute(conn)
                .await
        })?;
        deleted += batch as u64;
        if (batch as i64) < PURGE_BATCH {
            return Ok(deleted);
        }
        tokio::task::yield_now().await;
    }
}

/// Purges on every tick of `interval` until the runtime stops; failures are logged and retried
/// at the next tick.
pub fn spawn_background_purge(database: Database, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match purge_expired(&database).await {
                Ok(0) => tracing::debug!("background purge: nothing expired"),
                Ok(deleted) => {
                    tracing::info!(deleted, "background purge: expired sessions deleted")
                }
                Err(error) => tracing::warn!(%error, "background purge failed; will retry"),
            }
        }
    });
}
