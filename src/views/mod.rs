//! What each page shows, as typed contexts: a template reads nothing a handler did not put in one
//! of these structs.

pub mod inspector;
pub mod response_cookies;
pub mod sequence;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::SessionBackendKind;
use crate::i18n::Lang;
use crate::visits::{VisitRecord, Visits};
use crate::web::request_cookies::RequestCookies;
use inspector::{SentCookie, ServerSideView};
use response_cookies::{SetCookieView, set_cookie_views};
use sequence::{Exchange, SequenceDiagram};

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

/// Longer cookie values are cut on the pages: a signed session cookie or a hostile value can be
/// kilobytes long.
pub const SHOWN_VALUE_CHARS: usize = 60;
/// Of a session key, only this many characters appear on a page: the whole key would let anyone
/// reading over the visitor's shoulder (or a screenshot) take over the session.
pub const SHOWN_KEY_CHARS: usize = 8;

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

/// The counter and about pages of either storage (`counter.html`, `about.html`).
#[derive(Debug, Serialize)]
pub struct CounterPage {
    pub storage: Storage,
    pub visits: u32,
    /// RFC 3339 UTC, as the cookie holds it.
    pub last_visit: String,
    /// In words: "1 day".
    pub visit_period: String,
    /// When a visit counts again.
    pub next_visit: NextVisit,
    /// The visitor dismissed this page's notice (a cookie, or the session, remembers it).
    pub notice_dismissed: bool,
    /// This response's `Set-Cookie` headers, known once every middleware has run.
    pub response_cookies: Vec<SetCookieView>,
    /// This request and its answer drawn as an `<svg>` element (escaped HTML), made with the
    /// response cookies. Left out while absent: the template tests `is defined`, because Tera 1
    /// escaped all of it to test its truth (measured: 13 µs, a seventh of the page's render).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<String>,
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
        visits: &Visits,
        lang: Lang,
        sent_cookies: Vec<SentCookie>,
    ) -> Self {
        Self {
            storage,
            visits: record.visits,
            last_visit: format_time(record.last_visit),
            visit_period: lang.describe_period(visits.period),
            next_visit: NextVisit::after(record, visits, lang),
            notice_dismissed: false,
            response_cookies: Vec::new(),
            sequence: None,
            sent_cookies,
            backend: None,
            stored: None,
            num_visits: None,
            cookie_check: None,
        }
    }
}

impl CounterPage {
    /// Adds this response's `Set-Cookie` headers, and the diagram of the whole exchange.
    pub fn show_response(&mut self, set_cookies: &[String], exchange: &Exchange, lang: Lang) {
        self.response_cookies = set_cookie_views(set_cookies, exchange.session_holds_data, lang);
        let shown: Vec<String> = (self.response_cookies.iter())
            .map(|cookie| cookie.header.clone())
            .collect();
        self.sequence = Some(SequenceDiagram::draw(exchange, &shown, lang).svg());
    }

    /// The request as the diagram starts it: its line, and the cookies as the inspector shows them.
    pub fn exchange(&self, req: &actix_web::HttpRequest) -> Exchange {
        Exchange {
            request_line: format!("{} {}", req.method(), req.path()),
            sent: (self.sent_cookies.iter())
                .map(|cookie| format!("{}={}", cookie.name, cookie.value))
                .collect(),
            store: None,
            no_store_note: None,
            session_holds_data: false,
        }
    }
}

/// When the next visit counts: the visit period after the last counted one.
#[derive(Debug, Serialize)]
pub struct NextVisit {
    /// RFC 3339 UTC, for `<time datetime>` and the countdown script.
    pub at: String,
    /// The same instant for readers without the script: "2026-03-02 09:30:00 UTC".
    pub at_text: String,
    /// Time left in words, as of this response: "23 hours 59 minutes".
    pub left: String,
    /// The period has already passed (a zero period): the next reload counts.
    pub due: bool,
}

impl NextVisit {
    fn after(record: &VisitRecord, visits: &Visits, lang: Lang) -> Self {
        let at = (record.last_visit.checked_add_signed(visits.period))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let left = at.signed_duration_since(visits.now());
        Self {
            at: format_time(at),
            at_text: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            left: lang.describe_remaining(left),
            due: left <= chrono::TimeDelta::zero(),
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

/// `error.html`: the messages (Fluent keys) of its title and its explanation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: &'static str,
}

impl ErrorPage {
    /// The page of these two messages.
    pub const fn named(title: &'static str, message: &'static str) -> Self {
        Self { title, message }
    }
}

/// `hello.html` shows nothing of the visitor.
#[derive(Debug, Serialize)]
pub struct EmptyPage {}
