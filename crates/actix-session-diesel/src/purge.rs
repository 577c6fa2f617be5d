//! Deleting expired sessions: [`DieselSessionStore::clear_expired`] (Django's `clearsessions`)
//! and the background purge.
//!
//! The two want different things. `clear_expired` is run to get the job done, so it goes as fast
//! as it can. The background purge runs beside requests that write to the same table, so it keeps
//! each of its write locks short and rests between them.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tokio::sync::watch;

use crate::database::Database;
use crate::schema::sessions;
use crate::update::PURGE_SLACK;
use crate::{DieselSessionStore, Error};

/// How a batched purge shares the database with requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Batch after batch, as `clear_expired` does.
    FlatOut,
    /// After each full batch, rest as long as it took. The purge then holds the write lock at
    /// most half of the time, and requests' writes find it free. The default.
    Gentle,
}

/// The purge settings of a store; see [`StoreBuilder`](crate::StoreBuilder).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PurgeSettings {
    pub batch: i64,
    pub pace: Pace,
}

impl Default for PurgeSettings {
    /// 25 rows per statement, gently. Each batch holds SQLite's one write lock while requests'
    /// writes wait for it, so the batch bounds their latency. Measured on SQLite with 16
    /// connections writing sessions (p99 7 ms without a purge): with a rest as long as each batch,
    /// 50-row batches made the p99 18 ms and purged 3,100 rows/s; 25-row batches made it 13 ms at
    /// 2,000 rows/s. 200-row batches without rests had made it 45 ms.
    fn default() -> Self {
        Self {
            batch: 25,
            pace: Pace::Gentle,
        }
    }
}

/// The keys of the next batch of expired sessions, chosen by a subselect on an alias of the table:
/// found through the index on `purge_after`, which is at most [`PURGE_SLACK`] after `expire_date`.
macro_rules! expired_batch {
    ($now:expr, $batch:expr) => {{
        let oldest = diesel::alias!(sessions as expired);
        oldest
            .select(oldest.field(sessions::session_key))
            .filter(oldest.field(sessions::purge_after).le($now + PURGE_SLACK))
            .filter(oldest.field(sessions::expire_date).le($now))
            .limit($batch)
    }};
}

impl DieselSessionStore {
    /// Deletes every expired session as fast as it can, and returns how many: Django's
    /// `clearsessions`, for a command run by cron. Safe beside a running server.
    #[allow(irrefutable_let_patterns)] // with only the `sqlite` feature
    pub async fn clear_expired(&self) -> Result<u64, Error> {
        #[cfg(feature = "sqlite")]
        if let Database::Sqlite(engine) = &self.database {
            let now = self.now();
            let rewritten = engine
                .write_alone(move |conn| {
                    conn.spawn_blocking(move |conn| {
                        sqlite_rewrite::keep_only_live_if_mostly_expired(conn, now)
                    })
                })
                .await?;
            if let Some(deleted) = rewritten {
                return Ok(deleted);
            }
        }
        self.purge_expired_at(Pace::FlatOut, None).await
    }

    /// Deletes every expired session in batches, at the store's pace, and returns how many.
    ///
    /// Several instances may purge one PostgreSQL database at once: `FOR UPDATE SKIP LOCKED` gives
    /// each a disjoint batch, so they neither wait on each other nor deadlock. SQLite has one
    /// writer at a time anyway.
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        self.purge_expired_at(self.purge.pace, None).await
    }

    /// Purges at once, then on every tick of `every` (at least a second), in a task of its own,
    /// until the handle is stopped or dropped. Failures are logged and retried at the next tick.
    /// Needs a tokio runtime (actix-web runs on one).
    pub fn spawn_background_purge(&self, every: Duration) -> PurgeHandle {
        let (stop, mut stopped) = watch::channel(false);
        let store = self.clone();
        // A zero period would make tokio's interval panic, and the task with it.
        let every = every.max(Duration::from_secs(1));
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stopped.changed() => return,
                }
                match store
                    .purge_expired_at(store.purge.pace, Some(&stopped))
                    .await
                {
                    Ok(0) => tracing::debug!("background purge: nothing expired"),
                    Ok(deleted) => {
                        tracing::info!(deleted, "background purge: expired sessions deleted")
                    }
                    Err(error) => tracing::warn!(%error, "background purge failed; will retry"),
                }
            }
        });
        PurgeHandle { stop, task }
    }

    /// Batches until none is full, or until `stop` says so (checked between batches, so a stop
    /// never cuts a statement short).
    async fn purge_expired_at(
        &self,
        pace: Pace,
        stop: Option<&watch::Receiver<bool>>,
    ) -> Result<u64, Error> {
        let mut deleted = 0;
        loop {
            let started = Instant::now();
            let batch = self.delete_one_batch().await?;
            deleted += batch;
            if batch < self.purge.batch as u64 || stop.is_some_and(|stop| *stop.borrow()) {
                return Ok(deleted);
            }
            match pace {
                Pace::FlatOut => tokio::task::yield_now().await,
                Pace::Gentle => tokio::time::sleep(started.elapsed()).await,
            }
        }
    }

    async fn delete_one_batch(&self) -> Result<u64, Error> {
        let (now, batch) = (self.now(), self.purge.batch);
        // One arm per backend, not `with_connection!`: only PostgreSQL has `FOR UPDATE`.
        let deleted = match &self.database {
            #[cfg(feature = "sqlite")]
            Database::Sqlite(engine) => {
                engine
                    .write(move |conn| {
                        let expired = expired_batch!(now, batch);
                        diesel::delete(
                            sessions::table.filter(sessions::session_key.eq_any(expired)),
                        )
                        .execute(conn)
                    })
                    .await?
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(pools) => {
                let mut conn = pools.get().await?;
                let expired = expired_batch!(now, batch).for_update().skip_locked();
                diesel::delete(sessions::table.filter(sessions::session_key.eq_any(expired)))
                    .execute(&mut conn)
                    .await?
            }
        };
        Ok(deleted as u64)
    }
}

/// The background purge started by [`DieselSessionStore::spawn_background_purge`]. Stop it on
/// shutdown with [`PurgeHandle::stop`]; dropping the handle stops it too, without waiting.
#[derive(Debug)]
pub struct PurgeHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl PurgeHandle {
    /// Asks the purge to stop after the statement it is running, and waits until it has.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.task).await;
    }
}

impl Drop for PurgeHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Synchronous diesel, run on the SQLite connection's blocking thread.
#[cfg(feature = "sqlite")]
mod sqlite_rewrite {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use diesel::sql_types::Timestamp;

    use crate::schema::sessions;

    /// `clear_expired` on SQLite copies the live sessions aside and empties the table, rather than
    /// deleting rows, when more sessions have expired than are live and no more than this many are
    /// live. The whole rewrite is one write transaction: with 1,000,000 expired rows it took 0.6 s
    /// beside 100,000 live ones (62 s in batches), and in SQLite's CLI 3.7 s beside 500,000. The cap
    /// keeps that lock well under the 5 s a server beside it waits for a lock.
    const REWRITE_MAX_LIVE: i64 = 200_000;

    /// Deleting a row costs SQLite a random page write in the table and in each of its two
    /// indexes, about 60 µs a row here. Copying the live rows aside, emptying the table (a `DELETE`
    /// without `WHERE` frees whole pages and does not visit each row) and copying them back costs
    /// a few µs per *live* row. So when most rows have expired, the copy is far cheaper.
    /// Returns `None`, having changed nothing, when batches are the better choice.
    pub(super) fn keep_only_live_if_mostly_expired(
        conn: &mut SqliteConnection,
        now: NaiveDateTime,
    ) -> QueryResult<Option<u64>> {
        // Immediate: the counts must still hold when the rewrite starts, so take the write lock
        // first.
        conn.immediate_transaction(|conn| {
            let total: i64 = sessions::table.count().get_result(conn)?;
            // Rows whose `purge_after` is a minute past have surely expired, and the index alone
            // counts them: testing `expire_date` too would read every row (a million of them
            // took 1.7 s).
            let surely_expired: i64 = sessions::table
                .filter(sessions::purge_after.le(now - crate::update::PURGE_SLACK))
                .count()
                .get_result(conn)?;
            let at_most_live = total - surely_expired;
            if surely_expired <= at_most_live || at_most_live > REWRITE_MAX_LIVE {
                return Ok(None);
            }
            diesel::sql_query(
                "CREATE TEMP TABLE live_sessions AS SELECT * FROM main.sessions WHERE expire_date > ?",
            )
            .bind::<Timestamp, _>(now)
            .execute(conn)?;
            let live: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "SELECT count(*) FROM temp.live_sessions",
            )
            .get_result(conn)?;
            diesel::delete(sessions::table).execute(conn)?;
            // In key order, so the primary-key index is built by appending instead of by
            // splitting pages.
            diesel::sql_query(
                "INSERT INTO main.sessions SELECT * FROM temp.live_sessions ORDER BY session_key",
            )
            .execute(conn)?;
            diesel::sql_query("DROP TABLE temp.live_sessions").execute(conn)?;
            Ok(Some((total - live) as u64))
        })
    }
}
