//! [`SessionStore`] on diesel: Django's `db` session engine for actix-session.

use std::collections::HashMap;

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

pub fn to_json(state: &SessionState) -> serde_json::Result<String> {
    serde_json::to_string(state)
}

/// Data that is not a JSON object of strings is a deserialization error: actix-session then
/// starts an empty session with a warning instead of failing the request.
pub fn from_json(data: &str) -> Result<SessionState, LoadError> {
    serde_json::from_str(data).map_err(|e| LoadError::Deserialization(e.into()))
}

/// Sessions in a `sessions` table of SQLite or PostgreSQL.
///
/// - Expired rows are never loaded, updated or extended; the purge deletes them.
/// - A key that is not one we issue (64 ASCII letters and digits) is never looked up.
/// - Updating a session whose row has vanished or expired saves it under a *new* key: a key is
///   never brought back to life, so a stolen or guessed old key stays dead.
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

    /// The unexpired data (JSON) and expiry under `key`, or `None`.
    pub async fn load_data(
        &self,
        key: &str,
    ) -> Result<Option<(String, NaiveDateTime)>, DatabaseError> {
        if !is_issued_key(key) {
            return Ok(None);
        }
        let now = now();
        with_connection!(&self.database, |conn| {
            sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(now))
                .select((sessions::session_data, sessions::expire_date))
                .first::<(String, NaiveDateTime)>(conn)
                .await
                .optional()
        })
    }

    /// Stores `data` (JSON) under a new random key.
    pub async fn save_data(&self, data: &str, ttl: &Duration) -> Result<SessionKey, DatabaseError> {
        let expire_date = expiry(ttl);
        // A collision of 64 random alphanumerics will not happen; if one ever does, draw again
        // rather than overwrite another visitor's session.
        loop {
            let key = generate_session_key();
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

    /// Replaces the data under `key` if that session is still live; otherwise stores it under a new
    /// key, which is returned.
    pub async fn update_data(
        &self,
        key: SessionKey,
        data: &str,
        ttl: &Duration,
    ) -> Result<SessionKey, DatabaseError> {
        let (now, expire_date) = (now(), expiry(ttl));
        let updated = if is_issued_key(key.as_ref()) {
            with_connection!(&self.database, |conn| {
                diesel::update(
                    sessions::table
                        .find(key.as_ref())
                        .filter(sessions::expire_date.gt(now)),
                )
                .set((
                    sessions::session_data.eq(data),
                    sessions::expire_date.eq(expire_date),
                ))
                .execute(conn)
                .await
            })?
        } else {
            0
        };
        if updated == 1 {
            Ok(key)
        } else {
            self.save_data(data, ttl).await
        }
    }

    /// Moves the expiry of a live session to `ttl` from now; false if there is none to extend.
    pub async fn extend(&self, key: &str, ttl: &Duration) -> Result<bool, DatabaseError> {
        if !is_issued_key(key) {
            return Ok(false);
        }
        let (now, expire_date) = (now(), expiry(ttl));
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
        let row = self
            .load_data(key.as_ref())
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        row.map(|(data, _)| from_json(&data)).transpose()
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        self.save_data(&data, ttl)
            .await
            .map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        self.update_data(key, &data, ttl)
            .await
            .map_err(|e| UpdateError::Other(e.into()))
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        self.extend(key.as_ref(), ttl).await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
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
}
