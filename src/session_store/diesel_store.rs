//! [`SessionStore`] on diesel: Django's `db` session engine for actix-session, with optimistic
//! concurrency so that no update is silently lost between instances.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::time::Duration;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel_async::RunQueryDsl;

use super::database::{Database, DatabaseError, with_connection};
use super::schema::sessions;

/// actix-session's state: each value is already a JSON document.
pub type SessionState = HashMap<String, String>;

/// The state entry that carries the row's version from `load` to `update`, through the handler
/// (which never touches it). It is not stored in `session_data`: the version has its own column.
pub const VERSION_KEY: &str = "__version";

pub fn to_json(state: &SessionState) -> serde_json::Result<String> {
    serde_json::to_string(state)
}

/// Data that is not a JSON object of strings is a deserialization error: actix-session then
/// starts an empty session with a warning instead of failing the request.
pub fn from_json(data: &str) -> Result<SessionState, LoadError> {
    serde_json::from_str(data).map_err(|e| LoadError::Deserialization(e.into()))
}

/// A live session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub data: String,
    pub expire_date: NaiveDateTime,
    pub version: i64,
}

impl StoredSession {
    /// The state actix-session gets: the data plus the version it must hand back on update.
    pub fn into_state(self) -> Result<SessionState, LoadError> {
        let mut state = from_json(&self.data)?;
        state.insert(VERSION_KEY.to_owned(), self.version.to_string());
        Ok(state)
    }
}

/// Splits the version a request loaded off the state it wants to store.
pub fn take_version(state: &mut SessionState) -> Option<i64> {
    state.remove(VERSION_KEY)?.parse().ok()
}

tokio::task_local! {
    static CONFLICT_SEEN: Cell<bool>;
}

/// Runs `future` (a request through the session middleware) and says whether an update in it was
/// refused as a conflict. actix-session turns every store error into the same opaque 500; this
/// lets the caller answer a conflict with "retry" rather than "the store is down".
pub async fn watch_for_conflicts<F: Future>(future: F) -> (F::Output, bool) {
    CONFLICT_SEEN
        .scope(Cell::new(false), async {
            let output = future.await;
            (output, CONFLICT_SEEN.with(Cell::get))
        })
        .await
}

/// Sessions in a `sessions` table of SQLite or PostgreSQL.
///
/// - Expired rows are never loaded, updated or extended; the purge deletes them.
/// - A key that is not one we issue (64 ASCII letters and digits) is never looked up.
/// - Updating a session whose row has vanished or expired saves it under a *new* key: a key is
///   never brought back to life, so a stolen or guessed old key stays dead.
/// - An update whose session another request has updated since it was loaded is refused
///   ([`DatabaseError::Conflict`]) instead of overwriting that request's change.
/// - A row whose data is not a JSON object of strings loads as a deserialization error, which
///   actix-session turns into an empty session (with a warning) that the next write replaces.
#[derive(Clone)]
pub struct DieselSessionStore {
    database: Database,
}

impl DieselSessionStore {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The live session under `key`, or `None`.
    pub async fn load_data(&self, key: &str) -> Result<Option<StoredSession>, DatabaseError> {
        if !is_issued_key(key) {
            return Ok(None);
        }
        let now = now();
        let row = with_connection!(&self.database, |conn| {
            sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(now))
                .select((
                    sessions::session_data,
                    sessions::expire_date,
                    sessions::version,
                ))
                // Not `first()`: its bound `LIMIT ?` makes SQLite re-plan the cached statement on
                // every call (measured: 15 % of the server's CPU on /session/about/).
                .get_result::<(String, NaiveDateTime, i64)>(conn)
                .await
                .optional()
        })?;
        Ok(row.map(|(data, expire_date, version)| StoredSession {
            data,
            expire_date,
            version,
        }))
    }

    /// Stores `data` (JSON) under a new random key, at version 0.
    pub async fn save_data(&self, data: &str, ttl: &Duration) -> Result<SessionKey, DatabaseError> {
        let expire_date = expiry(ttl);
        // A collision of 64 random alphanumerics will not happen; if one ever does, draw again
        // rather than overwrite another visitor's session.
        loop {
            let key = generate_session_key();
            let _turn = self.database.writer_turn().await;
            let inserted = with_connection!(&self.database, |conn| {
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::session_key.eq(key.as_ref()),
                        sessions::session_data.eq(data),
                        sessions::expire_date.eq(expire_date),
                    ))
                    .execute(conn)
                    .await
            });
            match inserted {
                Err(DatabaseError::Query(QueryError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => continue,
                other => return other.map(|_| key),
            }
        }
    }

    /// Replaces the data under `key` if that session is live and still at `loaded_version` (any
    /// version when `None`), and returns the key and the new version. A session that has vanished
    /// or expired is stored under a new key instead; one that changed since is a conflict.
    pub async fn update_data(
        &self,
        key: SessionKey,
        data: &str,
        loaded_version: Option<i64>,
        ttl: &Duration,
    ) -> Result<(SessionKey, i64), DatabaseError> {
        // No version came back when the row did not parse: the write replaces whatever is there.
        let current = match loaded_version {
            Some(version) => Some(version),
            None => self.load_data(key.as_ref()).await?.map(|s| s.version),
        };
        let Some(expected) = current.filter(|_| is_issued_key(key.as_ref())) else {
            return Ok((self.save_data(data, ttl).await?, 0));
        };
        let (now, expire_date) = (now(), expiry(ttl));
        let turn = self.database.writer_turn().await;
        let updated = with_connection!(&self.database, |conn| {
            let live = sessions::table
                .find(key.as_ref())
                .filter(sessions::expire_date.gt(now))
                .filter(sessions::version.eq(expected));
            diesel::update(live)
                .set((
                    sessions::session_data.eq(data),
                    sessions::expire_date.eq(expire_date),
                    sessions::version.eq(sessions::version + 1),
                ))
                .returning(sessions::version)
                .get_result::<i64>(conn)
                .await
                .optional()
        })?;
        drop(turn); // the fallback below takes its own
        if let Some(version) = updated {
            return Ok((key, version));
        }
        match self.load_data(key.as_ref()).await? {
            Some(_) => {
                let _ = CONFLICT_SEEN.try_with(|seen| seen.set(true));
                Err(DatabaseError::Conflict)
            }
            None => Ok((self.save_data(data, ttl).await?, 0)),
        }
    }

    /// Moves the expiry of a live session to `ttl` from now; false if there is none to extend.
    pub async fn extend(&self, key: &str, ttl: &Duration) -> Result<bool, DatabaseError> {
        if !is_issued_key(key) {
            return Ok(false);
        }
        let (now, expire_date) = (now(), expiry(ttl));
        let _turn = self.database.writer_turn().await;
        let extended = with_connection!(&self.database, |conn| {
            diesel::update(
                sessions::table
                    .find(key)
                    .filter(sessions::expire_date.gt(now)),
            )
            .set(sessions::expire_date.eq(expire_date))
            .execute(conn)
            .await
        })?;
        Ok(extended == 1)
    }
}

impl SessionStore for DieselSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let stored = self
            .load_data(key.as_ref())
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        stored.map(StoredSession::into_state).transpose()
    }

    async fn save(&self, mut state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        take_version(&mut state);
        let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        self.save_data(&data, ttl)
            .await
            .map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        mut state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let loaded_version = take_version(&mut state);
        let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let (key, _) = self
            .update_data(key, &data, loaded_version, ttl)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        self.extend(key.as_ref(), ttl).await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let _turn = self.database.writer_turn().await;
        with_connection!(&self.database, |conn| {
            diesel::delete(sessions::table.find(key.as_ref()))
                .execute(conn)
                .await
        })?;
        Ok(())
    }
}

/// Keys come from actix-session's generator: 64 ASCII alphanumerics. Anything else is forged.
pub fn is_issued_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Expiry times are stored as UTC without a zone, which SQLite and PostgreSQL compare alike.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

pub fn expiry(ttl: &Duration) -> NaiveDateTime {
    let ttl = TimeDelta::seconds(ttl.whole_seconds());
    now().checked_add_signed(ttl).unwrap_or(NaiveDateTime::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_keys_are_accepted() {
        assert!(is_issued_key(generate_session_key().as_ref()));
        assert!(!is_issued_key("short"));
        assert!(!is_issued_key(&"a".repeat(65)));
        assert!(!is_issued_key(&format!("{}'", "a".repeat(63))));
    }

    #[test]
    fn the_version_rides_along_in_the_state_and_is_taken_off_before_storing() {
        let stored = StoredSession {
            data: r#"{"visits":"3"}"#.into(),
            expire_date: now(),
            version: 7,
        };
        let mut state = stored.into_state().unwrap();
        assert_eq!(state[VERSION_KEY], "7");
        assert_eq!(take_version(&mut state), Some(7));
        assert_eq!(to_json(&state).unwrap(), r#"{"visits":"3"}"#);
    }
}
