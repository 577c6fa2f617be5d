//! One connection pool over SQLite or PostgreSQL, and the [`with_connection!`] macro that runs the
//! same diesel query on either: the query is written once and compiled for both backends.

use std::time::Duration;

use deadpool::Runtime;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt as _;

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
    pub size: usize,
    /// How long a call waits for a connection, or for a new one to open, before it fails.
    pub timeout: Duration,
    /// The PostgreSQL advisory lock held while migrating.
    pub migration_lock: i64,
}

/// A pool of connections to the session database. Cheap to clone.
#[derive(Clone)]
pub(crate) enum Database {
    #[cfg(feature = "sqlite")]
    Sqlite {
        pool: Pool<sqlite::Connection>,
        /// SQLite has one writer at a time. Writers of this process queue here and wake in turn,
        /// instead of sleeping 1, 2, 5, 10… ms in SQLite's busy handler (measured: that sleep was
        /// the 30-40 ms p99 of a write-heavy page; with the queue, 9-10 ms). The busy timeout
        /// still covers other processes on the same file.
        writer: std::sync::Arc<tokio::sync::Mutex<()>>,
        /// Whether the file is still the one the pool opened (see `sqlite::FileWatch`).
        file: std::sync::Arc<sqlite::FileWatch>,
    },
    #[cfg(feature = "postgres")]
    Postgres(Pool<diesel_async::AsyncPgConnection>),
}

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend `$database` uses.
/// `$body` is an expression of type `QueryResult<T>`; the macro yields `Result<T, Error>`.
macro_rules! with_connection {
    ($database:expr, |$conn:ident| $body:expr) => {{
        use $crate::database::Database;
        match $database {
            #[cfg(feature = "sqlite")]
            Database::Sqlite { pool, file, .. } => match file.check() {
                Err(gone) => Err(gone),
                Ok(()) => match pool.get().await {
                    Ok(mut pooled) => {
                        let $conn = &mut *pooled;
                        $body.map_err($crate::Error::from)
                    }
                    Err(error) => Err($crate::database::pool_error(error)),
                },
            },
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => match pool.get().await {
                Ok(mut pooled) => {
                    let $conn = &mut *pooled;
                    $body.map_err($crate::Error::from)
                }
                Err(error) => Err($crate::database::pool_error(error)),
            },
        }
    }};
}
pub(crate) use with_connection;

/// No connection could be had in time.
pub(crate) fn pool_error(error: diesel_async::pooled_connection::deadpool::PoolError) -> Error {
    Error::Pool(Box::new(error))
}

impl Database {
    /// Opens the pool. Connections open lazily, so a bad URL is found by [`Database::migrate`].
    pub(crate) fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, Error> {
        Ok(match url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => {
                let pool = pool(
                    sqlite::path_str(path)?.to_owned(),
                    Box::new(|url| sqlite::establish(url).boxed()),
                    options,
                )?;
                let file = sqlite::FileWatch::start(path, pool.clone(), options.size);
                Self::Sqlite {
                    pool,
                    writer: Default::default(),
                    file,
                }
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => {
                let (url, tls) = postgres::connect_spec(url)?;
                let timeout = options.timeout;
                Self::Postgres(pool(
                    url,
                    Box::new(move |url| {
                        postgres::establish_bounded(url, tls.clone(), timeout).boxed()
                    }),
                    options,
                )?)
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

    /// Waits for this process's turn to write (SQLite); PostgreSQL takes writers at once.
    pub(crate) async fn writer_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { writer, .. } => Some(writer.lock().await),
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => None,
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { .. } => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

type Setup<C> = diesel_async::pooled_connection::SetupCallback<C>;

fn pool<C>(url: String, setup: Setup<C>, options: &PoolOptions) -> Result<Pool<C>, Error>
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
        .max_size(options.size)
        .runtime(Runtime::Tokio1)
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

#[cfg(feature = "sqlite")]
pub(crate) mod sqlite {
    use diesel::{ConnectionError, ConnectionResult, SqliteConnection};
    use diesel_async::SimpleAsyncConnection as _;
    use diesel_async::pooled_connection::deadpool::Pool;
    use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
    use futures_util::future::BoxFuture;
    use futures_util::{FutureExt as _, TryFutureExt as _};

    use crate::Error;

    pub(crate) type Connection = SyncConnectionWrapper<SqliteConnection, BlockingPool>;

    /// Set on every connection, busy timeout first so that nothing after it fails at once on a
    /// lock: writers queue for up to 5 s; `synchronous=NORMAL` is durable across a crash of the
    /// process in WAL mode.
    const SETUP: &str = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";

    /// Where SQLite's blocking calls run: one runtime that lives as long as the process.
    ///
    /// diesel-async's default runs them on the runtime that opened the connection. actix-web gives
    /// each worker thread a runtime of its own and stops them one by one at shutdown, so a pooled
    /// connection opened by one worker and used by another would have its queries cancelled when
    /// the first worker stops (seen under SIGTERM as a failed in-flight request).
    pub(crate) struct BlockingPool;

    impl SpawnBlocking for BlockingPool {
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

    pub(crate) fn establish(url: &str) -> BoxFuture<'_, ConnectionResult<Connection>> {
        use diesel_async::AsyncConnection as _;
        async move {
            let mut connection = Connection::establish(url).await?;
            connection
                .batch_execute(SETUP)
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(connection)
        }
        .boxed()
    }

    /// The file under a running store: deleted (say, by a clean-up script) or replaced, it would
    /// go on taking writes through the connections still open on it, all lost at the next start.
    /// A watch notices within a second: calls then fail as unavailable (503), and once the old
    /// connections are closed a fresh file is made and migrated, and the store works again.
    pub(crate) struct FileWatch {
        path: std::path::PathBuf,
        lost: std::sync::atomic::AtomicBool,
    }

    /// Which file a path names: device and inode, where the platform has them.
    async fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
        let metadata = tokio::fs::metadata(path).await.ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Some((metadata.dev(), metadata.ino()))
        }
        #[cfg(not(unix))]
        Some((0, u64::from(metadata.is_file())))
    }

    impl FileWatch {
        /// How often the file is looked at.
        const EVERY: std::time::Duration = std::time::Duration::from_secs(1);

        /// Starts watching `path` (which the migrations just opened) for the pool's lifetime.
        pub(crate) fn start(
            path: &std::path::Path,
            pool: Pool<Connection>,
            size: usize,
        ) -> std::sync::Arc<Self> {
            let watch = std::sync::Arc::new(Self {
                path: path.to_owned(),
                lost: Default::default(),
            });
            tokio::spawn(Self::watch(std::sync::Arc::downgrade(&watch), pool, size));
            watch
        }

        /// An error while the file is lost.
        pub(crate) fn check(&self) -> Result<(), Error> {
            if self.lost.load(std::sync::atomic::Ordering::Relaxed) {
                let path = self.path.display();
                return Err(Error::Gone(format!(
                    "the SQLite file {path} was deleted or replaced"
                )));
            }
            Ok(())
        }

        async fn watch(watch: std::sync::Weak<Self>, pool: Pool<Connection>, size: usize) {
            use std::sync::atomic::Ordering::Relaxed;
            let Some(path) = watch.upgrade().map(|w| w.path.clone()) else {
                return;
            };
            let mut known = identity(&path).await;
            loop {
                tokio::time::sleep(Self::EVERY).await;
                let Some(this) = watch.upgrade() else { return }; // the store is gone
                let now = identity(&path).await;
                if now.is_some() && now == known {
                    continue;
                }
                if !this.lost.swap(true, Relaxed) {
                    tracing::error!(
                        path = %path.display(),
                        "the SQLite session file was deleted or replaced under the running \
                         store: answering 503 until a fresh one is made; the sessions in the \
                         old one are lost"
                    );
                }
                // Close every connection to the old file: idle ones now, busy ones as they
                // come back (more of them than the pool's size are dropped on return).
                pool.retain(|_, _| false);
                pool.resize(0);
                for _ in 0..500 {
                    if pool.status().size == 0 {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                let url = crate::DatabaseUrl::Sqlite(path.clone());
                if let Err(error) = super::Database::migrate(&url, 0).await {
                    tracing::error!(%error, "cannot make a fresh SQLite session file; will retry");
                    continue;
                }
                known = identity(&path).await;
                pool.resize(size);
                this.lost.store(false, Relaxed);
                tracing::warn!(path = %path.display(), "a fresh SQLite session file is in place");
            }
        }
    }

    pub(crate) fn path_str(path: &std::path::Path) -> Result<&str, Error> {
        path.to_str().ok_or_else(|| {
            Error::Config(format!("the SQLite path {} is not UTF-8", path.display()))
        })
    }
}

/// PostgreSQL through tokio-postgres, with TLS by rustls as libpq's `sslmode` asks:
/// - `disable`: never; `prefer` (the default) and `require`: encrypted, the certificate not
///   checked (as libpq does without a root certificate);
/// - `verify-ca`: the certificate must chain to a trusted root; `verify-full`: and name the host.
///
/// Trusted roots are Mozilla's, or the PEM file named by `sslrootcert`.
#[cfg(feature = "postgres")]
pub(crate) mod postgres {
    use std::sync::Arc;

    use diesel::{ConnectionError, ConnectionResult};
    use diesel_async::AsyncPgConnection;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
    use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
    use tokio_postgres_rustls::MakeRustlsConnect;

    use crate::Error;

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

    /// What tokio-postgres is given: the URL without the settings it does not know, and the TLS
    /// connector those settings describe.
    pub(crate) fn connect_spec(url: &str) -> Result<(String, MakeRustlsConnect), Error> {
        let bad = |reason: String| Error::Config(format!("bad PostgreSQL URL: {reason}"));
        // The query is edited as text: re-encoding the other settings would turn `%20` into
        // `+`, which tokio-postgres does not read as a space.
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let (mut sslmode, mut root_file) = (None, None);
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let decoded = url::form_urlencoded::parse(pair.as_bytes()).next();
            match decoded {
                Some((key, value)) if key == "sslmode" => sslmode = Some(value.into_owned()),
                Some((key, value)) if key == "sslrootcert" => root_file = Some(value.into_owned()),
                _ => kept.push(pair),
            }
        }
        let (check, tokio_mode) = match sslmode.as_deref().unwrap_or("prefer") {
            "disable" => (Check::Nothing, "disable"),
            "allow" | "prefer" => (Check::Nothing, "prefer"),
            "require" => (Check::Nothing, "require"),
            "verify-ca" => (Check::Chain, "require"),
            "verify-full" => (Check::ChainAndHost, "require"),
            other => return Err(bad(format!("unknown sslmode {other}"))),
        };
        let sslmode = format!("sslmode={tokio_mode}");
        kept.push(&sslmode);
        let roots = Arc::new(trusted_roots(root_file.as_deref())?);
        Ok((
            format!("{base}?{}", kept.join("&")),
            connector(check, roots)?,
        ))
    }

    /// A pooled connection: every statement on it is cancelled by the server after `timeout`
    /// (a locked table, a stalled server), so that a request waits that long at most and is then
    /// answered with 503 instead of hanging.
    pub(crate) async fn establish_bounded(
        url: &str,
        tls: MakeRustlsConnect,
        timeout: std::time::Duration,
    ) -> ConnectionResult<AsyncPgConnection> {
        use diesel_async::SimpleAsyncConnection as _;
        let mut connection = establish(url, tls).await?;
        let millis = timeout.as_millis().max(1);
        connection
            .batch_execute(&format!("SET statement_timeout = {millis}"))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(connection)
    }

    pub(crate) async fn establish(
        url: &str,
        tls: MakeRustlsConnect,
    ) -> ConnectionResult<AsyncPgConnection> {
        // Not diesel-async's `establish`: it keeps only the top of the error ("error connecting to
        // server"), not why (refused, authentication, TLS, unknown host).
        let (client, connection) = tokio_postgres::connect(url, tls)
            .await
            .map_err(|error| ConnectionError::BadConnection(error_chain(&error)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }

    fn trusted_roots(file: Option<&str>) -> Result<RootCertStore, Error> {
        let mut roots = RootCertStore::empty();
        match file {
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Some(path) => {
                let unreadable =
                    |e: &dyn std::fmt::Display| Error::Config(format!("sslrootcert {path}: {e}"));
                for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                    roots
                        .add(cert.map_err(|e| unreadable(&e))?)
                        .map_err(|e| unreadable(&e))?;
                }
            }
        }
        Ok(roots)
    }

    fn connector(check: Check, roots: Arc<RootCertStore>) -> Result<MakeRustlsConnect, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_error = |e: rustls::Error| Error::Config(format!("TLS set-up: {e}"));
        let full = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| Error::Config(format!("TLS set-up: {e}")))?;
        let verifier = Verifier {
            check,
            roots,
            full,
            provider: provider.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Check {
        Nothing,
        Chain,
        ChainAndHost,
    }

    /// libpq's checks of the server's certificate, by `sslmode`.
    #[derive(Debug)]
    struct Verifier {
        check: Check,
        roots: Arc<RootCertStore>,
        /// rustls's own verifier, chain and name: `verify-full`.
        full: Arc<WebPkiServerVerifier>,
        provider: Arc<CryptoProvider>,
    }

    impl ServerCertVerifier for Verifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match self.check {
                Check::Nothing => Ok(ServerCertVerified::assertion()),
                Check::Chain => {
                    let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
                    let algorithms = self.provider.signature_verification_algorithms;
                    verify_server_cert_signed_by_trust_anchor(
                        &cert,
                        &self.roots,
                        intermediates,
                        now,
                        algorithms.all,
                    )?;
                    Ok(ServerCertVerified::assertion())
                }
                Check::ChainAndHost => self.full.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ),
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algorithms = &self.provider.signature_verification_algorithms;
            verify_tls12_signature(message, cert, dss, algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algorithms = &self.provider.signature_verification_algorithms;
            verify_tls13_signature(message, cert, dss, algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}
