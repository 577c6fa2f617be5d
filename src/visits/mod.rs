//! The once-per-period visit rule and its two storages: the rule is one pure function
//! ([`rule::record_visit`]); [`cookies`] keeps its record in client cookies, [`session`] in the
//! server-side session.

pub mod cookies;
pub mod rule;
pub mod session;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::Clock;
pub use rule::VisitRecord;

/// The rule as the site applies it: the injected clock and the configured period.
pub struct Visits {
    pub clock: Arc<dyn Clock>,
    pub period: TimeDelta,
}

impl Visits {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The visit rule applied at the clock's current time.
    pub fn record(&self, previous: Option<VisitRecord>) -> VisitRecord {
        let now = self.now();
        if let Some(previous) = previous.filter(|p| p.last_visit > now) {
            tracing::warn!(
                last_visit = %previous.last_visit,
                "the last visit lies in the future; treating it as now"
            );
        }
        rule::record_visit(previous, now, self.period)
    }
}
