//! Django's `signed_cookies` engine: the whole session in the `sessionid` cookie, signed by the
//! session middleware. Unlike actix-session's `CookieSessionStore`, the cookie carries its own
//! expiry, so a copy replayed after `--session-cookie-age` is refused, as Django's signature age
//! check refuses it. The expiry sits beside the data in the cookie, never in the session data.

use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use serde::{Deserialize, Serialize};

use super::SessionState;
use crate::clock::Clock;

#[derive(Clone)]
pub struct SignedCookieStore {
    clock: Arc<dyn Clock>,
}

/// What the cookie holds: the session, and when it stops being valid (seconds since the epoch).
#[derive(Serialize, Deserialize)]
struct Envelope {
    expires: i64,
    data: SessionState,
}

impl SignedCookieStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    fn seal(&self, data: SessionState, ttl: &Duration) -> Result<SessionKey, anyhow::Error> {
        let expires = self
            .clock
            .now()
            .timestamp()
            .saturating_add(ttl.whole_seconds());
        let json = serde_json::to_string(&Envelope { expires, data })?;
        // actix-session refuses keys it cannot fit in a cookie.
        Ok(SessionKey::try_from(json)?)
    }
}

impl SessionStore for SignedCookieStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let envelope: Envelope =
            serde_json::from_str(key.as_ref()).map_err(|e| LoadError::Deserialization(e.into()))?;
        Ok((envelope.expires > self.clock.now().timestamp()).then_some(envelope.data))
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        self.seal(state, ttl).map_err(SaveError::Serialization)
    }

    async fn update(
        &self,
        _key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        self.seal(state, ttl).map_err(UpdateError::Serialization)
    }

    /// The expiry is inside the signed cookie: it moves only when the data is written again.
    async fn update_ttl(&self, _key: &SessionKey, _ttl: &Duration) -> anyhow::Result<()> {
        Ok(())
    }

    /// Nothing is kept on the server: the middleware removes the cookie.
    async fn delete(&self, _key: &SessionKey) -> anyhow::Result<()> {
        Ok(())
    }
}
