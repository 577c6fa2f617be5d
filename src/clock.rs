//! Time comes from an injected clock, shared by the visit rule and the session store, so tests
//! move it without sleeping.

use chrono::{DateTime, SubsecRound, Utc};

pub use actix_session_diesel::Clock;

/// The wall clock, truncated to whole seconds: `last_visit` is shown and stored at that precision,
/// and the rule must compare the same instants the visitor sees.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }
}
