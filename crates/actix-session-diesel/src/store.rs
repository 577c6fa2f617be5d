//! [`SessionStore`] on diesel: Django's `db` session engine for actix-session.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::time::Duration;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel_async::RunQueryDsl;

use crate::database::{Database, with_connection};
use crate::purge::PurgeSettings;
use crate::schema::sessions;
use crate::{Backend, Clock, Error, guard};

/// actix-session's state: each value is already a JSON document.
pub(crate) type SessionState = HashMap<String, String>;

/// Sessions in the `sessions` table of SQLite or PostgreSQL, for actix-session.
///
/// Build one with [`DieselSessionStore::builder`]; clones share one connection pool.
///
/// - **No lost update.** Each row has a version. An update is applied only if the row is still
///   at the version its request loaded; otherwise it fails with [`Error::Conflict`], which
///   [`session_guard`](crate::session_guard) answers with 409. This needs `session_guard`
///   around actix-session's middleware (an update outside a [`RequestScope`](crate::RequestScope)
///   fails with [`Error::NoScope`]).
/// - **No resurrected session.** A session deleted (flushed, purged) or expired while a request of
///   it was in flight stays gone: that request's update fails as a conflict instead of saving the
///   old data under any key. Expired rows are never loaded, updated or extended.
/// - **Only keys it issued.** A key that is not 64 ASCII letters and digits is never looked up.
/// - **Damaged rows.** Data that is not a JSON object of strings loads as a deserialization error,
///   which actix-session turns into an empty session (with a warning) that the next write
///   replaces.
/// - **Never blocks the caller's thread.** PostgreSQL is async; SQLite's calls run on a thread
///   pool of their own.
#[derive(Clone)]
pub struct DieselSessionStore {
    pub(crate) database: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) purge: PurgeSettings,
    pub(crate) turns: guard::Turns,
}

/// A live session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub data: String,
    pub expires: NaiveDateTime,
    pub version: i64,
}

impl Row {
    /// The state actix-session gets; data that is not a session is a deserialization error.
    pub fn state(&self) -> Result<SessionState, LoadError> {
        from_json(&self.data)
    }
}

pub(crate) fn to_json(state: &SessionState) -> Result<String, Error> {
    Ok(serde_json::to_string(state)?)
}

pub(crate) fn from_json(data: &str) -> Result<SessionState, LoadError> {
    serde_json::from_str(data).map_err(|e| LoadError::Deserialization(e.into()))
}

/// Keys come from actix-session's generator: 64 ASCII alphanumerics. Anything else is forged.
pub(crate) fn is_issued_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl DieselSessionStore {
    /// Which database the store runs on.
    pub fn backend(&self) -> Backend {
        self.database.backend()
    }

    /// Now, as stored: UTC without a zone, which SQLite and PostgreSQL compare alike.
    pub(crate) fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    pub(crate) fn expiry(&self, ttl: &Duration) -> NaiveDateTime {
        let ttl = TimeDelta::seconds(ttl.whole_seconds());
        self.now()
            .checked_add_signed(ttl)
            .unwrap_or(NaiveDateTime::MAX)
    }

    /// The live session under `key`, or `None`.
    pub(crate) async fn load_row(&self, key: &str) -> Result<Option<Row>, Error> {
        if !is_issued_key(key) {
            return Ok(None);
        }
        let now = self.now();
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
                // every call (measured: 15 % of a server's CPU on a read-only page).
                .get_result::<(String, NaiveDateTime, i64)>(conn)
                .await
                .optional()
        })?;
        Ok(row.map(|(data, expires, version)| Row {
            data,
            expires,
            version,
        }))
    }

    /// Stores `data` (JSON) under a new random key, at version 0.
    pub(crate) async fn insert(&self, data: &str, ttl: &Duration) -> Result<SessionKey, Error> {
        let expire_date = self.expiry(ttl);
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
                Err(Error::Query(QueryError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => continue,
                other => return other.map(|_| key),
            }
        }
    }

    /// Replaces the data under `key` if that session is live and still at `expected`, and
    /// returns the new version; `None` when it changed, expired or vanished meanwhile.
    pub(crate) async fn update_row(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
    ) -> Result<Option<i64>, Error> {
        let (now, expire_date) = (self.now(), self.expiry(ttl));
        let _turn = self.database.writer_turn().await;
        with_connection!(&self.database, |conn| {
            let live = sessions::table
                .find(key)
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
        })
    }

    /// Moves the expiry of a live session to `ttl` from now; false if there is none to extend.
    pub(crate) async fn extend(&self, key: &str, ttl: &Duration) -> Result<bool, Error> {
        if !is_issued_key(key) {
            return Ok(false);
        }
        let (now, expire_date) = (self.now(), self.expiry(ttl));
        let _turn = self.database.writer_turn().await;
        let extended = with_connection!(&self.database, |conn| {
            let live = sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(now));
            diesel::update(live)
                .set(sessions::expire_date.eq(expire_date))
                .execute(conn)
                .await
        })?;
        Ok(extended == 1)
    }

    /// Deletes the session under `key` and returns the version its row had (`None`: there was
    /// none). When the caller `seen` the session at a version and it has changed since, nothing is
    /// deleted: [`Error::Conflict`], so that a `renew()` of outdated data cannot destroy the newer
    /// change.
    pub(crate) async fn delete_row(
        &self,
        key: &str,
        seen: Option<i64>,
    ) -> Result<Option<i64>, Error> {
        let _turn = self.database.writer_turn().await;
        let deleted = with_connection!(&self.database, |conn| {
            let row = sessions::table.find(key);
            match seen {
                Some(version) => {
                    diesel::delete(row.filter(sessions::version.eq(version)))
                        .returning(sessions::version)
                        .get_result::<i64>(conn)
                        .await
                }
                None => {
                    diesel::delete(row)
                        .returning(sessions::version)
                        .get_result::<i64>(conn)
                        .await
                }
            }
            .optional()
        })?;
        if deleted.is_none() && seen.is_some() {
            let changed = with_connection!(&self.database, |conn| {
                sessions::table
                    .find(key)
                    .select(sessions::version)
                    .get_result::<i64>(conn)
                    .await
                    .optional()
            })?;
            if changed.is_some() {
                return Err(Error::Conflict);
            }
        }
        Ok(deleted)
    }
}

/// A store error for actix-session, remembered for `session_guard` on the way.
pub(crate) fn refused(error: Error) -> anyhow::Error {
    guard::failed(error).into()
}

impl SessionStore for DieselSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key = key.as_ref();
        if !is_issued_key(key) {
            return Ok(None);
        }
        self.turns.wait(key).await;
        let row = self
            .load_row(key)
            .await
            .map_err(|e| LoadError::Other(refused(e)))?;
        let Some(row) = row else { return Ok(None) };
        // Even a damaged row's version: actix-session goes on to update it with fresh data.
        guard::saw(key, row.version);
        row.state().map(Some)
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        guard::check_renewal().map_err(|e| SaveError::Other(refused(e)))?;
        let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = self
            .insert(&data, ttl)
            .await
            .map_err(|e| SaveError::Other(refused(e)))?;
        guard::saw(key.as_ref(), 0);
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let seen = guard::version_seen(key.as_ref()).map_err(|e| UpdateError::Other(refused(e)))?;
        let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        match self.update_row(key.as_ref(), &data, seen, ttl).await {
            Ok(Some(version)) => {
                guard::saw(key.as_ref(), version);
                Ok(key)
            }
            Ok(None) => Err(UpdateError::Other(refused(Error::Conflict))),
            Err(error) => Err(UpdateError::Other(refused(error))),
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        self.extend(key.as_ref(), ttl).await.map_err(refused)?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let seen = guard::seen(key.as_ref());
        let version = self.delete_row(key.as_ref(), seen).await.map_err(refused)?;
        guard::deleted(key.as_ref(), version);
        Ok(())
    }
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
}
