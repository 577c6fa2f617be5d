//! [`StoreBuilder`]: every setting of a store, with defaults that suit one server.

use std::sync::Arc;
use std::time::Duration;

use crate::database::{Database, PoolOptions};
use crate::purge::PurgeSettings;
use crate::{Clock, DatabaseUrl, DieselSessionStore, Error, Pace, SystemClock};

/// The advisory lock id held while migrating PostgreSQL, unless [`StoreBuilder::migration_lock_id`]
/// sets another.
pub const DEFAULT_MIGRATION_LOCK_ID: i64 = 7_364_018_232_271;

/// Settings for a [`DieselSessionStore`]; made by [`DieselSessionStore::builder`].
#[must_use = "a builder does nothing until `build` is awaited"]
pub struct StoreBuilder {
    url: DatabaseUrl,
    pool: PoolOptions,
    clock: Arc<dyn Clock>,
    purge: PurgeSettings,
    migrate: bool,
}

impl DieselSessionStore {
    /// A builder for a store at `url`, with the defaults: 8 connections, a 5 s timeout, the system
    /// clock, gentle purges of 25 rows a batch, and migrations applied at build.
    ///
    /// ```no_run
    /// # async fn start() -> Result<(), actix_session_diesel::Error> {
    /// use actix_session_diesel::DieselSessionStore;
    ///
    /// let store = DieselSessionStore::builder("sqlite://data/sessions.sqlite3".parse()?)
    ///     .pool_size(4)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(url: DatabaseUrl) -> StoreBuilder {
        StoreBuilder {
            url,
            pool: PoolOptions {
                size: 8,
                timeout: Duration::from_secs(5),
                migration_lock: DEFAULT_MIGRATION_LOCK_ID,
            },
            clock: Arc::new(SystemClock),
            purge: PurgeSettings::default(),
            migrate: true,
        }
    }
}

impl StoreBuilder {
    /// Connections (at least 1).
    ///
    /// PostgreSQL: the size of each pool, which writes use. There is a pool per single-threaded
    /// runtime that uses the store (actix-web: one per worker, so that each worker's queries stay
    /// on its thread) and one for any multi-threaded runtime; beside each, one connection that the
    /// runtime's reads share.
    ///
    /// SQLite: how many reader threads, each with a connection of its own, which take the reads
    /// while the writer thread is stuck behind another process's write lock. Otherwise the
    /// writer, which commits every write queued at that moment in one transaction, serves the
    /// reads too (its page cache stays warm).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool.size = size.max(1);
        self
    }

    /// How long a call waits for a connection, for a new one to open, or on SQLite for its thread
    /// to answer (another process may hold the write lock), before it fails with [`Error::Pool`]
    /// (an SQLite write that timed out is then never applied), and on PostgreSQL how long a statement may run (`statement_timeout`: a
    /// locked table or a stalled server) before it fails with [`Error::Query`].
    /// [`session_guard`](crate::session_guard) answers both with 503.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.pool.timeout = timeout;
        self
    }

    /// The clock that decides what has expired; the same one as your app's, so tests can move
    /// time for both.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Rows deleted per statement by the purges (at least 1): each holds SQLite's write lock
    /// while requests wait, so smaller batches mean shorter waits.
    pub fn purge_batch(mut self, rows: u32) -> Self {
        self.purge.batch = i64::from(rows.max(1));
        self
    }

    /// How [`DieselSessionStore::purge_expired`] and the background purge share the database
    /// with requests.
    pub fn purge_pace(mut self, pace: Pace) -> Self {
        self.purge.pace = pace;
        self
    }

    /// The PostgreSQL advisory lock that instances starting together take turns on while
    /// migrating; change it if another program uses the same number.
    pub fn migration_lock_id(mut self, id: i64) -> Self {
        self.pool.migration_lock = id;
        self
    }

    /// Whether `build` applies pending migrations first (the default). Turn it off when
    /// migrations run as a deployment step ([`migrate`](crate::migrate)).
    pub fn run_migrations(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Opens the database (creating an SQLite file and its directory), applies pending
    /// migrations, and returns the store. Errors name the URL without its password, and say why.
    pub async fn build(self) -> Result<DieselSessionStore, Error> {
        if self.migrate {
            let applied = Database::migrate(&self.url, self.pool.migration_lock).await?;
            if !applied.is_empty() {
                tracing::info!(database = %self.url, migrations = ?applied, "applied migrations");
            }
        }
        Ok(DieselSessionStore {
            database: Database::open(&self.url, &self.pool)?,
            clock: self.clock,
            purge: self.purge,
            turns: crate::guard::Turns::new(),
            #[cfg(feature = "postgres")]
            write_lines: Default::default(),
        })
    }
}

/// Applies the pending migrations at `url` and returns their versions: for a deployment step
/// or a `migrate` command.
pub async fn migrate(url: &DatabaseUrl) -> Result<Vec<String>, Error> {
    Database::migrate(url, DEFAULT_MIGRATION_LOCK_ID).await
}
