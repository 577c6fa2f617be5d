//! [`SessionStore`] on diesel: Django's `db` session engine for actix-session.

use std::sync::Arc;

use actix_session::storage::{SessionKey, generate_session_key};
use actix_web::cookie::time::Duration;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel_async::RunQueryDsl;

use crate::database::{Database, with_connection};
#[cfg(feature = "sqlite")]
use crate::guard::Settles;
use crate::guard::{PendingWrite, Turns};
use crate::protocol::{Rows, Update, is_issued_key, session_store_over_rows};
use crate::purge::PurgeSettings;
use crate::schema::sessions;
use crate::sql_time::{ReadableTime, SqlTime};
use crate::update::{PURGE_SLACK, UpdateSession, apply_update, keep_purge_after_near};
use crate::{Backend, Clock, Error};

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
/// - **Damaged rows.** Data that is not a JSON object of strings, or a row diesel cannot read (an
///   SQLite expiry that is not a time), loads as a deserialization error, which actix-session
///   turns into an empty session (with a warning) that the next write replaces.
/// - **Never blocks the caller's thread.** PostgreSQL is async; SQLite's calls run on threads of
///   their own (one writer, which serves reads too, and readers for while it is stuck).
#[derive(Clone)]
pub struct DieselSessionStore {
    pub(crate) database: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) purge: PurgeSettings,
    pub(crate) turns: Turns,
    #[cfg(feature = "postgres")]
    pub(crate) write_lines: crate::write_line::WriteLines,
}

/// A live session as stored, with its expiry (which the cache in front of a store keeps too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub data: String,
    pub expires: NaiveDateTime,
    pub version: i64,
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
        crate::protocol::expiry(self.now(), ttl)
    }

    /// The live session under `key`, with its expiry, or `None`.
    pub(crate) async fn load_live(&self, key: &str) -> Result<Option<Row>, Error> {
        if !is_issued_key(key) {
            return Ok(None);
        }
        let now = self.now();
        let row = with_connection!(&self.database, read, [key], |conn| {
            sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(SqlTime(now)))
                .select((
                    sessions::session_data,
                    sessions::expire_date,
                    sessions::version,
                ))
                // Not `first()`: its bound `LIMIT ?` makes SQLite re-plan the cached statement on
                // every call (measured: 15 % of a server's CPU on a read-only page).
                .get_result::<(String, SqlTime, i64)>(conn)
                .await
                .optional()
        });
        match row {
            Ok(row) => Ok(row.map(|(data, expires, version)| Row {
                data,
                expires: expires.0,
                version,
            })),
            Err(Error::Query(QueryError::DeserializationError(_))) => {
                self.load_damaged(key, now).await
            }
            Err(error) => Err(error),
        }
    }

    /// A live row diesel cannot read: SQLite keeps whatever text another tool wrote, even in a
    /// time column. It is damaged data like any other, so it comes back with its version and no
    /// data, expiring now (no cache keeps it): actix-session starts the session afresh, with a
    /// warning, and its next write repairs the row. Not a 503, which no retry would mend.
    async fn load_damaged(&self, key: &str, now: NaiveDateTime) -> Result<Option<Row>, Error> {
        let version = with_connection!(&self.database, read, [key], |conn| {
            sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(SqlTime(now)))
                .select(sessions::version)
                .get_result::<i64>(conn)
                .await
                .optional()
        })?;
        Ok(version.map(|version| Row {
            data: String::new(),
            expires: now,
            version,
        }))
    }
}

#[cfg(feature = "sqlite")]
impl DieselSessionStore {
    /// [`Rows::start_update`] on SQLite's writer thread; refused (`None`) when it runs if `after`
    /// was not applied.
    fn queue_update(
        &self,
        engine: &crate::database::sqlite::Engine,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
        after: Option<Arc<PendingWrite>>,
    ) -> Result<Update, Error> {
        use futures_util::FutureExt as _;

        let (now, expires) = (self.now(), self.expiry(ttl));
        let write = PendingWrite::new();
        let (key, data, this) = (key.to_owned(), data.to_owned(), write.clone());
        let answer = engine.queue_write(Settles(write.clone()), move |conn| {
            async move {
                if after.is_some_and(|after| !after.is_applied()) {
                    return Ok(None);
                }
                let (key, data) = (&key, &data);
                let update = UpdateSession {
                    key,
                    data,
                    expected,
                    next: expected + 1,
                    now: SqlTime(now),
                    expires: SqlTime(expires),
                };
                let version = apply_update!(conn, update);
                if version.is_some() {
                    this.applied();
                }
                Ok(version)
            }
            .boxed()
        })?;
        Ok(Update::Queued { write, answer })
    }
}

impl Rows for DieselSessionStore {
    fn turns(&self) -> &Turns {
        &self.turns
    }

    fn now(&self) -> NaiveDateTime {
        DieselSessionStore::now(self)
    }

    async fn load_row(&self, key: &str) -> Result<Option<(i64, String)>, Error> {
        Ok(self
            .load_live(key)
            .await?
            .map(|row| (row.version, row.data)))
    }

    async fn insert(&self, data: &str, ttl: &Duration) -> Result<SessionKey, Error> {
        let expire_date = self.expiry(ttl);
        // A collision of 64 random alphanumerics will not happen; if one ever does, draw again
        // rather than overwrite another visitor's session.
        loop {
            let key = generate_session_key();
            let new_key: String = key.as_ref().to_owned();
            let inserted = with_connection!(&self.database, write, [data], |conn| {
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::session_key.eq(new_key),
                        sessions::session_data.eq(data),
                        sessions::expire_date.eq(expire_date),
                        sessions::purge_after.eq(expire_date + PURGE_SLACK),
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

    async fn update_row(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
    ) -> Result<Option<i64>, Error> {
        let (now, expire_date) = (self.now(), self.expiry(ttl));
        with_connection!(&self.database, write, [key, data], |conn| {
            let update = UpdateSession {
                key,
                data,
                expected,
                next: expected + 1,
                now: SqlTime(now),
                expires: SqlTime(expire_date),
            };
            QueryResult::Ok(apply_update!(conn, update))
        })
    }

    /// Returns once the write is queued, so that the session's next request need not wait for
    /// this one's commit: on SQLite's writer thread, which applies writes in that order; on
    /// PostgreSQL in the session's [write line](crate::write_line).
    async fn start_update(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
        after: Option<Arc<PendingWrite>>,
    ) -> Result<Update, Error> {
        match &self.database {
            #[cfg(feature = "sqlite")]
            Database::Sqlite(engine) => self.queue_update(engine, key, data, expected, ttl, after),
            #[cfg(feature = "postgres")]
            Database::Postgres(pools) => {
                let write = crate::write_line::Write {
                    data: data.to_owned(),
                    expected,
                    now: self.now(),
                    expires: self.expiry(ttl),
                    after,
                };
                Ok(self.write_lines.queue(pools, key, write))
            }
        }
    }

    async fn extend(&self, key: &str, ttl: &Duration) -> Result<(), Error> {
        if !is_issued_key(key) {
            return Ok(());
        }
        let (now, expire_date) = (self.now(), self.expiry(ttl));
        with_connection!(&self.database, write, [key], |conn| {
            let live = sessions::table
                .find(key)
                .filter(sessions::expire_date.gt(now));
            let stored = diesel::update(live)
                .set(sessions::expire_date.eq(expire_date))
                .returning(sessions::purge_after)
                .get_result::<ReadableTime>(conn)
                .await
                .optional()?;
            if let Some(stored) = stored {
                keep_purge_after_near!(conn, key, stored, expire_date);
            }
            QueryResult::Ok(())
        })?;
        Ok(())
    }

    /// A `renew()` of outdated data must not destroy the newer change: see [`Rows::delete_row`].
    async fn delete_row(&self, key: &str, seen: Option<i64>) -> Result<Option<i64>, Error> {
        let deleted = with_connection!(&self.database, write, [key], |conn| {
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
            let changed = with_connection!(&self.database, read, [key], |conn| {
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

session_store_over_rows!(DieselSessionStore);
