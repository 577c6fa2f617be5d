//! What every handler shares: templates, the clock and the visit settings.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::clock::Clock;
use crate::config::SessionBackendKind;
use crate::templates::Templates;
use crate::visit_rule::{VisitRecord, record_visit};

pub struct AppState {
    pub templates: Templates,
    pub clock: Arc<dyn Clock>,
    pub visit_period: TimeDelta,
    /// Max-Age of the counter cookies, in seconds.
    pub cookie_age: u32,
    /// Where session pages say their data lives.
    pub session_backend: SessionBackendKind,
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
