//! Django's `cached_db` engine: a cache in front of the database store. Writes go to the database
//! first, then the cache; reads try the cache and fall back to the database. The database is the
//! truth: a cache that fails is logged and bypassed, never the reason a request fails.

use std::time::{Duration as StdDuration, Instant};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;

use super::diesel_store::{
    DieselSessionStore, SessionState, VERSION_KEY, from_json, is_issued_key, now, take_version,
    to_json,
};

/// Where cached sessions live.
#[derive(Clone)]
pub enum SessionCache {
    /// Shared by every instance that uses the same Redis and key prefix.
    Redis {
        connection: ConnectionManager,
        prefix: String,
    },
    /// This process only: with several instances, one would serve data another has changed.
    InProcess(moka::sync::Cache<String, (String, Instant)>),
}

impl SessionCache {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Redis { .. } => "Redis",
            Self::InProcess(_) => "in-process",
        }
    }

    /// An in-process cache holding at most `max_bytes` of keys and session data (bounded by size,
    /// not count: sessions vary in size, and memory is what must stay bounded).
    pub fn in_process(max_bytes: u64) -> Self {
        let cache = moka::sync::Cache::builder()
            .weigher(|key: &String, (data, _): &(String, Instant)| {
                u32::try_from(key.len() + data.len()).unwrap_or(u32::MAX)
            })
            .max_capacity(max_bytes)
            .build();
        Self::InProcess(cache)
    }

    pub async fn get(&self, key: &str) -> redis::RedisResult<Option<String>> {
        match self {
            Self::Redis { connection, prefix } => {
                connection.clone().get(format!("{prefix}{key}")).await
            }
            Self::InProcess(cache) => Ok(cache
                .get(key)
                .filter(|(_, expires)| *expires > Instant::now())
                .map(|(data, _)| data)),
        }
    }

    pub async fn put(&self, key: &str, data: &str, ttl: StdDuration) -> redis::RedisResult<()> {
        match self {
            // Milliseconds, so that an entry never outlives its database row.
            Self::Redis { connection, prefix } => {
                let millis = ttl.as_millis().clamp(1, u64::MAX.into()) as u64;
                connection
                    .clone()
                    .pset_ex(format!("{prefix}{key}"), data, millis)
                    .await
            }
            Self::InProcess(cache) => {
                cache.insert(key.to_owned(), (data.to_owned(), Instant::now() + ttl));
                Ok(())
            }
        }
    }

    pub async fn extend(&self, key: &str, ttl: StdDuration) -> redis::RedisResult<()> {
        match self {
            Self::Redis { connection, prefix } => {
                let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
                connection
                    .clone()
                    .pexpire(format!("{prefix}{key}"), millis)
                    .await
            }
            Self::InProcess(cache) => {
                if let Some((data, _)) = cache.get(key) {
                    cache.insert(key.to_owned(), (data, Instant::now() + ttl));
                }
                Ok(())
            }
        }
    }

    pub async fn remove(&self, key: &str) -> redis::RedisResult<()> {
        match self {
            Self::Redis { connection, prefix } => {
                connection.clone().del(format!("{prefix}{key}")).await
            }
            Self::InProcess(cache) => {
                cache.invalidate(key);
                Ok(())
            }
        }
    }
}

#[derive(Clone)]
pub struct CachedDbStore {
    database: DieselSessionStore,
    cache: SessionCache,
}

impl CachedDbStore {
    pub fn new(database: DieselSessionStore, cache: SessionCache) -> Self {
        Self { database, cache }
    }

    pub fn database(&self) -> &DieselSessionStore {
        &self.database
    }

    pub fn cache(&self) -> &SessionCache {
        &self.cache
    }

    /// Puts fresh data in the cache. If that fails, the old entry must not outlive it: a stale
    /// cache would serve data the database no longer holds.
    async fn refresh(&self, key: &str, data: &str, ttl: StdDuration) {
        if let Err(error) = self.cache.put(key, data, ttl).await {
            tracing::warn!(%error, "session cache write failed; dropping the cached entry");
            if let Err(error) = self.cache.remove(key).await {
                tracing::warn!(%error, "session cache delete failed too");
            }
        }
    }

    async fn evict(&self, key: &str) {
        if let Err(error) = self.cache.remove(key).await {
            tracing::warn!(%error, "session cache delete failed");
        }
    }
}

fn to_std(ttl: &Duration) -> StdDuration {
    StdDuration::from_secs(ttl.whole_seconds().max(0).unsigned_abs())
}

/// The cache holds the state as actix-session sees it, version included, so a cache hit still
/// carries the version the database checks on update.
fn versioned(mut state: SessionState, version: i64) -> serde_json::Result<String> {
    state.insert(VERSION_KEY.to_owned(), version.to_string());
    to_json(&state)
}

impl SessionStore for CachedDbStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key = key.as_ref();
        if !is_issued_key(key) {
            return Ok(None);
        }
        match self.cache.get(key).await {
            Ok(Some(cached)) => return from_json(&cached).map(Some),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "session cache read failed; using the database"),
        }
        let stored = self
            .database
            .load_data(key)
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        let left = (stored.expire_date - now()).to_std().unwrap_or_default();
        let state = stored.into_state()?;
        if let Ok(cached) = to_json(&state) {
            self.refresh(key, &cached, left).await;
        }
        Ok(Some(state))
    }

    async fn save(&self, mut state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        take_version(&mut state);
        let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = self
            .database
            .save_data(&data, ttl)
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        if let Ok(cached) = versioned(state, 0) {
            self.refresh(key.as_ref(), &cached, to_std(ttl)).await;
        }
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        mut state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let loaded_version = take_version(&mut state);
        let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let old_key = key.as_ref().to_owned();
        let updated = self
            .database
            .update_data(key, &data, loaded_version, ttl)
            .await;
        let (key, version) = match updated {
            Ok(saved) => saved,
            Err(error) => {
                // Whatever the cache holds may be what lost the race: let the next load ask the
                // database.
                self.evict(&old_key).await;
                return Err(UpdateError::Other(error.into()));
            }
        };
        if key.as_ref() != old_key {
            self.evict(&old_key).await;
        }
        if let Ok(cached) = versioned(state, version) {
            self.refresh(key.as_ref(), &cached, to_std(ttl)).await;
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let key = key.as_ref();
        if !self.database.extend(key, ttl).await? {
            self.evict(key).await;
            return Ok(());
        }
        if let Err(error) = self.cache.extend(key, to_std(ttl)).await {
            tracing::warn!(%error, "session cache expiry update failed; dropping the cached entry");
            self.evict(key).await;
        }
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        self.database.delete(key).await?;
        self.evict(key.as_ref()).await;
        Ok(())
    }
}
