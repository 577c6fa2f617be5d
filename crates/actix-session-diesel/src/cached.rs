//! Django's `cached_db` engine: a cache in front of the database store. Writes go to the database
//! first, then the cache; reads try the cache and fall back to the database. The database is the
//! truth: a cache that fails is logged and bypassed, never the reason a request fails.

use actix_session::storage::SessionKey;
use actix_web::cookie::time::Duration;
use serde::{Deserialize, Serialize};

use crate::guard::Turns;
use crate::protocol::{Rows, session_store_over_rows};
use crate::store::Row;
use crate::{DieselSessionStore, Error};

/// Where a [`CachedDbStore`] keeps its copies.
#[derive(Clone)]
pub struct SessionCache(Cache);

#[derive(Clone)]
enum Cache {
    #[cfg(feature = "redis-cache")]
    Redis {
        connection: redis::aio::ConnectionManager,
        prefix: String,
    },
    #[cfg(feature = "moka-cache")]
    InProcess(moka::sync::Cache<String, String>),
}

/// A cached session: the row's data, version and expiry (as the store's clock counts it, in
/// milliseconds since the epoch), so that a cache hit is checked exactly as a row would be.
#[derive(Serialize, Deserialize)]
struct Entry {
    data: String,
    version: i64,
    expires: i64,
}

impl SessionCache {
    /// Redis, shared by every instance that uses the same server and key prefix. Use a
    /// connection manager with short timeouts: a slow cache is skipped, but only after them.
    #[cfg(feature = "redis-cache")]
    pub fn redis(connection: redis::aio::ConnectionManager, prefix: impl Into<String>) -> Self {
        Self(Cache::Redis {
            connection,
            prefix: prefix.into(),
        })
    }

    /// This process's memory, holding at most `max_bytes` of keys and data (bounded by size, not
    /// count: sessions vary in size, and memory is what must stay bounded). For one process only:
    /// with several instances, one would serve data another has changed.
    #[cfg(feature = "moka-cache")]
    pub fn in_process(max_bytes: u64) -> Self {
        let cache = moka::sync::Cache::builder()
            .weigher(|key: &String, entry: &String| {
                u32::try_from(key.len() + entry.len()).unwrap_or(u32::MAX)
            })
            .max_capacity(max_bytes)
            .build();
        Self(Cache::InProcess(cache))
    }

    /// "Redis" or "in-process".
    pub fn name(&self) -> &'static str {
        match &self.0 {
            #[cfg(feature = "redis-cache")]
            Cache::Redis { .. } => "Redis",
            #[cfg(feature = "moka-cache")]
            Cache::InProcess(_) => "in-process",
        }
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, String> {
        match &self.0 {
            #[cfg(feature = "redis-cache")]
            Cache::Redis { connection, prefix } => {
                use redis::AsyncCommands as _;
                let key = format!("{prefix}{key}");
                connection.clone().get(key).await.map_err(|e| e.to_string())
            }
            #[cfg(feature = "moka-cache")]
            Cache::InProcess(cache) => Ok(cache.get(key)),
        }
    }

    /// Caches `entry` under `key` for `ttl_millis` (Redis drops it then; the in-process cache
    /// checks the entry's own expiry on every read).
    pub(crate) async fn put(
        &self,
        key: &str,
        entry: String,
        ttl_millis: u64,
    ) -> Result<(), String> {
        match &self.0 {
            #[cfg(feature = "redis-cache")]
            Cache::Redis { connection, prefix } => {
                use redis::AsyncCommands as _;
                let key = format!("{prefix}{key}");
                let ttl = ttl_millis.max(1);
                connection
                    .clone()
                    .pset_ex(key, entry, ttl)
                    .await
                    .map_err(|e| e.to_string())
            }
            #[cfg(feature = "moka-cache")]
            Cache::InProcess(cache) => {
                let _ = ttl_millis;
                cache.insert(key.to_owned(), entry);
                Ok(())
            }
        }
    }

    pub(crate) async fn remove(&self, key: &str) -> Result<(), String> {
        match &self.0 {
            #[cfg(feature = "redis-cache")]
            Cache::Redis { connection, prefix } => {
                use redis::AsyncCommands as _;
                let key = format!("{prefix}{key}");
                connection.clone().del(key).await.map_err(|e| e.to_string())
            }
            #[cfg(feature = "moka-cache")]
            Cache::InProcess(cache) => {
                cache.invalidate(key);
                Ok(())
            }
        }
    }
}

/// [`DieselSessionStore`] with a [`SessionCache`] in front: reads that hit the cache do not touch
/// the database. It keeps every guarantee of the database store (versions are cached with the
/// data and checked by the database on update), and a cache failure only costs a database read.
#[derive(Clone)]
pub struct CachedDbStore {
    store: DieselSessionStore,
    cache: SessionCache,
}

impl CachedDbStore {
    /// `store` with `cache` in front of it.
    pub fn new(store: DieselSessionStore, cache: SessionCache) -> Self {
        Self { store, cache }
    }

    /// The database store behind the cache, for purges and [`DieselSessionStore::backend`].
    pub fn database_store(&self) -> &DieselSessionStore {
        &self.store
    }

    /// The cache in front of the database.
    pub fn cache(&self) -> &SessionCache {
        &self.cache
    }

    /// Caches a row. If that fails, the old entry must not outlive it: a stale cache would serve
    /// data the database no longer holds.
    async fn remember(&self, key: &str, row: &Row) {
        let expires = row.expires.and_utc().timestamp_millis();
        let left = expires - self.store.clock.now().timestamp_millis();
        let entry = Entry {
            data: row.data.clone(),
            version: row.version,
            expires,
        };
        let Ok(entry) = serde_json::to_string(&entry) else {
            return;
        };
        if let Err(error) = self.cache.put(key, entry, left.max(1) as u64).await {
            tracing::warn!(%error, "session cache write failed; dropping the cached entry");
            self.forget(key).await;
        }
    }

    async fn forget(&self, key: &str) {
        if let Err(error) = self.cache.remove(key).await {
            tracing::warn!(%error, "session cache delete failed");
        }
    }

    /// A cached copy that is still live by the store's clock.
    async fn cached(&self, key: &str) -> Option<Entry> {
        match self.cache.get(key).await {
            Ok(Some(cached)) => match serde_json::from_str::<Entry>(&cached) {
                Ok(entry) if entry.expires > self.store.clock.now().timestamp_millis() => {
                    return Some(entry);
                }
                Ok(_) => {} // expired: the database decides
                Err(error) => {
                    tracing::warn!(%error, "unreadable session cache entry; using the database")
                }
            },
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "session cache read failed; using the database"),
        }
        None
    }
}

impl Rows for CachedDbStore {
    fn turns(&self) -> &Turns {
        &self.store.turns
    }

    fn now(&self) -> chrono::NaiveDateTime {
        self.store.now()
    }

    /// From the cache if it holds a live copy, else from the database (and then cached).
    async fn load_row(&self, key: &str) -> Result<Option<(i64, String)>, Error> {
        if let Some(entry) = self.cached(key).await {
            return Ok(Some((entry.version, entry.data)));
        }
        let row = self.store.load_live(key).await?;
        if let Some(row) = &row {
            self.remember(key, row).await;
        }
        Ok(row.map(|row| (row.version, row.data)))
    }

    async fn insert(&self, data: &str, ttl: &Duration) -> Result<SessionKey, Error> {
        let key = self.store.insert(data, ttl).await?;
        let row = Row {
            data: data.to_owned(),
            version: 0,
            expires: self.store.expiry(ttl),
        };
        self.remember(key.as_ref(), &row).await;
        Ok(key)
    }

    async fn update_row(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
    ) -> Result<Option<i64>, Error> {
        let updated = self.store.update_row(key, data, expected, ttl).await;
        match &updated {
            Ok(Some(version)) => {
                let row = Row {
                    data: data.to_owned(),
                    version: *version,
                    expires: self.store.expiry(ttl),
                };
                self.remember(key, &row).await;
            }
            // Whatever the cache holds lost the race or is gone: let the next load ask the
            // database.
            Ok(None) | Err(_) => self.forget(key).await,
        }
        updated
    }

    async fn extend(&self, key: &str, ttl: &Duration) -> Result<(), Error> {
        self.store.extend(key, ttl).await?;
        // The cached expiry is now too early: the next load refills it from the database.
        self.forget(key).await;
        Ok(())
    }

    async fn delete_row(&self, key: &str, seen: Option<i64>) -> Result<Option<i64>, Error> {
        let deleted = self.store.delete_row(key, seen).await;
        // Deleted or not, the cached copy is no longer to be trusted.
        self.forget(key).await;
        deleted
    }
}

session_store_over_rows!(CachedDbStore);
