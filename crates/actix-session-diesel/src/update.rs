//! The session update, written out as one SQL statement that diesel keeps prepared.
//!
//! diesel never caches the prepared statement of an `UPDATE` built with its DSL (a changeset may
//! leave out `None` fields, so the SQL may differ from call to call). Every write then paid for
//! parsing and planning its statement again: seen in the profile of a write-heavy page on SQLite
//! (the parser on the writer thread), and on PostgreSQL a round trip to prepare before each
//! execution. This statement's SQL never changes, so both keep it prepared.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text, Timestamp};

/// `UPDATE sessions … WHERE` the session is live and still at `expected` `RETURNING` its new
/// version: the version check and the write in one statement, one round trip.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UpdateSession<'a> {
    pub key: &'a str,
    pub data: &'a str,
    pub expected: i64,
    pub now: NaiveDateTime,
    pub expires: NaiveDateTime,
}

impl QueryId for UpdateSession<'_> {
    type QueryId = UpdateSession<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for UpdateSession<'_> {
    type SqlType = BigInt;
}

impl<DB> QueryFragment<DB> for UpdateSession<'_>
where
    DB: Backend,
    str: diesel::serialize::ToSql<Text, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE sessions SET session_data = ");
        out.push_bind_param::<Text, _>(self.data)?;
        out.push_sql(", expire_date = ");
        out.push_bind_param::<Timestamp, _>(&self.expires)?;
        out.push_sql(", version = version + 1 WHERE session_key = ");
        out.push_bind_param::<Text, _>(self.key)?;
        out.push_sql(" AND expire_date > ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<BigInt, _>(&self.expected)?;
        out.push_sql(" RETURNING version");
        Ok(())
    }
}
