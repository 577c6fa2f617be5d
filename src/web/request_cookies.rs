//! The cookies a request carried, read one pair at a time.
//!
//! actix-web's `HttpRequest::cookies()` drops the whole jar when one pair is malformed or the header
//! holds a non-UTF-8 byte. A visitor with one odd cookie would then lose all of them, so we parse
//! each pair on its own and let only the bad one fail validation.

use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{COOKIE, HeaderValue};
use actix_web::middleware::Next;
use cookie::Cookie;

#[derive(Debug, Default)]
pub struct RequestCookies {
    pairs: Vec<(String, String)>,
}

/// What a request says about one cookie name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieLookup<'a> {
    Missing,
    Unique(&'a str),
    /// Sent more than once (e.g. set under two paths): we cannot know which value is current.
    Duplicated,
}

impl RequestCookies {
    pub fn from_request(req: &HttpRequest) -> Self {
        let pairs = req
            .headers()
            .get_all(COOKIE)
            .flat_map(|header| {
                // Invalid bytes become U+FFFD, which then fails the value's own validation.
                let text = String::from_utf8_lossy(header.as_bytes()).into_owned();
                Cookie::split_parse(text)
                    .filter_map(Result::ok)
                    .map(|c| (c.name().to_owned(), c.value().to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        Self { pairs }
    }

    /// True when the request carried no cookie at all.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    pub fn lookup(&self, name: &str) -> CookieLookup<'_> {
        let mut values = self.pairs.iter().filter(|(n, _)| n == name);
        match (values.next(), values.next()) {
            (None, _) => CookieLookup::Missing,
            (Some((_, value)), None) => CookieLookup::Unique(value),
            (Some(_), Some(_)) => CookieLookup::Duplicated,
        }
    }

    /// Every pair in the order the browser sent them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Drops, from the `Cookie` header, the pairs that are not visible ASCII, before actix-web reads
/// it: one such byte (another site's `theme=café` on the same host, say) makes actix-web refuse
/// the whole header, and actix-session would then miss `sessionid` and start a new session on
/// every request. The visitor keeps every other cookie; the log says which ones were dropped.
pub async fn drop_unreadable_cookies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let readable = |header: &HeaderValue| header.to_str().is_ok();
    if !req.headers().get_all(COOKIE).all(readable) {
        let mut dropped = Vec::new();
        let kept: Vec<String> = req
            .headers()
            .get_all(COOKIE)
            .flat_map(|header| header.as_bytes().split(|&b| b == b';'))
            .filter_map(|pair| {
                let visible = pair.iter().all(|&b| b == b' ' || b.is_ascii_graphic());
                let text = String::from_utf8_lossy(pair).trim().to_owned();
                if visible {
                    Some(text).filter(|text| !text.is_empty())
                } else {
                    dropped.push(text.split('=').next().unwrap_or_default().to_owned());
                    None
                }
            })
            .collect();
        tracing::warn!(?dropped, "ignoring cookies that are not ASCII text");
        let headers = req.headers_mut();
        headers.remove(COOKIE);
        if let Ok(cleaned) = HeaderValue::from_str(&kept.join("; ")) {
            headers.insert(COOKIE, cleaned);
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn cookies(header: &[u8]) -> RequestCookies {
        let req = TestRequest::default()
            .insert_header((COOKIE, HeaderValue::from_bytes(header).unwrap()))
            .to_http_request();
        RequestCookies::from_request(&req)
    }

    #[test]
    fn a_malformed_pair_does_not_hide_the_others() {
        let jar = cookies(b"junk; visits=3; last_visit=2026-01-01T00:00:00Z");
        assert_eq!(jar.lookup("visits"), CookieLookup::Unique("3"));
        assert_eq!(
            jar.lookup("last_visit"),
            CookieLookup::Unique("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn non_utf8_bytes_spoil_only_their_own_value() {
        let jar = cookies(b"visits=\xff\xfe; other=ok");
        assert!(matches!(jar.lookup("visits"), CookieLookup::Unique(v) if v.contains('\u{FFFD}')));
        assert_eq!(jar.lookup("other"), CookieLookup::Unique("ok"));
    }

    proptest::proptest! {
        /// Any bytes a client can put in a `Cookie` header are read without panicking, and every
        /// pair read back is one that was sent.
        #[test]
        fn any_cookie_header_is_read_without_panicking(
            header in proptest::collection::vec(0x20u8..=0xff, 0..300),
        ) {
            if let Ok(value) = HeaderValue::from_bytes(&header) {
                let jar = cookies(value.as_bytes());
                let text = String::from_utf8_lossy(&header);
                for (name, value) in jar.iter() {
                    proptest::prop_assert!(text.contains(name) && text.contains(value));
                }
            }
        }
    }

    #[test]
    fn duplicates_are_reported() {
        let jar = cookies(b"visits=1; visits=2");
        assert_eq!(jar.lookup("visits"), CookieLookup::Duplicated);
        assert_eq!(jar.lookup("nope"), CookieLookup::Missing);
        assert!(!jar.is_empty());
        assert!(RequestCookies::from_request(&TestRequest::default().to_http_request()).is_empty());
    }
}
