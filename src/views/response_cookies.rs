//! The inspector's "Your browser was told" panel: every `Set-Cookie` header of this response,
//! read from the response itself once every middleware has set its cookies (see
//! `web::deferred_page`), each attribute with what it tells the browser.

use actix_web::cookie::Cookie;
use serde::Serialize;

use super::{SHOWN_KEY_CHARS, SHOWN_VALUE_CHARS, shorten};
use crate::i18n::{Args, Lang};
use crate::sessions::SESSION_COOKIE;

/// actix-session's signed value: the base64 HMAC-SHA256 of the name and value, then the value.
const SIGNATURE_CHARS: usize = 44;

#[derive(Debug, Serialize)]
pub struct SetCookieView {
    pub name: String,
    /// The header as the server sent it, with a long value (or a session key) cut.
    pub header: String,
    /// Each attribute as written, with what it means.
    pub attributes: Vec<CookieAttribute>,
    /// True when the header deletes the cookie (Max-Age=0).
    pub removes: bool,
    /// Neither Max-Age nor Expires: the browser forgets the cookie when it closes.
    pub browser_session: bool,
    /// `sessionid`: its signature and what follows.
    pub session_parts: Option<SessionCookieParts>,
}

#[derive(Debug, Serialize)]
pub struct CookieAttribute {
    /// As written: "Max-Age=1209600".
    pub text: String,
    /// In the visitor's language.
    pub meaning: String,
}

/// A signed `sessionid` value cut in two: the signature the server checks, then the session key
/// (or, with the signed-cookie backend, the session itself as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionCookieParts {
    pub signature: String,
    /// The key's first characters, or the data cut like any long value.
    pub rest: String,
    /// True when `rest` is the data itself rather than a key.
    pub rest_is_data: bool,
}

impl SessionCookieParts {
    /// The parts of a decoded `sessionid` value; `None` if it is too short to be signed.
    pub fn split(value: &str, holds_data: bool) -> Option<Self> {
        let signature = value.get(..SIGNATURE_CHARS)?;
        let rest = value
            .get(SIGNATURE_CHARS..)
            .filter(|rest| !rest.is_empty())?;
        let shown = if holds_data {
            SHOWN_VALUE_CHARS
        } else {
            SHOWN_KEY_CHARS
        };
        Some(Self {
            signature: signature.to_owned(),
            rest: shorten(rest, shown),
            rest_is_data: holds_data,
        })
    }
}

/// One view per `Set-Cookie` header, in the order sent; a header that does not parse is shown
/// as it is, cut, without attributes.
pub fn set_cookie_views(
    headers: &[String],
    session_holds_data: bool,
    lang: Lang,
) -> Vec<SetCookieView> {
    headers
        .iter()
        .map(|header| set_cookie_view(header, session_holds_data, lang))
        .collect()
}

fn set_cookie_view(header: &str, session_holds_data: bool, lang: Lang) -> SetCookieView {
    let mut parts = header.split(';').map(str::trim);
    let pair = parts.next().unwrap_or_default();
    let (name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
    let is_session = name == SESSION_COOKIE;
    let decoded = Cookie::parse_encoded(pair.to_owned())
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_else(|_| raw_value.to_owned());
    let shown = if is_session && !session_holds_data {
        SHOWN_KEY_CHARS
    } else {
        SHOWN_VALUE_CHARS
    };
    let attributes: Vec<CookieAttribute> = parts
        .filter(|attribute| !attribute.is_empty())
        .map(|attribute| CookieAttribute {
            text: attribute.to_owned(),
            meaning: meaning(attribute, lang),
        })
        .collect();
    let has = |name: &str| {
        attributes.iter().any(|a| {
            let attribute = a.text.split('=').next().unwrap_or_default();
            attribute.eq_ignore_ascii_case(name)
        })
    };
    let removes = attributes
        .iter()
        .any(|a| a.text.eq_ignore_ascii_case("Max-Age=0"));
    let browser_session = !has("Max-Age") && !has("Expires");
    let mut shown_header = format!("{name}={}", shorten(raw_value, shown));
    for attribute in &attributes {
        shown_header.push_str("; ");
        shown_header.push_str(&attribute.text);
    }
    SetCookieView {
        name: name.to_owned(),
        header: shown_header,
        session_parts: is_session
            .then(|| SessionCookieParts::split(&decoded, session_holds_data))
            .flatten(),
        attributes,
        removes,
        browser_session,
    }
}

/// What one attribute tells the browser.
fn meaning(attribute: &str, lang: Lang) -> String {
    let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
    let with_value = |key: &str| {
        lang.text_with(
            key,
            &Args::from([("value".into(), value.to_owned().into())]),
        )
    };
    match name.to_ascii_lowercase().as_str() {
        "max-age" => match value.parse::<i64>() {
            Ok(seconds) if seconds <= 0 => lang.text("attr-max-age-zero"),
            Ok(seconds) => {
                let age = lang.describe_period(chrono::TimeDelta::seconds(seconds));
                lang.text_with("attr-max-age", &Args::from([("age".into(), age.into())]))
            }
            Err(_) => with_value("attr-other"),
        },
        "expires" => lang.text("attr-expires"),
        "path" => with_value("attr-path"),
        "domain" => with_value("attr-domain"),
        "httponly" => lang.text("attr-httponly"),
        "secure" => lang.text("attr-secure"),
        "samesite" => match value.to_ascii_lowercase().as_str() {
            "strict" => lang.text("attr-samesite-strict"),
            "lax" => lang.text("attr-samesite-lax"),
            "none" => lang.text("attr-samesite-none"),
            _ => with_value("attr-other"),
        },
        _ => with_value("attr-other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_attribute_is_explained() {
        let header = "visits=3; Path=/; SameSite=Lax; Max-Age=1209600".to_owned();
        let [view] =
            <[SetCookieView; 1]>::try_from(set_cookie_views(&[header], false, Lang::En)).unwrap();
        assert_eq!(
            view.header,
            "visits=3; Path=/; SameSite=Lax; Max-Age=1209600"
        );
        let meanings: Vec<_> = view.attributes.iter().map(|a| a.meaning.as_str()).collect();
        assert!(meanings[2].contains("14 days"), "{meanings:?}");
        assert!(!view.removes && !view.browser_session);
        assert_eq!(view.session_parts, None);
    }

    #[test]
    fn a_session_cookie_shows_its_signature_and_only_a_prefix_of_its_key() {
        let signature = "A".repeat(43) + "=";
        let key = "k".repeat(64);
        let header = format!(
            "sessionid={}{key}; HttpOnly; Path=/",
            signature.replace('=', "%3D")
        );
        let view = set_cookie_view(&header, false, Lang::En);
        assert_eq!(view.header, "sessionid=AAAAAAAA…; HttpOnly; Path=/");
        let parts = view.session_parts.unwrap();
        assert_eq!(parts.signature, signature);
        assert_eq!(parts.rest, "kkkkkkkk…");
        assert!(view.browser_session);
    }

    #[test]
    fn a_removal_is_called_one() {
        let view = set_cookie_view("visits=; Path=/; Max-Age=0", false, Lang::En);
        assert!(view.removes);
        assert_eq!(
            view.attributes[1].meaning,
            Lang::En.text("attr-max-age-zero")
        );
    }
}
