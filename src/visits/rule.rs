//! The once-per-period visit rule of the Rango chapter, as one pure function.
//!
//! Both storages (client cookies and server-side sessions) are thin adapters around [`record_visit`]:
//! they read the previous state, call it with the injected clock's `now`, and write the result back.

use chrono::{DateTime, TimeDelta, Utc};

/// What either storage remembers about a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitRecord {
    pub visits: u32,
    pub last_visit: DateTime<Utc>,
}

/// Applies the rule: a first visit counts 1; later, the count goes up only once `period` has passed
/// since the last counted visit. A `last_visit` in the future is treated as `now`, so a client that
/// moves its clock (or edits its cookie) cannot freeze or fast-forward the counter.
pub fn record_visit(
    previous: Option<VisitRecord>,
    now: DateTime<Utc>,
    period: TimeDelta,
) -> VisitRecord {
    let Some(previous) = previous else {
        return VisitRecord {
            visits: 1,
            last_visit: now,
        };
    };
    let last_visit = previous.last_visit.min(now);
    if now.signed_duration_since(last_visit) >= period {
        VisitRecord {
            visits: previous.visits.saturating_add(1),
            last_visit: now,
        }
    } else {
        VisitRecord {
            visits: previous.visits,
            last_visit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        rfc3339.parse().unwrap()
    }

    const DAY: TimeDelta = TimeDelta::days(1);

    #[test]
    fn first_visit_counts_one() {
        let now = at("2026-01-01T12:00:00Z");
        assert_eq!(
            record_visit(None, now, DAY),
            VisitRecord {
                visits: 1,
                last_visit: now
            }
        );
    }

    #[test]
    fn revisit_within_the_period_changes_nothing() {
        let previous = VisitRecord {
            visits: 4,
            last_visit: at("2026-01-01T12:00:00Z"),
        };
        let now = at("2026-01-02T11:59:59Z");
        assert_eq!(record_visit(Some(previous), now, DAY), previous);
    }

    #[test]
    fn revisit_once_the_period_has_passed_counts_and_moves_last_visit() {
        let previous = VisitRecord {
            visits: 4,
            last_visit: at("2026-01-01T12:00:00Z"),
        };
        let now = at("2026-01-02T12:00:00Z");
        assert_eq!(
            record_visit(Some(previous), now, DAY),
            VisitRecord {
                visits: 5,
                last_visit: now
            }
        );
    }

    #[test]
    fn future_last_visit_is_treated_as_now() {
        let now = at("2026-01-01T12:00:00Z");
        let previous = VisitRecord {
            visits: 7,
            last_visit: at("2099-01-01T00:00:00Z"),
        };
        assert_eq!(
            record_visit(Some(previous), now, DAY),
            VisitRecord {
                visits: 7,
                last_visit: now
            }
        );
    }

    #[test]
    fn count_saturates_instead_of_overflowing() {
        let previous = VisitRecord {
            visits: u32::MAX,
            last_visit: DateTime::<Utc>::MIN_UTC,
        };
        let next = record_visit(Some(previous), DateTime::<Utc>::MAX_UTC, TimeDelta::zero());
        assert_eq!(next.visits, u32::MAX);
    }

    fn any_time() -> impl proptest::strategy::Strategy<Value = DateTime<Utc>> {
        let (min, max) = (
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        (min..=max).prop_map(|seconds| DateTime::from_timestamp(seconds, 0).unwrap())
    }

    use proptest::prelude::*;

    proptest! {
        /// Over the whole range chrono can represent, the rule never panics, never counts more
        /// than one visit at a time, and never moves `last_visit` past `now`.
        #[test]
        fn the_rule_holds_for_any_times(
            visits in any::<u32>(),
            last_visit in any_time(),
            now in any_time(),
            period_seconds in any::<i64>(),
        ) {
            let period = TimeDelta::try_seconds(period_seconds / 1000).unwrap_or(TimeDelta::MAX);
            let previous = VisitRecord { visits, last_visit };
            let next = record_visit(Some(previous), now, period);
            prop_assert!(next.visits == visits || next.visits == visits.saturating_add(1));
            prop_assert!(next.last_visit <= now);
            if next.visits != visits {
                prop_assert_eq!(next.last_visit, now);
            }
        }
    }

    #[test]
    fn extreme_times_and_periods_do_not_panic() {
        let extremes = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC];
        for last_visit in extremes {
            for now in extremes {
                for period in [TimeDelta::zero(), TimeDelta::MAX, TimeDelta::MIN] {
                    let previous = VisitRecord {
                        visits: 1,
                        last_visit,
                    };
                    record_visit(Some(previous), now, period);
                }
            }
        }
    }
}
