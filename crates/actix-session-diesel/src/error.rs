//! What can go wrong, as types: connecting, migrating, querying, and a refused update.

/// An error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL or a builder setting makes no sense.
    #[error("{0}")]
    Config(String),
    /// The database could not be opened; the URL is shown without its password.
    #[error("cannot open the session database at {url}: {reason}")]
    Connect {
        /// The database URL, password replaced by asterisks.
        url: String,
        /// Why, with every cause (refused, authentication, TLS, …).
        reason: String,
    },
    /// The migrations could not be applied.
    #[error("cannot migrate the session database at {url}: {reason}")]
    Migrate {
        /// The database URL, password replaced by asterisks.
        url: String,
        /// Why.
        reason: String,
    },
    /// No connection could be had from the pool in time: the database is down or overloaded.
    #[error("no database connection: {0}")]
    Pool(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// The database is gone from under the store (an SQLite file deleted); a fresh one is on its
    /// way.
    #[error("the session database is gone: {0}")]
    Gone(String),
    /// Redis failed or did not answer in time.
    #[error("Redis failed: {0}")]
    Redis(String),
    /// The session changed, or was deleted, since this request loaded it: the update was refused
    /// rather than overwrite the other change or bring a revoked session back.
    #[error("the session changed or was deleted since this request loaded it")]
    Conflict,
    /// An update reached the store outside a [`RequestScope`](crate::RequestScope): wrap the
    /// app in [`session_guard`](crate::session_guard), outside `SessionMiddleware`.
    #[error(
        "session update without a request scope: add `.wrap(from_fn(actix_session_diesel::session_guard))` \
         after (outside) `.wrap(SessionMiddleware::…)`"
    )]
    NoScope,
    /// The write that carried this request's update failed: several requests of one session
    /// were written together (see [`DieselSessionStore`](crate::DieselSessionStore)), and this
    /// is that write's error.
    #[error(transparent)]
    InLine(std::sync::Arc<Error>),
    /// The session state could not be turned into JSON.
    #[error("session state is not serialisable: {0}")]
    Serialization(#[from] serde_json::Error),
}

impl Error {
    /// True when the database, not the request, is at fault: the request may succeed later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::InLine(error) => error.is_unavailable(),
            other => matches!(
                other,
                Self::Pool(_)
                    | Self::Query(_)
                    | Self::Redis(_)
                    | Self::Gone(_)
                    | Self::Connect { .. }
            ),
        }
    }
}
