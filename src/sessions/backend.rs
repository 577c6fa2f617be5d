//! The session backend chosen by `--session-backend`, behind one `SessionStore` type so the app is
//! built the same way whichever is in use.

use std::sync::Arc;
use std::time::Duration;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session_diesel::{
    CachedDbStore, Clock, DieselSessionStore, RedisSessionStore, SessionCache, redact_password,
};
use actix_web::cookie::time::Duration as CookieDuration;
use anyhow::{Context as _, bail};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::SessionState;
use super::signed_cookie::SignedCookieStore;
use crate::config::{DatabaseSettings, SessionBackendKind, SessionSettings};
use crate::i18n::{Args, Lang};

/// Bytes of keys and data an in-process cache holds at most (about 45,000 of this site's
/// sessions). With 100,000 sessions the benchmark's server reached 59-78 MB of RSS.
const IN_PROCESS_CACHE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone)]
pub enum SessionBackend {
    Db(DieselSessionStore),
    Redis(RedisSessionStore),
    CachedDb(CachedDbStore),
    SignedCookie(SignedCookieStore),
}

/// How long a Redis call may take before the request is answered with 503 instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

impl SessionBackend {
    /// Connects to what the backend needs; a server that cannot be reached is an error naming it.
    pub async fn connect(
        session: &SessionSettings,
        database: &DatabaseSettings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let open_database = || async {
            let url = &database.database_url;
            let store = DieselSessionStore::builder(url.clone())
                .pool_size(database.database_pool_size.into())
                .clock(clock.clone())
                .build()
                .await?;
            tracing::info!(database = %url, "session database ready");
            anyhow::Ok(store)
        };
        Ok(match session.session_backend {
            SessionBackendKind::Db => Self::Db(open_database().await?),
            SessionBackendKind::Redis => {
                let Some(url) = &session.redis_url else {
                    bail!("--session-backend redis needs --redis-url (or REDIS_URL)");
                };
                let prefix = session.redis_key_prefix.clone();
                let store = RedisSessionStore::connect(url, prefix, REDIS_TIMEOUT)
                    .await
                    .with_context(|| format!("cannot reach Redis at {}", redact_password(url)))?;
                Self::Redis(store)
            }
            SessionBackendKind::CachedDb => {
                let cache = match &session.redis_url {
                    Some(url) => SessionCache::redis(
                        connect_redis(url).await?,
                        format!("{}cache:", session.redis_key_prefix),
                    ),
                    None => {
                        tracing::warn!(
                            "cached-db without --redis-url caches in this process only: \
                             do not run several instances this way"
                        );
                        SessionCache::in_process(IN_PROCESS_CACHE_BYTES)
                    }
                };
                Self::CachedDb(CachedDbStore::new(open_database().await?, cache))
            }
            SessionBackendKind::SignedCookie => Self::SignedCookie(SignedCookieStore::new(clock)),
        })
    }

    /// Where the data lives, in words, for the inspector.
    pub fn label(&self) -> BackendLabel {
        let (key, database, cache) = match self {
            Self::Db(store) => ("backend-db", store.backend().to_string(), ""),
            Self::Redis(_) => ("backend-redis", String::new(), ""),
            Self::CachedDb(store) => (
                "backend-cached-db",
                store.database_store().backend().to_string(),
                match store.cache().name() {
                    "Redis" => "cache-redis",
                    _ => "cache-in-process",
                },
            ),
            Self::SignedCookie(_) => ("backend-signed-cookie", String::new(), ""),
        };
        BackendLabel {
            key,
            database,
            cache,
        }
    }

    /// The database store behind the sessions, if any, for the purge.
    pub fn database(&self) -> Option<&DieselSessionStore> {
        match self {
            Self::Db(store) => Some(store),
            Self::CachedDb(store) => Some(store.database_store()),
            Self::Redis(_) | Self::SignedCookie(_) => None,
        }
    }
}

/// Where the data lives ("SQLite database", "PostgreSQL database + Redis cache", …), put in
/// words in the visitor's language.
#[derive(Debug, Clone)]
pub struct BackendLabel {
    /// The message, and its arguments: the database's name, the cache's message.
    key: &'static str,
    database: String,
    cache: &'static str,
}

impl BackendLabel {
    pub fn in_words(&self, lang: Lang) -> String {
        let cache = if self.cache.is_empty() {
            String::new()
        } else {
            lang.text(self.cache)
        };
        let args = Args::from([
            ("database".into(), self.database.clone().into()),
            ("cache".into(), cache.into()),
        ]);
        lang.text_with(self.key, &args)
    }
}

/// A connection that answers fast or fails: short timeouts, one retry. A cache must be skipped
/// quickly when Redis is slow, and a start-up must not hang on a Redis that is not there.
async fn connect_redis(url: &str) -> anyhow::Result<ConnectionManager> {
    let unreachable = || format!("cannot reach Redis at {}", redact_password(url));
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(1))
        .set_response_timeout(REDIS_TIMEOUT)
        .set_number_of_retries(1);
    redis::Client::open(url)
        .with_context(unreachable)?
        .get_connection_manager_with_config(config)
        .await
        .with_context(unreachable)
}

/// Runs `$call` on whichever store `$backend` holds.
macro_rules! on_store {
    ($backend:expr, |$store:ident| $call:expr) => {
        match $backend {
            SessionBackend::Db($store) => $call,
            SessionBackend::Redis($store) => $call,
            SessionBackend::CachedDb($store) => $call,
            SessionBackend::SignedCookie($store) => $call,
        }
    };
}

impl SessionStore for SessionBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        on_store!(self, |store| store.load(key).await)
    }

    async fn save(
        &self,
        state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        on_store!(self, |store| store.save(state, ttl).await)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        on_store!(self, |store| store.update(key, state, ttl).await)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> anyhow::Result<()> {
        on_store!(self, |store| store.update_ttl(key, ttl).await)
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        on_store!(self, |store| store.delete(key).await)
    }
}
