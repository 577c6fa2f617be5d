//! One connection pool over SQLite or PostgreSQL, and the [`with_connection!`] macro that runs the
//! same diesel query on either: the query is written once and compiled for both backends.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use deadpool::Runtime;
use diesel::{ConnectionError, ConnectionResult, SqliteConnection};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, TryFutureExt as _};

pub type SqliteAsyncConnection = SyncConnectionWrapper<SqliteConnection, SqliteBlockingPool>;

/// Where SQLite's blocking calls run: one runtime that lives as long as the process.
///
/// diesel-async's default runs them on the runtime that opened the connection. actix-web gives each
/// worker thread a runtime of its own and stops them one by one at shutdown, so a pooled
/// connection opened by one worker and used by another would have its queries cancelled when
/// the first worker stops (seen under SIGTERM as a 503 for an in-flight request).
pub struct SqliteBlockingPool;

impl SpawnBlocking for SqliteBlockingPool {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> =
            std::sync::LazyLock::new(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("sqlite")
                    .build()
                    // Only fails when the OS refuses a thread: nothing could run then anyway.
                    .expect("the SQLite runtime should start")
            });
        RUNTIME.spawn_blocking(task).map_err(Box::from).boxed()
    }

    fn get_runtime() -> Self {
        Self
    }
}

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How long a request waits for a connection, or for a new one to open, before it fails.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// Set on every SQLite connection, busy timeout first so that nothing after it fails at once on a
/// lock: writers queue for up to 5 s; `synchronous=NORMAL` is durable across a crash of the
/// process in WAL mode.
const SQLITE_CONNECTION_SETUP: &str = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";

/// Set once, when the database is opened for migration: WAL lets readers run beside the one
/// writer. The mode is stored in the file, and switching it takes a lock, so pooled connections
/// (opened while others write) must not repeat it.
const SQLITE_JOURNAL_MODE: &str = "PRAGMA journal_mode = WAL;";

/// Held while migrating PostgreSQL: one instance migrates, the others wait, then find nothing to do.
const POSTGRES_MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(7364018232271)";

/// A `--database-url`: `sqlite://PATH` (relative, or absolute as `sqlite:///abs/path`) or
/// `postgres://user:password@host/db`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for DatabaseUrl {
    type Err = anyhow::Error;

    fn from_str(url: &str) -> anyhow::Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("the SQLite URL names no file (expected sqlite://PATH)");
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            bail!("unsupported database URL: expected sqlite://PATH or postgres://…")
        }
    }
}

/// Shown in logs and errors without the password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// A connection URL fit for a log line: any password replaced by asterisks.
pub fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("********"));
            }
            parsed.to_string()
        }
        Err(_) => "(a URL that does not parse)".to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A pool of connections to the session database. Cheap to clone.
#[derive(Clone)]
pub enum Database {
    Sqlite {
        pool: Pool<SqliteAsyncConnection>,
        /// SQLite has one writer at a time. Writers of this process queue here and wake in turn,
        /// instead of sleeping 1, 2, 5, 10… ms in SQLite's busy handler (measured: that sleep was
        /// the 30-40 ms p99 of `/session/`; with the queue, 9-10 ms). The busy timeout still
        /// covers other processes on the same file.
        writer: Arc<tokio::sync::Mutex<()>>,
    },
    Postgres(Pool<AsyncPgConnection>),
}

/// A database call failed: no connection could be had, or the query failed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("no database connection: {0}")]
    Pool(#[from] PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Another request updated the session after this one loaded it; retrying sees its change.
    #[error("the session changed since this request loaded it")]
    Conflict,
}

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend `$database` uses.
/// `$body` is an expression of type `QueryResult<T>`; the macro yields `Result<T, DatabaseError>`.
macro_rules! with_connection {
    ($database:expr, |$conn:ident| $body:expr) => {{
        use $crate::session_store::database::{Database, DatabaseError};
        match $database {
            Database::Sqlite { pool, .. } => match pool.get().await {
                Ok(mut pooled) => {
                    let $conn = &mut *pooled;
                    $body.map_err(DatabaseError::from)
                }
                Err(error) => Err(DatabaseError::from(error)),
            },
            Database::Postgres(pool) => match pool.get().await {
                Ok(mut pooled) => {
                    let $conn = &mut *pooled;
                    $body.map_err(DatabaseError::from)
                }
                Err(error) => Err(DatabaseError::from(error)),
            },
        }
    }};
}
pub(crate) use with_connection;

impl Database {
    /// Opens the database (creating a SQLite file and its directory if needed), applies pending
    /// migrations and builds the pool. Fails with a message naming the URL (never its password).
    pub async fn connect(url: &DatabaseUrl, pool_size: usize) -> anyhow::Result<Self> {
        let applied = Self::migrate(url).await?;
        if !applied.is_empty() {
            tracing::info!(database = %url, migrations = ?applied, "applied migrations");
        }
        Ok(match url {
            DatabaseUrl::Sqlite(path) => Self::Sqlite {
                pool: pool(sqlite_url(path)?, Box::new(establish_sqlite), pool_size)?,
                writer: Arc::default(),
            },
            DatabaseUrl::Postgres(url) => Self::Postgres(pool(
                url.clone(),
                Box::new(|url| establish_postgres(url).boxed()),
                pool_size,
            )?),
        })
    }

    /// Applies the migrations not yet applied and returns their versions.
    pub async fn migrate(url: &DatabaseUrl) -> anyhow::Result<Vec<String>> {
        let cannot_open = || format!("cannot open the session database at {url}");
        match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("cannot create the directory {}", dir.display())
                    })?;
                }
                let mut connection = establish_sqlite(&sqlite_url(path)?)
                    .await
                    .with_context(cannot_open)?;
                connection
                    .batch_execute(SQLITE_JOURNAL_MODE)
                    .await
                    .with_context(cannot_open)?;
                run_migrations(connection).await
            }
            DatabaseUrl::Postgres(postgres_url) => {
                let mut connection = establish_postgres(postgres_url)
                    .await
                    .with_context(cannot_open)?;
                // Instances starting together would otherwise race to create the same table and
                // all but one fail. The lock is the connection's: it goes when the connection does,
                // right after the migrations.
                connection
                    .batch_execute(POSTGRES_MIGRATION_LOCK)
                    .await
                    .with_context(cannot_open)?;
                run_migrations(connection).await
            }
        }
        .with_context(|| format!("cannot migrate the session database at {url}"))
    }

    /// Waits for this process's turn to write (SQLite); PostgreSQL takes writers at once.
    pub async fn writer_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self {
            Self::Sqlite { writer, .. } => Some(writer.lock().await),
            Self::Postgres(_) => None,
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

fn sqlite_url(path: &std::path::Path) -> anyhow::Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the SQLite path {} is not UTF-8", path.display()))
}

fn establish_sqlite(url: &str) -> BoxFuture<'_, ConnectionResult<SqliteAsyncConnection>> {
    async move {
        let mut connection = SqliteAsyncConnection::establish(url).await?;
        connection
            .batch_execute(SQLITE_CONNECTION_SETUP)
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(connection)
    }
    .boxed()
}

/// Connects through tokio-postgres directly: diesel-async's own `establish` keeps only the top of
/// the error ("error connecting to server"), not why (refused, authentication, TLS, unknown host).
async fn establish_postgres(url: &str) -> ConnectionResult<AsyncPgConnection> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|error| ConnectionError::BadConnection(error_chain(&error)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// An error and each of its causes, joined by ": ".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

type Setup<C> = diesel_async::pooled_connection::SetupCallback<C>;

fn pool<C>(url: String, setup: Setup<C>, size: usize) -> anyhow::Result<Pool<C>>
where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
{
    let mut config = ManagerConfig::default();
    // `Fast` skips a `SELECT 1` round trip per checkout; a dead connection fails its first query
    // and is dropped instead of being returned to the pool.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = setup;
    let manager = AsyncDieselConnectionManager::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .build()
        .context("cannot build the connection pool")
}

/// diesel's migration harness is synchronous: run it on the blocking pool, through diesel-async's
/// wrapper that drives the async connection from there.
async fn run_migrations<C>(connection: C) -> anyhow::Result<Vec<String>>
where
    C: AsyncConnection + Send + 'static,
    AsyncConnectionWrapper<C>: MigrationHarness<C::Backend>,
{
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncConnectionWrapper::<C>::from(connection);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|error| anyhow!(error))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_display_without_password() {
        let sqlite: DatabaseUrl = "sqlite://data/sessions.sqlite3".parse().unwrap();
        assert_eq!(sqlite, DatabaseUrl::Sqlite("data/sessions.sqlite3".into()));
        let absolute: DatabaseUrl = "sqlite:///tmp/x.db".parse().unwrap();
        assert_eq!(absolute, DatabaseUrl::Sqlite("/tmp/x.db".into()));
        let postgres: DatabaseUrl = "postgres://app:hunter2@db.local:5432/sessions"
            .parse()
            .unwrap();
        let shown = postgres.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app:") && shown.contains("db.local:5432/sessions"));
        assert!(!format!("{postgres:?}").contains("hunter2"));
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }
}
