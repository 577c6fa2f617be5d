//! Deleting expired sessions: `clearsessions` and the server's background purge.
//!
//! The two want different things. `clearsessions` is run to get the job done, so it goes as fast
//! as it can. The background purge runs beside requests that write to the same table, so it keeps
//! each of its write locks short and rests between them.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::database::{Database, DatabaseError};
use super::diesel_store::now;
use super::schema::sessions;

/// Rows deleted per statement. Each batch holds SQLite's one write lock while requests' writes
/// wait for it, so the batch bounds their latency. Measured by `bench/run.sh` on SQLite (16
/// connections writing `/session/`, p99 7 ms without a purge): with a rest as long as each batch,
/// 50-row batches made the p99 18 ms and purged 3,100 rows/s; 25-row batches made it 13 ms at
/// 2,000 rows/s. 200-row batches without rests had made it 45 ms.
pub const PURGE_BATCH: i64 = 25;

/// `clearsessions` on SQLite copies the live sessions aside and empties the table, rather than
/// deleting rows, when more sessions have expired than are live and no more than this many are
/// live. The whole rewrite is one write transaction: with 1,000,000 expired rows it took 0.6 s
/// beside 100,000 live ones (62 s in batches), and in SQLite's CLI 3.7 s beside 500,000. The cap keeps that lock
/// well under the 5 s a server beside it waits for a lock before its request fails.
pub const REWRITE_MAX_LIVE: i64 = 200_000;

/// How a batched purge shares the database with requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Batch after batch: `clearsessions`, whose only job is this.
    FlatOut,
    /// After each full batch, rest as long as it took. The purge then holds the write lock at most
    /// half of the time, and requests' writes find it free.
    Gentle,
}

/// The keys of the next batch of expired sessions, chosen by a subselect on an alias of the table.
macro_rules! expired_batch {
    ($now:expr) => {{
        let oldest = diesel::alias!(sessions as expired);
        oldest
            .select(oldest.field(sessions::session_key))
            .filter(oldest.field(sessions::expire_date).le($now))
            .limit(PURGE_BATCH)
    }};
}

/// Deletes every expired session as fast as it can, and returns how many: `clearsessions`.
pub async fn clear_expired(database: &Database) -> Result<u64, DatabaseError> {
    if let Database::Sqlite { pool, .. } = database {
        let _turn = database.writer_turn().await;
        let mut conn = pool.get().await?;
        let now = now();
        let rewritten = conn
            .spawn_blocking(move |conn| sqlite_rewrite::keep_only_live_if_mostly_expired(conn, now))
            .await?;
        if let Some(deleted) = rewritten {
            return Ok(deleted);
        }
    }
    purge_expired(database, Pace::FlatOut).await
}

/// Deletes every expired session in batches of [`PURGE_BATCH`], and returns how many.
///
/// Several instances may purge one PostgreSQL database at once: `FOR UPDATE SKIP LOCKED` gives
/// each a disjoint batch, so they neither wait on each other nor deadlock. SQLite has one writer
/// at a time anyway.
pub async fn purge_expired(database: &Database, pace: Pace) -> Result<u64, DatabaseError> {
    let mut deleted = 0;
    loop {
        let started = Instant::now();
        let batch = delete_one_batch(database).await?;
        deleted += batch;
        if batch < PURGE_BATCH as u64 {
            return Ok(deleted);
        }
        match pace {
            Pace::FlatOut => tokio::task::yield_now().await,
            Pace::Gentle => tokio::time::sleep(started.elapsed()).await,
        }
    }
}

async fn delete_one_batch(database: &Database) -> Result<u64, DatabaseError> {
    let now = now();
    let deleted = match database {
        Database::Sqlite { pool, .. } => {
            let _turn = database.writer_turn().await;
            let mut conn = pool.get().await?;
            diesel::delete(
                sessions::table.filter(sessions::session_key.eq_any(expired_batch!(now))),
            )
            .execute(&mut conn)
            .await?
        }
        Database::Postgres(pool) => {
            let mut conn = pool.get().await?;
            let batch = expired_batch!(now).for_update().skip_locked();
            diesel::delete(sessions::table.filter(sessions::session_key.eq_any(batch)))
                .execute(&mut conn)
                .await?
        }
    };
    Ok(deleted as u64)
}

/// Purges gently on every tick of `interval` until the runtime stops; failures are logged and
/// retried at the next tick.
pub fn spawn_background_purge(database: Database, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match purge_expired(&database, Pace::Gentle).await {
                Ok(0) => tracing::debug!("background purge: nothing expired"),
                Ok(deleted) => {
                    tracing::info!(deleted, "background purge: expired sessions deleted")
                }
                Err(error) => tracing::warn!(%error, "background purge failed; will retry"),
            }
        }
    });
}

/// Synchronous diesel, run on the SQLite connection's blocking thread.
mod sqlite_rewrite {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use diesel::sql_types::Timestamp;

    use super::REWRITE_MAX_LIVE;
    use crate::session_store::schema::sessions;

    /// Deleting a row costs SQLite a random page write in the table and in each of its two indexes,
    /// about 60 µs a row here. Copying the live rows aside, emptying the table (a `DELETE` without
    /// `WHERE` frees whole pages and does not visit each row) and copying them back costs a few µs
    /// per *live* row. So when most rows have expired, the copy is far cheaper.
    /// Returns `None`, having changed nothing, when batches are the better choice.
    pub(super) fn keep_only_live_if_mostly_expired(
        conn: &mut SqliteConnection,
        now: NaiveDateTime,
    ) -> QueryResult<Option<u64>> {
        // Immediate: the counts must still hold when the rewrite starts, so take the write lock first.
        conn.immediate_transaction(|conn| {
            let total: i64 = sessions::table.count().get_result(conn)?;
            let expired: i64 = sessions::table
                .filter(sessions::expire_date.le(now))
                .count()
                .get_result(conn)?;
            let live = total - expired;
            if expired <= live || live > REWRITE_MAX_LIVE {
                return Ok(None);
            }
            diesel::sql_query(
                "CREATE TEMP TABLE live_sessions AS SELECT * FROM main.sessions WHERE expire_date > ?",
            )
            .bind::<Timestamp, _>(now)
            .execute(conn)?;
            diesel::delete(sessions::table).execute(conn)?;
            // In key order, so the primary-key index is built by appending instead of by splitting pages.
            diesel::sql_query(
                "INSERT INTO main.sessions SELECT * FROM temp.live_sessions ORDER BY session_key",
            )
            .execute(conn)?;
            diesel::sql_query("DROP TABLE temp.live_sessions").execute(conn)?;
            Ok(Some(expired as u64))
        })
    }
}
