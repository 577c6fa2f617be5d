//! The session protocol every store of this crate follows, written once over a backend's
//! [`Rows`]: requests of one session take turns, an update or a delete must find the version its
//! request loaded, a save after a delete (actix-session's `renew()`) is refused when the session
//! changed or went meanwhile, and every failure is remembered for `session_guard`.

use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::{NaiveDateTime, TimeDelta};
use futures_util::future::BoxFuture;

use crate::Error;
use crate::guard::{self, PendingWrite, Turns};

/// actix-session's state: each value is already a JSON document.
pub(crate) type SessionState = std::collections::HashMap<String, String>;

/// What a backend keeps: each session's data (JSON) under its key, with a version.
pub(crate) trait Rows {
    /// Turns per session within this process.
    fn turns(&self) -> &Turns;

    /// Now, as the store's expiries count it.
    fn now(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }

    /// The live session under `key` (a key this crate issues): its version and data.
    async fn load_row(&self, key: &str) -> Result<Option<(i64, String)>, Error>;

    /// Stores `data` under a new random key, at version 0.
    async fn insert(&self, data: &str, ttl: &Duration) -> Result<SessionKey, Error>;

    /// Replaces the data under `key` if that session is live and still at `expected`, and
    /// returns the new version; `None` when it changed, expired or went meanwhile.
    async fn update_row(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
    ) -> Result<Option<i64>, Error>;

    /// Starts [`Rows::update_row`], applied only if `after` (the uncommitted write the request
    /// started from) was. A backend that applies writes in the order they were queued returns
    /// as soon as it is queued; the default waits for `after`'s commit, then updates.
    async fn start_update(
        &self,
        key: &str,
        data: &str,
        expected: i64,
        ttl: &Duration,
        after: Option<Arc<PendingWrite>>,
    ) -> Result<Update, Error> {
        Ok(Update::Done(
            update_when_committed(self, key, data, expected, ttl, after).await,
        ))
    }

    /// Moves the expiry of a live session to `ttl` from now.
    async fn extend(&self, key: &str, ttl: &Duration) -> Result<(), Error>;

    /// Deletes the session under `key` and returns the version it had (`None`: there was none).
    /// When the caller saw it at version `seen` and it has changed since, nothing is deleted:
    /// [`Error::Conflict`].
    async fn delete_row(&self, key: &str, seen: Option<i64>) -> Result<Option<i64>, Error>;
}

/// An update started by [`Rows::start_update`].
pub(crate) enum Update {
    /// Done: the new version, or `None` when the row changed, expired or went meanwhile.
    Done(Result<Option<i64>, Error>),
    /// Queued behind every write of the session queued before it: `answer` comes after its
    /// commit.
    Queued {
        write: Arc<PendingWrite>,
        answer: BoxFuture<'static, Result<Option<i64>, Error>>,
    },
}

/// [`Rows::update_row`] once `after` is committed; refused (`None`) if it was not.
pub(crate) async fn update_when_committed(
    rows: &(impl Rows + ?Sized),
    key: &str,
    data: &str,
    expected: i64,
    ttl: &Duration,
    after: Option<Arc<PendingWrite>>,
) -> Result<Option<i64>, Error> {
    if let Some(after) = after
        && !after.committed().await
    {
        return Ok(None);
    }
    rows.update_row(key, data, expected, ttl).await
}

/// Keys come from actix-session's generator: 64 ASCII alphanumerics. Anything else is forged.
pub(crate) fn is_issued_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(crate) fn to_json(state: &SessionState) -> Result<String, Error> {
    Ok(serde_json::to_string(state)?)
}

/// Data that is not a JSON object of strings is a deserialization error, which actix-session
/// answers with an empty session (and a warning) that the next write replaces.
pub(crate) fn from_json(data: &str) -> Result<SessionState, LoadError> {
    serde_json::from_str(data).map_err(|e| LoadError::Deserialization(e.into()))
}

/// When a session saved at `now` with `ttl` expires: `ttl` in whole seconds, as rows keep it.
pub(crate) fn expiry(now: NaiveDateTime, ttl: &Duration) -> NaiveDateTime {
    now.checked_add_signed(TimeDelta::seconds(ttl.whole_seconds()))
        .unwrap_or(NaiveDateTime::MAX)
}

/// A store error for actix-session, remembered for `session_guard` on the way.
pub(crate) fn refused(error: Error) -> anyhow::Error {
    guard::failed(error).into()
}

pub(crate) async fn load(
    rows: &impl Rows,
    key: &SessionKey,
) -> Result<Option<SessionState>, LoadError> {
    let key = key.as_ref();
    if !is_issued_key(key) {
        return Ok(None);
    }
    rows.turns().wait(key).await;
    let row = match guard::take_handover(key, rows.now()) {
        Some(row) => Ok(Some(row)),
        None => rows.load_row(key).await,
    };
    let Some((version, data)) = row.map_err(|e| LoadError::Other(refused(e)))? else {
        return Ok(None);
    };
    // Even a damaged row's version: actix-session goes on to update it with fresh data.
    guard::saw(key, version);
    from_json(&data).map(Some)
}

pub(crate) async fn save(
    rows: &impl Rows,
    state: SessionState,
    ttl: &Duration,
) -> Result<SessionKey, SaveError> {
    guard::check_renewal().map_err(|e| SaveError::Other(refused(e)))?;
    let data = to_json(&state).map_err(|e| SaveError::Serialization(e.into()))?;
    let key = rows
        .insert(&data, ttl)
        .await
        .map_err(|e| SaveError::Other(refused(e)))?;
    guard::saw(key.as_ref(), 0);
    Ok(key)
}

pub(crate) async fn update(
    rows: &impl Rows,
    key: SessionKey,
    state: SessionState,
    ttl: &Duration,
) -> Result<SessionKey, UpdateError> {
    let refuse = |e| UpdateError::Other(refused(e));
    let seen = guard::version_seen(key.as_ref()).map_err(refuse)?;
    let data = to_json(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
    // Taken before the write, so that it is no later than the row's.
    let expires = expiry(rows.now(), ttl);
    let after = guard::started_from();
    let result = match rows
        .start_update(key.as_ref(), &data, seen, ttl, after)
        .await
    {
        // The next request of the session may start from this write before it is committed:
        // the row's next version is this one's successor (see `PendingWrite`).
        Ok(Update::Queued { write, answer }) => {
            guard::hand_over(key.as_ref(), seen + 1, data, expires, Some(write));
            guard::release_turn();
            answer.await
        }
        Ok(Update::Done(result)) => {
            if let Ok(Some(version)) = result {
                guard::hand_over(key.as_ref(), version, data, expires, None);
            }
            result
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(Some(version)) => {
            guard::saw(key.as_ref(), version);
            Ok(key)
        }
        Ok(None) => Err(refuse(Error::Conflict)),
        Err(error) => Err(refuse(error)),
    }
}

pub(crate) async fn update_ttl(
    rows: &impl Rows,
    key: &SessionKey,
    ttl: &Duration,
) -> anyhow::Result<()> {
    rows.extend(key.as_ref(), ttl).await.map_err(refused)
}

pub(crate) async fn delete(rows: &impl Rows, key: &SessionKey) -> anyhow::Result<()> {
    // The version this request saw is only a prediction while the write it started from is on
    // its way: should that write not be applied, the row may be another instance's, at that very
    // version. Deletes are rare, so this one waits to know.
    if let Some(write) = guard::started_from()
        && !write.committed().await
    {
        return Err(refused(Error::Conflict));
    }
    let key = key.as_ref();
    let version = rows
        .delete_row(key, guard::seen(key))
        .await
        .map_err(refused)?;
    guard::deleted(key, version);
    Ok(())
}

/// actix-session's `SessionStore` for a type that implements [`Rows`], by the protocol above.
macro_rules! session_store_over_rows {
    ($store:ty) => {
        impl actix_session::storage::SessionStore for $store {
            async fn load(
                &self,
                key: &actix_session::storage::SessionKey,
            ) -> Result<Option<$crate::protocol::SessionState>, actix_session::storage::LoadError>
            {
                $crate::protocol::load(self, key).await
            }

            async fn save(
                &self,
                state: $crate::protocol::SessionState,
                ttl: &actix_web::cookie::time::Duration,
            ) -> Result<actix_session::storage::SessionKey, actix_session::storage::SaveError> {
                $crate::protocol::save(self, state, ttl).await
            }

            async fn update(
                &self,
                key: actix_session::storage::SessionKey,
                state: $crate::protocol::SessionState,
                ttl: &actix_web::cookie::time::Duration,
            ) -> Result<actix_session::storage::SessionKey, actix_session::storage::UpdateError>
            {
                $crate::protocol::update(self, key, state, ttl).await
            }

            async fn update_ttl(
                &self,
                key: &actix_session::storage::SessionKey,
                ttl: &actix_web::cookie::time::Duration,
            ) -> anyhow::Result<()> {
                $crate::protocol::update_ttl(self, key, ttl).await
            }

            async fn delete(&self, key: &actix_session::storage::SessionKey) -> anyhow::Result<()> {
                $crate::protocol::delete(self, key).await
            }
        }
    };
}
pub(crate) use session_store_over_rows;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_keys_are_accepted() {
        let issued = actix_session::storage::generate_session_key();
        assert!(is_issued_key(issued.as_ref()));
        assert!(!is_issued_key("short"));
        assert!(!is_issued_key(&"a".repeat(65)));
        assert!(!is_issued_key(&format!("{}'", "a".repeat(63))));
    }
}
