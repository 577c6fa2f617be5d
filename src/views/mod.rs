//! What each page shows, as typed contexts: a template reads nothing a handler did not put in one
//! of these structs.

pub mod inspector;

use chrono::SecondsFormat;
use serde::Serialize;

use crate::config::SessionBackendKind;
use crate::visits::VisitRecord;
use crate::web::request_cookies::RequestCookies;
use inspector::{SentCookie, ServerSideView};

/// Which storage a counter page demonstrates; templates use it for titles and links.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    Cookie,
    Session,
}

/// What the about page learned about the browser's cookie support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CookieCheck {
    /// The test cookie came back just now (and has been removed).
    JustConfirmed,
    /// The browser sent cookies earlier in this visit, so it evidently keeps them.
    AlreadyKnown,
    /// The request carried no cookie at all.
    LooksBlocked,
}

impl CookieCheck {
    /// Judges the browser from whether the test cookie came back and what else it sent, and logs
    /// the verdict (Django's `test_cookie_worked` prints "TEST COOKIE WORKED!").
    pub fn judge(test_cookie_came_back: bool, cookies: &RequestCookies) -> Self {
        let check = if test_cookie_came_back {
            Self::JustConfirmed
        } else if cookies.is_empty() {
            Self::LooksBlocked
        } else {
            Self::AlreadyKnown
        };
        check.log();
        check
    }

    fn log(self) {
        match self {
            Self::JustConfirmed => tracing::info!("TEST COOKIE WORKED!"),
            Self::LooksBlocked => tracing::warn!("no cookie came back: cookies look blocked"),
            Self::AlreadyKnown => {}
        }
    }
}

/// `text` cut after `chars` characters, with an ellipsis when cut.
pub fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars).collect();
    short.push('…');
    short
}

/// The `last_visit` text as cookies hold it and pages show it: RFC 3339 UTC, whole seconds.
pub fn format_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A period in words, in its largest whole unit: "1 day", "36 hours", "10 seconds".
pub fn describe_period(period: chrono::TimeDelta) -> String {
    let seconds = period.num_seconds();
    let (count, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds >= *size && seconds % size == 0)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// The counter and about pages of either storage (`counter.html`, `about.html`).
#[derive(Debug, Serialize)]
pub struct CounterPage {
    pub storage: Storage,
    pub visits: u32,
    /// RFC 3339 UTC, as the cookie holds it.
    pub last_visit: String,
    /// In words: "1 day".
    pub visit_period: String,
    /// What the browser sent, for the inspector.
    pub sent_cookies: Vec<SentCookie>,
    /// Session pages: which backend, and what the server keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<SessionBackendKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<ServerSideView>,
    /// MDN's counter of every view (the session index page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_visits: Option<u32>,
    /// The about pages' verdict on the test cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_check: Option<CookieCheck>,
}

impl CounterPage {
    /// A page of `storage` showing `record`, with the cookies the browser sent.
    pub fn new(
        storage: Storage,
        record: &VisitRecord,
        period: chrono::TimeDelta,
        sent_cookies: Vec<SentCookie>,
    ) -> Self {
        Self {
            storage,
            visits: record.visits,
            last_visit: format_time(record.last_visit),
            visit_period: describe_period(period),
            sent_cookies,
            backend: None,
            stored: None,
            num_visits: None,
            cookie_check: None,
        }
    }
}

/// The home page: both counters as they stand, read without counting.
#[derive(Debug, Serialize)]
pub struct HomePage {
    /// Marks the page for the navigation (`aria-current`).
    pub home: bool,
    pub cookie_visits: Option<u32>,
    pub session_visits: Option<u32>,
    pub num_visits: u32,
    /// Where session data lives, in words.
    pub backend: String,
    /// True with the signed-cookie backend: the data is in the cookie itself.
    pub in_cookie: bool,
    /// The counter cookies' Max-Age and the session's lifetime, in words ("14 days").
    pub cookie_age: String,
    pub session_age: String,
    /// `--session-expire-at-browser-close`.
    pub until_browser_close: bool,
}

/// `error.html`.
#[derive(Debug, Serialize)]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// `hello.html` shows nothing of the visitor.
#[derive(Debug, Serialize)]
pub struct EmptyPage {}

#[cfg(test)]
mod tests {
    use super::describe_period;
    use chrono::TimeDelta;

    #[test]
    fn periods_read_as_words() {
        assert_eq!(describe_period(TimeDelta::days(1)), "1 day");
        assert_eq!(describe_period(TimeDelta::hours(36)), "36 hours");
        assert_eq!(describe_period(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(describe_period(TimeDelta::seconds(10)), "10 seconds");
        assert_eq!(describe_period(TimeDelta::seconds(61)), "61 seconds");
        assert_eq!(describe_period(TimeDelta::zero()), "0 seconds");
    }
}
