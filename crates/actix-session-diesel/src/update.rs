//! The session update, written out as one SQL statement that diesel keeps prepared.
//!
//! diesel never caches the prepared statement of an `UPDATE` built with its DSL (a changeset may
//! leave out `None` fields, so the SQL may differ from call to call). Every write then paid for
//! parsing and planning its statement again: seen in the profile of a write-heavy page on SQLite
//! (the parser on the writer thread), and on PostgreSQL a round trip to prepare before each
//! execution. This statement's SQL never changes, so both keep it prepared.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::sql_time::{ReadableTime, SqlTime};

/// How far `purge_after` may run ahead of `expire_date`. The purge's index is on `purge_after`,
/// kept within `[expire_date, expire_date + PURGE_SLACK]`, so that a write which only moves the
/// expiry on by a few seconds (every write, with sliding expiry) leaves the index alone; a minute
/// later the next write moves `purge_after` on. The purge looks at rows whose `purge_after` is at
/// most `now + PURGE_SLACK` and deletes those whose `expire_date` has passed: exactly the expired
/// ones.
pub(crate) const PURGE_SLACK: TimeDelta = TimeDelta::minutes(1);

/// The `purge_after` to store for a row that expires at `expires`, if the stored one no longer
/// fits (see [`PURGE_SLACK`]) or could not be read.
pub(crate) fn moved_purge_after(
    stored: ReadableTime,
    expires: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let fits = stored
        .0
        .is_some_and(|stored| expires <= stored && stored <= expires + PURGE_SLACK);
    (!fits).then(|| expires + PURGE_SLACK)
}

/// `UPDATE sessions … WHERE` the session is live and still at `expected` `RETURNING` its new
/// version (`next`) and its `purge_after`: the version check and the write in one statement, one
/// round trip. It leaves `purge_after` (and its index) alone: see [`moved_purge_after`]. `next` is
/// `expected + 1`, or more when one write carries several requests' updates (PostgreSQL's
/// [write lines](crate::write_line)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UpdateSession<'a> {
    pub key: &'a str,
    pub data: &'a str,
    pub expected: i64,
    pub next: i64,
    pub now: SqlTime,
    pub expires: SqlTime,
}

impl QueryId for UpdateSession<'_> {
    type QueryId = UpdateSession<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for UpdateSession<'_> {
    type SqlType = (BigInt, Timestamp);
}

impl<DB> QueryFragment<DB> for UpdateSession<'_>
where
    DB: Backend,
    str: diesel::serialize::ToSql<Text, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    SqlTime: diesel::serialize::ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE sessions SET session_data = ");
        out.push_bind_param::<Text, _>(self.data)?;
        out.push_sql(", expire_date = ");
        out.push_bind_param::<Timestamp, _>(&self.expires)?;
        out.push_sql(", version = ");
        out.push_bind_param::<BigInt, _>(&self.next)?;
        out.push_sql(" WHERE session_key = ");
        out.push_bind_param::<Text, _>(self.key)?;
        out.push_sql(" AND expire_date > ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<BigInt, _>(&self.expected)?;
        out.push_sql(" RETURNING version, purge_after");
        Ok(())
    }
}

/// Runs an [`UpdateSession`] on `$conn` (in the closure of
/// [`with_connection!`](crate::database::with_connection) or on SQLite's writer thread), then
/// moves `purge_after` if the new expiry left its range: the new version, or `None` when the row
/// changed, expired or went meanwhile. A macro, not a function: the connection types differ and
/// the body is the same.
macro_rules! apply_update {
    ($conn:expr, $update:expr) => {{
        use diesel::OptionalExtension as _;
        use diesel_async::RunQueryDsl as _;
        let update: $crate::update::UpdateSession<'_> = $update;
        match update
            .get_result::<(i64, $crate::sql_time::ReadableTime)>($conn)
            .await
            .optional()?
        {
            None => None,
            Some((version, stored)) => {
                $crate::update::keep_purge_after_near!($conn, update.key, stored, update.expires.0);
                Some(version)
            }
        }
    }};
}
pub(crate) use apply_update;

/// Moves the `purge_after` of the row under `$key`, stored as `$stored`, if it no longer fits an
/// expiry at `$expires` (see [`moved_purge_after`]).
macro_rules! keep_purge_after_near {
    ($conn:expr, $key:expr, $stored:expr, $expires:expr) => {
        if let Some(purge_after) = $crate::update::moved_purge_after($stored, $expires) {
            use diesel::{ExpressionMethods as _, QueryDsl as _};
            use diesel_async::RunQueryDsl as _;
            diesel::update($crate::schema::sessions::table.find($key))
                .set($crate::schema::sessions::purge_after.eq(purge_after))
                .execute($conn)
                .await?;
        }
    };
}
pub(crate) use keep_purge_after_near;
