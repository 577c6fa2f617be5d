//! Django's `cache` engine with this crate's guarantees: sessions in Redis, each with a version
//! that every update compares and bumps in one Lua script, so that several instances sharing one
//! Redis lose no update either. Expiry is Redis's own (`PEXPIRE`).

use std::time::Duration as StdDuration;

use actix_session::storage::{SessionKey, generate_session_key};
use actix_web::cookie::time::Duration;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Script};

use crate::guard::Turns;
use crate::protocol::{Rows, session_store_over_rows};
use crate::{Error, redact_password};

/// Stores a new session unless its key is taken: 1 if stored.
const SAVE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 0, 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1";

/// Replaces the data if the session is still at version ARGV[1]: the new version, or -1.
const UPDATE: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if v ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return v + 1";

/// Deletes the session if it is at version ARGV[1] (any version when ARGV[1] is empty): its
/// version, -1 when it has changed, -2 when there was none.
const DELETE: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -2 end
if ARGV[1] ~= '' and v ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return tonumber(v)";

/// Sessions in Redis, with the guarantees of [`DieselSessionStore`](crate::DieselSessionStore):
/// no lost update across instances (a versioned compare-and-swap), no resurrected session, turns
/// per session within a process (with [`session_guard`](crate::session_guard)), and a Redis that
/// is down or stalls answered with 503 after at most the response timeout.
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: ConnectionManager,
    prefix: String,
    turns: Turns,
    scripts: std::sync::Arc<[Script; 3]>,
}

fn redis_error(error: redis::RedisError) -> Error {
    Error::Redis(error.to_string())
}

impl RedisSessionStore {
    /// Connects to Redis at `url` (`redis://host:6379/0`), keeping every session under `prefix`.
    /// Calls fail after `timeout` rather than wait for a Redis that has gone (a request then gets
    /// 503), and the connection is re-established in the background within a second or so of
    /// Redis coming back.
    pub async fn connect(
        url: &str,
        prefix: impl Into<String>,
        timeout: StdDuration,
    ) -> Result<Self, Error> {
        let cannot = |error: redis::RedisError| Error::Connect {
            url: redact_password(url),
            reason: error.to_string(),
        };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
            .set_number_of_retries(1)
            .set_max_delay(1_000);
        let client = redis::Client::open(url).map_err(cannot)?;
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(cannot)?;
        Ok(Self::new(connection, prefix))
    }

    /// A store on a connection you made (give it short timeouts), with sessions under `prefix`.
    pub fn new(connection: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
            turns: Turns::new(),
            scripts: std::sync::Arc::new([
                Script::new(SAVE),
                Script::new(UPDATE),
                Script::new(DELETE),
            ]),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

fn millis(ttl: &Duration) -> i64 {
    ttl.whole_milliseconds().clamp(1, i64::MAX.into()) as i64
}

impl Rows for RedisSessionStore {
    fn turns(&self) -> &Turns {
        &self.turns
    }

    async fn load_row(&self, key: &str) -> Result<Option<(i64, String)>, Error> {
        let (version, data): (Option<i64>, Option<String>) = self
            .connection
            .clone()
            .hget(self.key(key), &["v", "d"])
            .await
            .map_err(redis_error)?;
        Ok(version.zip(data))
    }

    async fn insert(&self, data: &str, ttl: &Duration) -> Result<SessionKey, Error> {
        // A collision of 64 random alphanumerics will not happen; if one ever does, draw again.
        loop {
            let key = generate_session_key();
            let stored: i64 = self.scripts[0]
                .key(self.key(key.as_ref()))
                .arg(data)
                .arg(millis(ttl))
                .invoke_async(&mut self.connection.clone())
                .await
                .map_err(redis_error)?;
            if stored == 1 {
                return Ok(key);
            }
        }
    }

    async fn update_row(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
    ) -> Result<Option<i64>, Error> {
        let version: i64 = self.scripts[1]
            .key(self.key(key))
            .arg(expected)
            .arg(data)
            .arg(millis(ttl))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(redis_error)?;
        Ok((version >= 0).then_some(version))
    }

    async fn extend(&self, key: &str, ttl: &Duration) -> Result<(), Error> {
        let _: bool = self
            .connection
            .clone()
            .pexpire(self.key(key), millis(ttl))
            .await
            .map_err(redis_error)?;
        Ok(())
    }

    async fn delete_row(&self, key: &str, seen: Option<i64>) -> Result<Option<i64>, Error> {
        let deleted: i64 = self.scripts[2]
            .key(self.key(key))
            .arg(seen.map(|v| v.to_string()).unwrap_or_default())
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(redis_error)?;
        match deleted {
            -1 => Err(Error::Conflict),
            -2 => Ok(None),
            version => Ok(Some(version)),
        }
    }
}

session_store_over_rows!(RedisSessionStore);
