//! What every handler shares: templates, the clock and the visit settings.

use std::sync::Arc;

use chrono::TimeDelta;

use actix_web::cookie::Key;

use crate::clock::Clock;
use crate::config::SessionBackendKind;
use crate::middleware::SessionLocks;
use crate::templates::Templates;
use crate::visit_rule::{VisitRecord, record_visit};

pub struct AppState {
    pub templates: Templates,
    pub clock: Arc<dyn Clock>,
    pub visit_period: TimeDelta,
    /// Max-Age of the counter cookies, in seconds.
    pub cookie_age: u32,
    pub session: SessionPageSettings,
    /// Serialises the requests of each session (see `middleware::one_request_per_session`).
    pub session_locks: SessionLocks,
}

/// What session pages tell the visitor about their session.
pub struct SessionPageSettings {
    pub backend: SessionBackendKind,
    /// Where the data lives, in words: "db (SQLite)", "cached-db (PostgreSQL + Redis cache)", …
    pub backend_label: String,
    /// Verifies the `sessionid` the browser presents, to show a prefix of its key.
    pub signing_key: Key,
    pub save_every_request: bool,
    pub age: TimeDelta,
}

impl SessionPageSettings {
    /// True when the cookie holds the data itself (the signed-cookie backend).
    pub fn in_cookie(&self) -> bool {
        self.backend == SessionBackendKind::SignedCookie
    }
}

impl AppState {
    /// The visit rule applied at the clock's current time.
    pub fn record_visit(&self, previous: Option<VisitRecord>) -> VisitRecord {
        let now = self.clock.now();
        if let Some(previous) = previous.filter(|p| p.last_visit > now) {
            tracing::warn!(
                last_visit = %previous.last_visit,
                "the last visit lies in the future; treating it as now"
            );
        }
        record_visit(previous, now, self.visit_period)
    }
}
