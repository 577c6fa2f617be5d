//! Expiry and purges read the time from a [`Clock`], so that tests move time instead of sleeping.

use chrono::{DateTime, Utc};

/// Where the store reads the current time. Give the store the same clock as the rest of your app
/// (see [`StoreBuilder::clock`](crate::StoreBuilder::clock)), and a test can expire sessions by
/// moving it.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
