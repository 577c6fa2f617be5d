//! The cookie storage of the visit rule: the record lives in the client's cookies `visits` and
//! `last_visit`, which the visitor can read and change (the point of this half of the site), plus
//! the test cookie of Django's `set_test_cookie` and the flag of the page's dismissed notice.

use actix_web::cookie::{Cookie, CookieBuilder, SameSite, time::Duration};
use chrono::{DateTime, Utc};

use super::VisitRecord;
use crate::views::{format_time, shorten};
use crate::web::request_cookies::{CookieLookup, RequestCookies};

pub const VISITS: &str = "visits";
pub const LAST_VISIT: &str = "last_visit";
pub const TEST_COOKIE: &str = "testcookie";
const TEST_COOKIE_VALUE: &str = "worked";
/// Set when the visitor dismisses the cookie page's notice (the Tango chapter's first example of
/// what a cookie is for).
pub const NOTICE_DISMISSED: &str = "notice_dismissed";
const NOTICE_DISMISSED_VALUE: &str = "1";

/// How long the counter cookies last, in seconds (`--cookie-age`).
pub struct CookieAge(pub u32);

/// The previous visit as the cookies tell it, or `None` for a new visitor. Any value we did not
/// write ourselves (not a count, not a time, sent twice) makes the visitor new again, with a warning.
pub fn read_visit_record(cookies: &RequestCookies) -> Option<VisitRecord> {
    let visits = cookies.lookup(VISITS);
    let last_visit = cookies.lookup(LAST_VISIT);
    if (visits, last_visit) == (CookieLookup::Missing, CookieLookup::Missing) {
        return None;
    }
    let record = match (visits, last_visit) {
        (CookieLookup::Unique(visits), CookieLookup::Unique(last_visit)) => {
            parse_visits(visits).zip(parse_last_visit(last_visit))
        }
        _ => None,
    }
    .map(|(visits, last_visit)| VisitRecord { visits, last_visit });
    if record.is_none() {
        tracing::warn!(
            visits = %for_log(visits),
            last_visit = %for_log(last_visit),
            "ignoring visit cookies that do not parse; counting as a new visitor"
        );
    }
    record
}

/// A decimal count that fits: digits only, so `-3`, `+3`, `1e9` and the empty string are refused.
fn parse_visits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An RFC 3339 time in any offset, kept only if its UTC form is one this site can write back:
/// "0000-01-01T00:00:00+01:00" is in the year -1 in UTC, which RFC 3339 cannot spell.
fn parse_last_visit(text: &str) -> Option<DateTime<Utc>> {
    use chrono::Datelike as _;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
        .filter(|time| (1..=9999).contains(&time.year()))
}

/// Both counter cookies for `record`, each with a fresh Max-Age.
pub fn visit_cookies(record: &VisitRecord, age: &CookieAge) -> [Cookie<'static>; 2] {
    let max_age = Duration::seconds(age.0.into());
    [
        (VISITS, record.visits.to_string()),
        (LAST_VISIT, format_time(record.last_visit)),
    ]
    .map(|(name, value)| site_cookie(name, value).max_age(max_age).finish())
}

/// Django's test cookie: set on a first visit, it proves cookies work when it comes back.
pub fn test_cookie() -> Cookie<'static> {
    site_cookie(TEST_COOKIE, TEST_COOKIE_VALUE.into()).finish()
}

/// Django's `test_cookie_worked`: the test cookie came back, unaltered.
pub fn test_cookie_came_back(cookies: &RequestCookies) -> bool {
    cookies.lookup(TEST_COOKIE) == CookieLookup::Unique(TEST_COOKIE_VALUE)
}

/// The cookie that remembers the dismissed notice, as long as the counter's.
pub fn dismissal_cookie(age: &CookieAge) -> Cookie<'static> {
    site_cookie(NOTICE_DISMISSED, NOTICE_DISMISSED_VALUE.into())
        .max_age(Duration::seconds(age.0.into()))
        .finish()
}

/// The visitor dismissed the notice: the flag came back as we set it.
pub fn notice_dismissed(cookies: &RequestCookies) -> bool {
    cookies.lookup(NOTICE_DISMISSED) == CookieLookup::Unique(NOTICE_DISMISSED_VALUE)
}

/// Every cookie the cookie page sets, for "forget me".
pub const OUR_COOKIES: [&str; 4] = [VISITS, LAST_VISIT, TEST_COOKIE, NOTICE_DISMISSED];

/// True once the browser has sent back any cookie of ours: it evidently keeps them.
pub fn keeps_our_cookies(cookies: &RequestCookies) -> bool {
    OUR_COOKIES.iter().any(|name| cookies.contains(name))
}

/// Our cookies are site-wide and not HttpOnly: the page is about the client seeing and editing them.
fn site_cookie(name: &'static str, value: String) -> CookieBuilder<'static> {
    Cookie::build(name, value)
        .path("/")
        .same_site(SameSite::Lax)
}

/// An instruction to the browser to drop our cookie `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = site_cookie(name, String::new()).finish();
    cookie.make_removal();
    cookie
}

/// A cookie as the warning shows it: at most a short prefix of a hostile value (it may be
/// kilobytes long).
fn for_log(lookup: CookieLookup<'_>) -> String {
    match lookup {
        CookieLookup::Missing => "(missing)".to_owned(),
        CookieLookup::Duplicated => "(sent more than once)".to_owned(),
        CookieLookup::Unique(value) => format!("{:?}", shorten(value, 40)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_decimal_counts_parse() {
        assert_eq!(parse_visits("0"), Some(0));
        assert_eq!(parse_visits("42"), Some(42));
        assert_eq!(parse_visits("007"), Some(7));
        for bad in [
            "",
            "abc",
            "-3",
            "+3",
            "1e9",
            " 4",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_visits(bad), None, "{bad:?}");
        }
        assert_eq!(parse_visits(&"9".repeat(8192)), None);
    }

    proptest::proptest! {
        /// Whatever a client sends, parsing answers and never panics; what parses is a plain
        /// decimal that round-trips.
        #[test]
        fn any_visits_text_parses_or_is_refused(text in "\\PC{0,40}|[0-9]{0,25}") {
            if let Some(visits) = parse_visits(&text) {
                proptest::prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
                proptest::prop_assert_eq!(text.parse::<u128>().ok(), Some(u128::from(visits)));
            }
        }

        /// A `last_visit` that parses is one the site can write back and read again.
        #[test]
        fn any_last_visit_text_parses_or_is_refused(text in "\\PC{0,40}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})") {
            if let Some(time) = parse_last_visit(&text) {
                proptest::prop_assert_eq!(parse_last_visit(&format_time(time)), Some(time));
            }
        }
    }

    proptest::proptest! {
        /// Whatever record the rule writes, with any period the settings allow and any
        /// `last_visit` a client can send, the next request reads it back unchanged.
        #[test]
        fn every_written_record_reads_back(
            last in -62_135_596_800i64..253_402_300_799, // 0001-01-01 to 9999-12-31
            visits in proptest::prelude::any::<u32>(),
            period_days in 0i64..=36_525,
        ) {
            let now: DateTime<Utc> = "2026-03-01T09:30:00Z".parse().unwrap();
            let previous = VisitRecord {
                visits,
                last_visit: DateTime::from_timestamp(last, 0).unwrap(),
            };
            let period = chrono::TimeDelta::days(period_days);
            let record = crate::visits::rule::record_visit(Some(previous), now, period);
            let written = format_time(record.last_visit);
            proptest::prop_assert_eq!(parse_last_visit(&written), Some(record.last_visit));
        }
    }

    #[test]
    fn last_visit_parses_rfc3339_in_any_offset() {
        assert_eq!(
            parse_last_visit("2026-01-01T02:00:00+02:00"),
            Some("2026-01-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_last_visit("2026-01-01 00:00:00.123456"), None);
        // The year -1 in UTC: it would be written back as a time RFC 3339 cannot spell.
        assert_eq!(parse_last_visit("0000-01-01T00:00:00+01:00"), None);
    }
}
