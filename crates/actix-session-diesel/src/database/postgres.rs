//! PostgreSQL through tokio-postgres, with TLS by rustls as libpq's `sslmode` asks:
//! - `disable`: never; `prefer` (the default) and `require`: encrypted, the certificate not
//!   checked (as libpq does without a root certificate);
//! - `verify-ca`: the certificate must chain to a trusted root; `verify-full`: and name the host.
//!
//! Trusted roots are Mozilla's, or the PEM file named by `sslrootcert`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use diesel::{ConnectionError, ConnectionResult};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::Error;

pub(crate) type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;

/// A pool of connections per single-threaded runtime that uses the store (one for all the threads
/// of a multi-threaded one), each as large as the builder's pool size, and beside each one more
/// connection, which the runtime's reads share.
///
/// A tokio-postgres connection is driven by a task on the runtime that opened it. actix-web runs a
/// single-threaded runtime per worker thread, so with one shared pool, a connection opened by one
/// worker (or by the main thread at start) made every query of another worker hop to that thread
/// and back: profiled, the main thread drove 7 % of a PostgreSQL page's CPU and the kernel's thread
/// switching took 10 %. Pools live as long as the store: meant for a fixed set of worker threads.
///
/// Reads share one connection, so that tokio-postgres pipelines them: the loads of a worker's
/// concurrent requests go out together and PostgreSQL answers them in one wake-up (measured per
/// `/session/` request: 13 % less of PostgreSQL's CPU, 8 % less of ours, 10 % more requests a
/// second). Writes keep a connection each: an `UPDATE` waits for its commit to be flushed, and on
/// a shared connection every query behind it would wait too (tried: 10 % fewer requests a second).
#[derive(Clone)]
pub(crate) struct Pools(Arc<PoolsInner>);

struct PoolsInner {
    open: Box<dyn Fn() -> Result<Pool, Error> + Send + Sync>,
    /// `None`: the multi-threaded runtimes' pool.
    by_thread: Mutex<HashMap<Option<ThreadId>, Local>>,
}

/// A runtime's pool, and the connection its reads share (none until the first read, and again
/// after a read failed on it).
#[derive(Clone)]
struct Local {
    pool: Pool,
    reader: Arc<Mutex<Option<Reader>>>,
}

/// The connection a runtime's reads share.
pub(crate) type Reader = Arc<AsyncPgConnection>;

impl Pools {
    /// Pools that `open` makes when a thread first asks; one is made now, to check the settings.
    pub(crate) fn new(
        open: impl Fn() -> Result<Pool, Error> + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        open()?;
        Ok(Self(Arc::new(PoolsInner {
            open: Box::new(open),
            by_thread: Mutex::default(),
        })))
    }

    /// A connection of its own from the pool of the runtime the caller runs on.
    pub(crate) async fn get(&self) -> Result<Object<AsyncPgConnection>, Error> {
        let pool = self.current()?.pool;
        pool.get().await.map_err(super::pool_error)
    }

    /// The connection the reads of the caller's runtime share.
    pub(crate) async fn reader(&self) -> Result<Reader, Error> {
        let local = self.current()?;
        if let Some(reader) = lock(&local.reader).as_ref() {
            return Ok(reader.clone());
        }
        // Made as the pool makes its connections, but outside it: a pool of one would otherwise
        // leave writes none.
        let create = deadpool::managed::Manager::create(local.pool.manager());
        let limit = local.pool.timeouts().create.unwrap_or(Duration::MAX);
        let opened = match tokio::time::timeout(limit, create).await {
            Ok(Ok(connection)) => Arc::new(connection),
            Ok(Err(error)) => return Err(Error::Pool(Box::new(error))),
            Err(_) => {
                return Err(Error::Pool(
                    format!("no PostgreSQL connection within {limit:?}").into(),
                ));
            }
        };
        // Another read may have opened one meanwhile: keep the first.
        Ok(lock(&local.reader).get_or_insert(opened).clone())
    }

    /// A read failed on `reader`: the next read opens a fresh connection (this one closes once the
    /// reads still on it are done).
    pub(crate) fn reader_failed(&self, reader: &Reader) {
        if let Ok(local) = self.current() {
            let mut shared = lock(&local.reader);
            if shared
                .as_ref()
                .is_some_and(|current| Arc::ptr_eq(current, reader))
            {
                *shared = None;
            }
        }
    }

    fn current(&self) -> Result<Local, Error> {
        let single_threaded = Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::CurrentThread);
        let key = single_threaded.then(|| std::thread::current().id());
        let mut pools = lock(&self.0.by_thread);
        if let Some(local) = pools.get(&key) {
            return Ok(local.clone());
        }
        let local = Local {
            pool: (self.0.open)()?,
            reader: Arc::default(),
        };
        pools.insert(key, local.clone());
        Ok(local)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::time::Duration;

    use diesel_async::AsyncConnection as _;
    use futures_util::FutureExt as _;

    use super::*;

    /// Pools that count how many were made; none connects until a connection is asked for.
    fn counted() -> (Pools, Arc<AtomicUsize>) {
        let made = Arc::new(AtomicUsize::new(0));
        let count = made.clone();
        let options = crate::database::PoolOptions {
            size: 1,
            timeout: Duration::from_secs(1),
            migration_lock: 0,
        };
        let pools = Pools::new(move || {
            count.fetch_add(1, Relaxed);
            super::super::pool(
                "postgres://127.0.0.1:1/nothing".into(),
                Box::new(|url| AsyncPgConnection::establish(url).boxed()),
                &options,
            )
        })
        .unwrap();
        (pools, made)
    }

    #[test]
    fn each_single_threaded_runtime_has_a_pool_and_a_multi_threaded_one_shares_one() {
        let (pools, made) = counted();
        assert_eq!(
            made.load(Relaxed),
            1,
            "one, made at once to check the settings"
        );
        let worker = |pools: Pools| {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    pools.current().unwrap();
                    pools.current().unwrap();
                });
            })
            .join()
            .unwrap();
        };
        worker(pools.clone());
        assert_eq!(made.load(Relaxed), 2, "a worker's pool, made once");
        worker(pools.clone());
        assert_eq!(made.load(Relaxed), 3, "another worker, another pool");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let pools = pools.clone();
                    tokio::spawn(async move { pools.current().map(drop) })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        });
        assert_eq!(
            made.load(Relaxed),
            4,
            "one pool for a multi-threaded runtime"
        );
    }
}
