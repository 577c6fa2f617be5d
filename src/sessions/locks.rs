//! Requests of one session take turns within this process.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::SESSION_COOKIE;
use crate::web::request_cookies::{CookieLookup, RequestCookies};

/// One lock per stripe of sessions: requests of one session (and, rarely, of another session
/// that hashes to the same stripe) run one at a time in this process.
pub struct SessionLocks(Vec<tokio::sync::Mutex<()>>);

impl SessionLocks {
    const STRIPES: usize = 1024;

    pub fn new() -> Self {
        Self(
            (0..Self::STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        )
    }

    fn stripe(&self, session_cookie: &str) -> &tokio::sync::Mutex<()> {
        use std::hash::{BuildHasher, RandomState};
        static HASHER: std::sync::LazyLock<RandomState> =
            std::sync::LazyLock::new(RandomState::new);
        let index = HASHER.hash_one(session_cookie) as usize % self.0.len();
        &self.0[index]
    }
}

impl Default for SessionLocks {
    fn default() -> Self {
        Self::new()
    }
}

/// actix-session loads a session before the handler and saves it after: two requests of one
/// session in flight at once would each add 1 to the same old count, and one update would be
/// lost. Holding the session's lock across load, handler and save makes them take turns.
pub async fn one_request_per_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let locks = req.app_data::<web::Data<SessionLocks>>().cloned();
    let stripe = locks.as_ref().and_then(|locks| {
        match RequestCookies::from_request(req.request()).lookup(SESSION_COOKIE) {
            CookieLookup::Unique(cookie) => Some(locks.stripe(cookie)),
            _ => None, // a new session: nobody else can hold it yet
        }
    });
    let _turn = match stripe {
        Some(stripe) => Some(stripe.lock().await),
        None => None,
    };
    next.call(req).await
}
