//! One file per module of the site; this file holds what their pages share.

pub mod cookie_counter;
pub mod home;
pub mod inspector;
pub mod session_counter;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::SecondsFormat;
use serde::Serialize;
use tera::Context;

use crate::request_cookies::RequestCookies;
use crate::state::AppState;
use crate::templates::RenderError;
use crate::visit_rule::VisitRecord;

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

/// The context every counter and about page renders from, with the cookies the browser sent.
pub fn visit_context(
    storage: Storage,
    record: &VisitRecord,
    cookies: &RequestCookies,
    state: &AppState,
) -> Context {
    let mut context = Context::new();
    context.insert("sent_cookies", &inspector::sent_cookies(cookies, state));
    context.insert("storage", &storage);
    context.insert("visits", &record.visits);
    context.insert("last_visit", &format_time(record.last_visit));
    context.insert("visit_period", &describe_period(state.visit_period));
    context
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

/// Any path we do not serve.
pub async fn not_found(state: web::Data<AppState>) -> Result<HttpResponse, RenderError> {
    let mut context = Context::new();
    context.insert("title", "Page not found");
    context.insert("message", "There is no page at this address.");
    state
        .templates
        .page(StatusCode::NOT_FOUND, "error.html", &context)
}

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
