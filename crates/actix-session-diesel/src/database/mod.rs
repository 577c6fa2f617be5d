//! The session database, SQLite or PostgreSQL, and the [`with_connection!`] macro that runs the
//! same diesel query on either: the query is written once and compiled for both backends.

use std::time::Duration;

use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{DatabaseUrl, Error};

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("actix-session-diesel needs the `sqlite` or the `postgres` feature");

/// The schema: the project's `migrations/` directory, embedded in the binary.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// An SQLite file.
    #[cfg(feature = "sqlite")]
    Sqlite,
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite => "SQLite",
            #[cfg(feature = "postgres")]
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// How the pool connects; set through [`StoreBuilder`](crate::StoreBuilder).
#[derive(Debug, Clone)]
pub(crate) struct PoolOptions {
    /// PostgreSQL: connections in each runtime's pool; SQLite: reader threads for while the writer is stuck.
    pub size: usize,
    /// How long a call waits for a connection or an answer, or for a new connection to open,
    /// before it fails.
    pub timeout: Duration,
    /// The PostgreSQL advisory lock held while migrating.
    pub migration_lock: i64,
}

/// The session database: SQLite's threads, or pools of PostgreSQL connections. Cheap to clone.
#[derive(Clone)]
pub(crate) enum Database {
    #[cfg(feature = "sqlite")]
    Sqlite(std::sync::Arc<sqlite::Engine>),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Pools),
}

/// Runs `$body` with `$conn` bound to a connection of whichever database `$database` is, and
/// yields `Result<T, Error>`. `$body` is an expression of type `QueryResult<T>`, written once for
/// both. `$access` is `read`, `write` or `write_alone` (a job with its own transaction): on SQLite
/// it picks the thread, and writes share a commit with the writes queued beside them. There the
/// body runs on another thread, so the borrowed values it uses are listed in `[…]` to be owned.
macro_rules! with_connection {
    ($database:expr, $access:ident, [$($owned:ident),*], |$conn:ident| $body:expr) => {{
        use $crate::database::Database;
        match $database {
            #[cfg(feature = "sqlite")]
            Database::Sqlite(engine) => {
                $(let $owned = $owned.to_owned();)*
                engine
                    .$access(move |$conn| {
                        ::futures_util::FutureExt::boxed(async move {
                            // Borrowed again, so that the body reads the same in both arms.
                            $(let $owned = &$owned;)*
                            $body
                        })
                    })
                    .await
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(pools) => {
                $crate::database::on_postgres!(pools, $access, |$conn| $body)
            }
        }
    }};
}
pub(crate) use with_connection;

/// [`with_connection!`]'s PostgreSQL arm: reads on the connection they share (pipelined), which a
/// failed read gives up; writes on a connection of their own.
#[cfg(feature = "postgres")]
macro_rules! on_postgres {
    ($pools:ident, read, |$conn:ident| $body:expr) => {
        match $pools.reader().await {
            Ok(reader) => {
                let result = {
                    let $conn = &mut &*reader;
                    $body
                };
                if result.is_err() {
                    $pools.reader_failed(&reader);
                }
                result.map_err($crate::Error::from)
            }
            Err(error) => Err(error),
        }
    };
    ($pools:ident, $access:ident, |$conn:ident| $body:expr) => {
        match $pools.get().await {
            Ok(mut pooled) => {
                let $conn = &mut *pooled;
                $body.map_err($crate::Error::from)
            }
            Err(error) => Err(error),
        }
    };
}
#[cfg(feature = "postgres")]
pub(crate) use on_postgres;

/// No connection could be had in time.
#[cfg(feature = "postgres")]
pub(crate) fn pool_error(error: diesel_async::pooled_connection::deadpool::PoolError) -> Error {
    Error::Pool(Box::new(error))
}

impl Database {
    /// Opens the pool. Connections open lazily, so a bad URL is found by [`Database::migrate`].
    pub(crate) fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, Error> {
        Ok(match url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => {
                sqlite::path_str(path)?;
                Self::Sqlite(sqlite::Engine::start(path, options.size, options.timeout))
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => {
                let (url, tls) = postgres::connect_spec(url)?;
                let options = options.clone();
                Self::Postgres(postgres::Pools::new(move || {
                    let (tls, timeout) = (tls.clone(), options.timeout);
                    pool(
                        url.clone(),
                        Box::new(move |url| {
                            futures_util::FutureExt::boxed(postgres::establish_bounded(
                                url,
                                tls.clone(),
                                timeout,
                            ))
                        }),
                        &options,
                    )
                })?)
            }
            #[allow(unreachable_patterns)] // when both features are on
            other => {
                return Err(Error::Config(format!(
                    "{other}: this build has no support for that database (see the crate's features)"
                )));
            }
        })
    }

    /// Applies the migrations not yet applied and returns their versions. Creates a SQLite file
    /// and its directory if needed. Instances starting together on one PostgreSQL database take
    /// turns (an advisory lock): one migrates, the others then find nothing to do.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))] // `lock`
    pub(crate) async fn migrate(url: &DatabaseUrl, lock: i64) -> Result<Vec<String>, Error> {
        let failed = |reason: String| Error::Migrate {
            url: url.to_string(),
            reason,
        };
        let cannot_open = |reason: String| Error::Connect {
            url: url.to_string(),
            reason,
        };
        match url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        cannot_open(format!(
                            "cannot create the directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                let mut connection = sqlite::establish(sqlite::path_str(path)?)
                    .await
                    .map_err(|e| cannot_open(e.to_string()))?;
                // WAL lets readers run beside the one writer. The mode is stored in the file,
                // and switching it takes a lock, so pooled connections (opened while others
                // write) must not repeat it.
                connection
                    .batch_execute("PRAGMA journal_mode = WAL;")
                    .await
                    .map_err(|e| cannot_open(e.to_string()))?;
                run_migrations(connection).await.map_err(failed)
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(raw) => {
                let (url, tls) = postgres::connect_spec(raw)?;
                let mut connection = postgres::establish(&url, tls)
                    .await
                    .map_err(|e| cannot_open(e.to_string()))?;
                // The lock is the connection's: it goes when the connection does, right after the
                // migrations.
                connection
                    .batch_execute(&format!("SELECT pg_advisory_lock({lock})"))
                    .await
                    .map_err(|e| cannot_open(e.to_string()))?;
                run_migrations(connection).await.map_err(failed)
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::Config(format!(
                "{other}: this build has no support for that database (see the crate's features)"
            ))),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

#[cfg(feature = "postgres")]
fn pool(
    url: String,
    setup: diesel_async::pooled_connection::SetupCallback<diesel_async::AsyncPgConnection>,
    options: &PoolOptions,
) -> Result<postgres::Pool, Error> {
    use diesel_async::pooled_connection::{
        AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
    };
    let mut config = ManagerConfig::default();
    // `Fast` skips a `SELECT 1` round trip per checkout; a dead connection fails its first query
    // and is dropped instead of being returned to the pool.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = setup;
    let manager = AsyncDieselConnectionManager::new_with_config(url, config);
    postgres::Pool::builder(manager)
        .max_size(options.size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(options.timeout))
        .create_timeout(Some(options.timeout))
        .recycle_timeout(Some(options.timeout))
        .build()
        .map_err(|e| Error::Config(format!("cannot build the connection pool: {e}")))
}

/// diesel's migration harness is synchronous: run it on the blocking pool, through diesel-async's
/// wrapper that drives the async connection from there.
async fn run_migrations<C>(connection: C) -> Result<Vec<String>, String>
where
    C: AsyncConnection + Send + 'static,
    AsyncConnectionWrapper<C>: MigrationHarness<C::Backend>,
{
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncConnectionWrapper::<C>::from(connection);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|error| error.to_string())
    })
    .await
    .map_err(|error| error.to_string())?
}

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
