//! The inspector panel of every counter page: what the browser sent, and on session pages what the
//! server keeps. It reads only what the request already loaded: no extra database query.

use std::collections::BTreeMap;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key};
use serde::Serialize;

use super::response_cookies::SessionCookieParts;
use super::{SHOWN_KEY_CHARS, SHOWN_VALUE_CHARS, Storage, format_time, shorten};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::sessions::{SESSION_COOKIE, SessionInfo};
use crate::visits::Visits;
use crate::visits::cookies::{LAST_VISIT, NOTICE_DISMISSED, TEST_COOKIE, VISITS};
use crate::visits::session::TypedSession;
use crate::web::request_cookies::{CookieLookup, RequestCookies};

#[derive(Debug, Serialize)]
pub struct SentCookie {
    pub name: String,
    pub value: String,
    /// What the cookie is to this page (a message key): a counter, the session, a preference…
    pub role: &'static str,
}

/// Every cookie of the request, in the order sent. Tera escapes them when rendering. A session
/// cookie that carries a key is cut like the key: past its signature the value *is* the key.
pub fn sent_cookies(
    cookies: &RequestCookies,
    session: &SessionInfo,
    storage: Storage,
) -> Vec<SentCookie> {
    cookies
        .iter()
        .map(|(name, value)| {
            let carries_key = name == SESSION_COOKIE && !session.in_cookie();
            let shown = if carries_key {
                SHOWN_KEY_CHARS
            } else {
                SHOWN_VALUE_CHARS
            };
            SentCookie {
                name: shorten(name, SHOWN_VALUE_CHARS),
                value: shorten(value, shown),
                role: cookie_role(name, storage),
            }
        })
        .collect()
}

/// The message that says what cookie `name` is to a page of `storage`.
fn cookie_role(name: &str, storage: Storage) -> &'static str {
    let cookie_page = matches!(storage, Storage::Cookie);
    match name {
        LANG_COOKIE => "cookie-role-preference",
        SESSION_COOKIE => "cookie-role-session",
        VISITS | LAST_VISIT if cookie_page => "cookie-role-counter",
        TEST_COOKIE if cookie_page => "cookie-role-test",
        NOTICE_DISMISSED if cookie_page => "cookie-role-dismissed",
        VISITS | LAST_VISIT | TEST_COOKIE | NOTICE_DISMISSED => "cookie-role-cookie-page",
        _ => "cookie-role-other",
    }
}

#[derive(Debug, Serialize)]
pub struct ServerSideView {
    backend: String,
    /// The first characters of the key the browser presented, when it found a session.
    key_prefix: Option<String>,
    /// The `sessionid` the browser sent, cut into its signature and its key (or data).
    sent_parts: Option<SessionCookieParts>,
    /// True for the signed-cookie backend, whose cookie holds the data itself.
    in_cookie: bool,
    /// The session data as it stands after this request, pretty JSON.
    data: String,
    /// When the session expires after this response, if this response writes it.
    expires: Option<String>,
}

/// What the browser presented to a session page, read once for its inspector and its diagram.
pub struct Presented {
    pub cookies: RequestCookies,
    pub lang: Lang,
    /// The first characters of the session key inside a correctly signed `sessionid` (all a
    /// page shows of it); never with the signed-cookie backend, whose cookie holds the data.
    pub shown_key: Option<String>,
}

impl Presented {
    pub fn read(req: &HttpRequest, info: &SessionInfo) -> Self {
        let cookies = RequestCookies::from_request(req);
        let shown_key = if info.in_cookie() {
            None
        } else {
            presented_key(&cookies, &info.signing_key).map(|key| shorten(&key, SHOWN_KEY_CHARS))
        };
        Self {
            lang: Lang::negotiate(req).0,
            shown_key,
            cookies,
        }
    }
}

/// What the server keeps for this visitor once the response is sent.
pub fn stored_session(
    session: &TypedSession,
    presented: &Presented,
    arrived_with_data: bool,
    info: &SessionInfo,
    visits: &Visits,
) -> ServerSideView {
    let in_cookie = info.in_cookie();
    let key_prefix = presented.shown_key.clone().filter(|_| arrived_with_data);
    let written = session.is_changed() || info.save_every_request;
    ServerSideView {
        backend: info.backend_label.in_words(presented.lang),
        key_prefix,
        sent_parts: sent_session_parts(&presented.cookies, in_cookie),
        in_cookie,
        data: pretty_json(&session.entries()),
        expires: written.then(|| format_time(visits.now() + info.age)),
    }
}

/// The `sessionid` the browser sent, decoded and cut in two, whether or not its signature holds.
fn sent_session_parts(cookies: &RequestCookies, holds_data: bool) -> Option<SessionCookieParts> {
    let CookieLookup::Unique(raw) = cookies.lookup(SESSION_COOKIE) else {
        return None;
    };
    let cookie = Cookie::parse_encoded(format!("{SESSION_COOKIE}={raw}")).ok()?;
    SessionCookieParts::split(cookie.value(), holds_data)
}

/// The session key inside a correctly signed `sessionid` cookie.
pub fn presented_key(cookies: &RequestCookies, signing_key: &Key) -> Option<String> {
    let CookieLookup::Unique(raw) = cookies.lookup(SESSION_COOKIE) else {
        return None;
    };
    let cookie = Cookie::parse_encoded(format!("{SESSION_COOKIE}={raw}")).ok()?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie.into_owned());
    let verified = jar.signed(signing_key).get(SESSION_COOKIE)?;
    Some(verified.value().to_owned())
}

/// actix-session keeps each value as JSON text: show them as one JSON object, keys sorted, as the
/// store keeps them.
fn pretty_json(entries: &std::collections::HashMap<String, String>) -> String {
    let object: BTreeMap<&str, serde_json::Value> = entries
        .iter()
        .map(|(key, json)| {
            let value = serde_json::from_str(json).unwrap_or_else(|_| json.as_str().into());
            (key.as_str(), value)
        })
        .collect();
    serde_json::to_string_pretty(&object).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever a client sends as `sessionid`, reading it never panics and yields a key only
        /// when the signature holds.
        #[test]
        fn any_session_cookie_is_read_without_panicking(value in "[ -~]{0,200}") {
            use actix_web::http::header::{COOKIE, HeaderValue};
            let header = format!("{SESSION_COOKIE}={value}");
            let Ok(header) = HeaderValue::from_str(&header) else { return Ok(()) };
            let req = actix_web::test::TestRequest::default()
                .insert_header((COOKIE, header))
                .to_http_request();
            let key = Key::generate();
            let cookies = RequestCookies::from_request(&req);
            proptest::prop_assert_eq!(presented_key(&cookies, &key), None);
        }
    }

    #[test]
    fn a_correctly_signed_session_cookie_yields_its_key() {
        use actix_web::http::header::{COOKIE, HeaderValue};
        let key = Key::generate();
        let mut jar = CookieJar::new();
        jar.signed_mut(&key)
            .add(Cookie::new(SESSION_COOKIE, "k".repeat(64)));
        let signed = jar.delta().next().unwrap().encoded().to_string();
        let req = actix_web::test::TestRequest::default()
            .insert_header((COOKIE, HeaderValue::from_str(&signed).unwrap()))
            .to_http_request();
        let cookies = RequestCookies::from_request(&req);
        assert_eq!(presented_key(&cookies, &key), Some("k".repeat(64)));
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("abc", 8), "abc");
        assert_eq!(shorten("abcdefghij", 8), "abcdefgh…");
        assert_eq!(shorten("ééééééééé", 8), "éééééééé…");
    }

    #[test]
    fn stored_values_show_as_one_json_object() {
        let entries = [
            ("visits".to_owned(), "3".to_owned()),
            (
                "last_visit".to_owned(),
                "\"2026-03-01T09:30:00Z\"".to_owned(),
            ),
        ]
        .into();
        assert_eq!(
            pretty_json(&entries),
            "{\n  \"last_visit\": \"2026-03-01T09:30:00Z\",\n  \"visits\": 3\n}"
        );
    }
}
