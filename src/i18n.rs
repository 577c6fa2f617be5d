//! The site in English, Russian, Traditional Chinese and Brazilian Portuguese.
//!
//! Messages are Fluent files (`locales/<tag>/main.ftl`) compiled into the binary. A page's
//! language is the `lang` preference cookie when it names one of ours, else the best match of
//! `Accept-Language`, else English: a value that makes no sense is simply not a match.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptLanguage, Header as _, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, langid};
use serde::Serialize;

use crate::web::request_cookies::{CookieLookup, RequestCookies};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Fluent wraps each argument in Unicode isolation marks, for mixed-direction text. Every
        // language here runs left to right, and the marks would end up in copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The preference cookie that keeps a visitor's choice of language.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
    ZhTw,
    PtBr,
}

/// Fluent arguments, by name.
pub type Args<'a> = HashMap<Cow<'static, str>, FluentValue<'a>>;

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Ru, Lang::ZhTw, Lang::PtBr];

    /// Where the language stands in [`Lang::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The BCP 47 tag: `<html lang>`, the cookie's value, the locale directory.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::ZhTw => "zh-TW",
            Lang::PtBr => "pt-BR",
        }
    }

    /// The language's name in itself, as a switch offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::ZhTw => "繁體中文",
            Lang::PtBr => "Português (Brasil)",
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => langid!("en"),
            Lang::Ru => langid!("ru"),
            Lang::ZhTw => langid!("zh-TW"),
            Lang::PtBr => langid!("pt-BR"),
        }
    }

    /// One of our tags, exactly as [`Lang::tag`] writes it (case aside).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(tag))
    }

    /// The language of ours that serves a reader of `tag`: any English, Russian or Portuguese;
    /// for Chinese, the traditional script only (Taiwan, Hong Kong, Macau, or `Hant`).
    fn serving(tag: &header::LanguageTag) -> Option<Lang> {
        let region = tag.region().map(str::to_ascii_uppercase);
        let script = tag.script().map(str::to_ascii_lowercase);
        match tag.primary_language().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            "pt" => Some(Lang::PtBr),
            "zh" if script.as_deref() == Some("hant")
                || matches!(region.as_deref(), Some("TW" | "HK" | "MO")) =>
            {
                Some(Lang::ZhTw)
            }
            _ => None,
        }
    }

    /// The visitor's language, and whether the preference cookie chose it.
    pub fn negotiate(req: &HttpRequest) -> (Lang, LangSource) {
        if let CookieLookup::Unique(tag) = RequestCookies::from_request(req).lookup(LANG_COOKIE)
            && let Some(lang) = Lang::from_tag(tag)
        {
            return (lang, LangSource::Cookie);
        }
        (Lang::from_accept_language(req), LangSource::Header)
    }

    /// The first language the header ranks (highest quality first, in order) that we serve;
    /// English when none is, or when the header does not parse.
    fn from_accept_language(req: &HttpRequest) -> Lang {
        let Ok(AcceptLanguage(mut ranked)) = AcceptLanguage::parse(req) else {
            return Lang::En;
        };
        ranked.retain(|item| item.quality > header::Quality::ZERO);
        ranked.sort_by_key(|item| std::cmp::Reverse(item.quality));
        ranked
            .iter()
            .find_map(|item| match &item.item {
                header::Preference::Specific(tag) => Lang::serving(tag),
                header::Preference::Any => None,
            })
            .unwrap_or_default()
    }

    /// The message `key` without arguments.
    pub fn text(self, key: &str) -> String {
        self.text_with(key, &Args::new())
    }

    /// The message `key` with `args`. A message missing in this language is our bug: it is
    /// logged and shown in English (the tests render every page in every language to catch it).
    ///
    /// The same few dozen messages make every page, mostly with the same arguments (a period, a
    /// count): each is resolved by Fluent once per thread, then copied (Fluent's lookups were a
    /// tenth of a page's CPU, and still 7 % with only the messages that take arguments).
    pub fn text_with(self, key: &str, args: &Args<'_>) -> String {
        /// Enough for every message and argument the pages use; arguments that change with
        /// each request (a time) would grow it without end, so it is emptied when full.
        const MOST_REMEMBERED: usize = 4096;
        /// What this thread resolved, and a buffer for the key being looked up: a page asks for
        /// some thirty messages, and allocating each one's key and hashing it with SipHash cost
        /// as much as copying the text out (measured: 200 and 440 ns per call).
        #[derive(Default)]
        struct Memo {
            resolved: HashMap<String, String, rustc_hash::FxBuildHasher>,
            key: String,
        }
        thread_local! {
            static MEMO: std::cell::RefCell<Memo> = Default::default();
        }
        MEMO.with_borrow_mut(|memo| {
            if !self.write_memo_key(key, args, &mut memo.key) {
                return self.resolve(key, args).unwrap_or_else(|fallback| fallback);
            }
            if let Some(text) = memo.resolved.get(&memo.key) {
                return text.clone();
            }
            match self.resolve(key, args) {
                Ok(text) => {
                    if memo.resolved.len() >= MOST_REMEMBERED {
                        memo.resolved.clear();
                    }
                    memo.resolved.insert(memo.key.clone(), text.clone());
                    text
                }
                Err(fallback) => fallback,
            }
        })
    }

    /// Writes into `memo` what identifies a message with its arguments: the language, the key,
    /// and each argument (in name order, values length-prefixed or of fixed length, so that no
    /// two sets read alike). False for an argument that cannot be written out so (a number with
    /// formatting options, say). Without `write!`: formatting the numbers (`f64`'s `Display`)
    /// made up most of the key's cost, about 3 % of a SQLite `/session/` request's CPU.
    fn write_memo_key(self, key: &str, args: &Args<'_>, memo: &mut String) -> bool {
        memo.clear();
        memo.push_str(self.tag());
        memo.push('\0');
        memo.push_str(key);
        let mut sorted: Vec<_> = args.iter().collect();
        sorted.sort_unstable_by_key(|(name, _)| *name);
        for (name, value) in sorted {
            memo.push('\0');
            memo.push_str(name);
            match value {
                FluentValue::String(text) => {
                    memo.push('=');
                    push_hex(memo, text.len() as u64);
                    memo.push_str(text);
                }
                FluentValue::Number(number) if number.options == Default::default() => {
                    memo.push('#');
                    push_hex(memo, number.value.to_bits());
                }
                _ => return false,
            }
        }
        true
    }

    /// Fluent's text, or (logged) English's or the key when this language lacks the message.
    fn resolve(self, key: &str, args: &Args<'_>) -> Result<String, String> {
        let args = (!args.is_empty()).then_some(args);
        LOCALES
            .lookup_single_language(&self.id(), key, args)
            .map_err(|error| {
                tracing::error!(key, lang = self.tag(), %error, "missing translation");
                LOCALES
                    .lookup_single_language(&Lang::En.id(), key, args)
                    .unwrap_or_else(|_| key.to_owned())
            })
    }

    /// A length of time in its largest whole unit: "1 day", "36 hours", "10 seconds".
    pub fn describe_period(self, period: chrono::TimeDelta) -> String {
        let seconds = period.num_seconds().max(0);
        let (count, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
            .into_iter()
            .find(|(size, _)| seconds >= *size && seconds % size == 0)
            .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
        self.duration(count, unit)
    }

    /// Time left, to the second in its two largest units: "23 hours 59 minutes", "5 seconds".
    pub fn describe_remaining(self, left: chrono::TimeDelta) -> String {
        let seconds = left.num_seconds().max(0);
        let units = [
            (86_400, "day"),
            (3_600, "hour"),
            (60, "minute"),
            (1, "second"),
        ];
        let Some(first) = units.iter().position(|(size, _)| seconds >= *size) else {
            return self.duration(0, "second");
        };
        let (size, unit) = units[first];
        let mut text = self.duration(seconds / size, unit);
        if let Some(&(next_size, next_unit)) = units.get(first + 1) {
            let rest = seconds % size / next_size;
            if rest > 0 {
                text.push(' ');
                text.push_str(&self.duration(rest, next_unit));
            }
        }
        text
    }

    fn duration(self, count: i64, unit: &'static str) -> String {
        let args = Args::from([
            ("count".into(), FluentValue::from(count)),
            ("unit".into(), FluentValue::from(unit)),
        ]);
        self.text_with("duration", &args)
    }
}

/// Where a page's language came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangSource {
    Cookie,
    /// `Accept-Language`, or English for want of one.
    Header,
}

impl FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Lang::negotiate(req).0))
    }
}

/// One entry of the language switch.
#[derive(Debug, Serialize)]
pub struct LanguageOption {
    pub tag: &'static str,
    pub name: &'static str,
}

pub fn language_options() -> Vec<LanguageOption> {
    Lang::ALL
        .into_iter()
        .map(|lang| LanguageOption {
            tag: lang.tag(),
            name: lang.name(),
        })
        .collect()
}

/// Tells caches what an HTML page's language depends on: the `lang` cookie always, and
/// `Accept-Language` unless the cookie chose it.
pub async fn vary_on_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (_, source) = Lang::negotiate(req.request());
    let mut response = next.call(req).await?;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if html {
        let headers = response.headers_mut();
        add_vary(headers, "Cookie");
        if source == LangSource::Header {
            add_vary(headers, "Accept-Language");
        }
    }
    Ok(response)
}

/// Adds `name` to the response's one `Vary` header, unless it is listed already.
fn add_vary(headers: &mut HeaderMap, name: &str) {
    let listed: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
        .collect();
    if listed.iter().any(|token| token.eq_ignore_ascii_case(name)) {
        return;
    }
    let joined = listed
        .into_iter()
        .chain([name.to_owned()])
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(value) = HeaderValue::from_str(&joined) {
        headers.insert(header::VARY, value);
    }
}

/// The messages of `lang`'s file, as Fluent parses it (attributes as `message.attribute`).
#[cfg(test)]
pub(crate) fn message_keys(lang: Lang) -> std::collections::BTreeSet<String> {
    let path = format!(
        "{}/locales/{}/main.ftl",
        env!("CARGO_MANIFEST_DIR"),
        lang.tag()
    );
    let source = std::fs::read_to_string(&path).unwrap();
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{path} does not parse: {errors:?}"));
    let mut keys = std::collections::BTreeSet::new();
    for entry in resource.body {
        if let fluent_syntax::ast::Entry::Message(message) = entry {
            for attribute in &message.attributes {
                keys.insert(format!("{}.{}", message.id.name, attribute.id.name));
            }
            keys.insert(message.id.name.to_owned());
        }
    }
    keys
}

/// `n` as 16 hexadecimal digits: a fixed length needs no separator after it.
fn push_hex(out: &mut String, n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(char::from(DIGITS[(n >> (shift * 4)) as usize & 0xf]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn negotiated(accept_language: &str, cookie: Option<&str>) -> (Lang, LangSource) {
        let mut req =
            TestRequest::default().insert_header((header::ACCEPT_LANGUAGE, accept_language));
        if let Some(cookie) = cookie {
            req = req.insert_header((header::COOKIE, cookie));
        }
        Lang::negotiate(&req.to_http_request())
    }

    #[test]
    fn accept_language_picks_the_best_language_we_serve() {
        let lang = |header| negotiated(header, None).0;
        assert_eq!(lang("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru);
        assert_eq!(lang("fr, pt;q=0.5, en;q=0.4"), Lang::PtBr);
        assert_eq!(lang("zh-TW"), Lang::ZhTw);
        assert_eq!(lang("zh-Hant-HK"), Lang::ZhTw);
        // Simplified Chinese is not what we have: the next choice wins.
        assert_eq!(lang("zh-CN, ru;q=0.3"), Lang::Ru);
        assert_eq!(lang("en;q=0.2, ru;q=0.8"), Lang::Ru);
        assert_eq!(lang("ru;q=0, pt-PT"), Lang::PtBr);
        for nonsense in ["", "*", "de", "@@@,;q=banana", "ru;q=7"] {
            assert_eq!(lang(nonsense), Lang::En, "{nonsense:?}");
        }
    }

    #[test]
    fn the_cookie_wins_when_it_names_one_of_ours() {
        assert_eq!(
            negotiated("en", Some("lang=zh-TW")),
            (Lang::ZhTw, LangSource::Cookie)
        );
        assert_eq!(
            negotiated("ru", Some("lang=klingon")),
            (Lang::Ru, LangSource::Header)
        );
        assert_eq!(
            negotiated("", Some("lang=ru; lang=pt-BR")),
            (Lang::En, LangSource::Header)
        );
    }

    #[test]
    fn remembered_messages_keep_their_arguments_apart() {
        let duration = |count: i64, unit: &'static str| {
            Lang::En.text_with(
                "duration",
                &Args::from([("count".into(), count.into()), ("unit".into(), unit.into())]),
            )
        };
        for _ in 0..2 {
            assert_eq!(duration(1, "day"), "1 day");
            assert_eq!(duration(2, "day"), "2 days");
            assert_eq!(duration(2, "hour"), "2 hours");
        }
        assert_eq!(
            Lang::Ru.text_with(
                "duration",
                &Args::from([("count".into(), 2.into()), ("unit".into(), "day".into()),])
            ),
            "2 дня"
        );
        let memo_key = |args: &Args<'_>| {
            let mut memo = String::new();
            assert!(Lang::En.write_memo_key("k", args, &mut memo));
            memo
        };
        assert_ne!(
            memo_key(&Args::from([("a".into(), "x\0b=y".into())])),
            memo_key(&Args::from([
                ("a".into(), "x".into()),
                ("b".into(), "y".into())
            ]))
        );
        let number = |n: f64| memo_key(&Args::from([("n".into(), n.into())]));
        assert_ne!(number(1.0), number(16.0));
        assert_ne!(number(1.0), number(1.5));
        assert_eq!(number(2.0), number(2.0));
    }

    #[test]
    fn periods_read_as_words_in_each_language() {
        use chrono::TimeDelta;
        let en = |period| Lang::En.describe_period(period);
        assert_eq!(en(TimeDelta::days(1)), "1 day");
        assert_eq!(en(TimeDelta::hours(36)), "36 hours");
        assert_eq!(en(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(en(TimeDelta::seconds(61)), "61 seconds");
        assert_eq!(en(TimeDelta::zero()), "0 seconds");
        assert_eq!(Lang::Ru.describe_period(TimeDelta::days(1)), "1 день");
        assert_eq!(Lang::Ru.describe_period(TimeDelta::hours(3)), "3 часа");
        assert_eq!(
            Lang::Ru.describe_period(TimeDelta::minutes(21)),
            "21 минуту"
        );
        assert_eq!(
            Lang::Ru.describe_period(TimeDelta::seconds(10)),
            "10 секунд"
        );
        assert_eq!(Lang::ZhTw.describe_period(TimeDelta::days(14)), "14 天");
        assert_eq!(Lang::PtBr.describe_period(TimeDelta::hours(2)), "2 horas");
    }

    #[test]
    fn time_left_reads_in_its_two_largest_units() {
        use chrono::TimeDelta;
        let left = |seconds| Lang::En.describe_remaining(TimeDelta::seconds(seconds));
        assert_eq!(left(86_400), "1 day");
        assert_eq!(left(86_399), "23 hours 59 minutes");
        assert_eq!(left(90), "1 minute 30 seconds");
        assert_eq!(left(5), "5 seconds");
        assert_eq!(left(0), "0 seconds");
        assert_eq!(left(-3), "0 seconds");
    }

    /// Every language has exactly the messages (and attributes) English has: a missing one
    /// would show in English, a stray one is a message no page asks for.
    #[test]
    fn each_language_is_at_its_index() {
        for (index, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(lang.index(), index, "{lang:?}");
        }
    }

    #[test]
    fn every_language_has_every_message() {
        let keys = message_keys;
        let english = keys(Lang::En);
        assert!(english.len() > 50, "{english:?}");
        for lang in [Lang::Ru, Lang::ZhTw, Lang::PtBr] {
            let theirs = keys(lang);
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.tag()
            );
        }
    }

    #[test]
    fn vary_lists_each_header_once() {
        let mut headers = HeaderMap::new();
        headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
        add_vary(&mut headers, "cookie");
        add_vary(&mut headers, "Accept-Language");
        add_vary(&mut headers, "Accept-Language");
        assert_eq!(
            headers.get(header::VARY).unwrap(),
            "Cookie, Accept-Language"
        );
    }
}
