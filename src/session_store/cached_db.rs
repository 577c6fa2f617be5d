//! Django's `cached_db` engine: a cache in front of the database store. Writes go to the database
//! first, then the cache; reads try the cache and fall back to the database. The database is the
//! truth: a cache that fails is logged and bypassed, never the reason a request fails.

use std::time::{Duration as StdDuration, Instant};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;

use super::diesel_store::{
    DieselSessionStore, SessionState, from_json, is_issued_key, now, to_json,
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

    /// An in-process cache of at most `capacity` sessions.
    pub fn in_process(capacity: u64) -> Self {
        Self::InProcess(moka::sync::Cache::new(capacity))
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

impl SessionStore for CachedDbStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key = key.as_ref();
        if !is_issued_key(key) {
            return Ok(None);
        }
        match self.cache.get(key).await {
            Ok(Some(data)) => return from_json(&data).map(Some),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "session cache read failed; using the database"),
        }
        let row = self
            .database
            .load_data(key)
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        let Some((data, expire_date)) = row else {
            return Ok(None);
        };
        let left = (expire_date - now()).to_std().unwrap_or_default();
        self.refresh(key, &data, left).await;
        from_json(&data).map(Some)
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = self
            .database
            .save_data(&data, ttl)
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        self.refresh(key.as_ref(), &data, to_std(ttl)).await;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let old_key = key.as_ref().to_owned();
        let key = self
            .database
            .update_data(key, &data, ttl)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if key.as_ref() != old_key {
            self.evict(&old_key).await;
        }
        self.refresh(key.as_ref(), &data, to_std(ttl)).await;
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
