//! Tera templates, compiled into the binary so it runs from any directory, and the `t()`
//! function through which every template text comes from the visitor's language.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::i18n::{Args, Lang, language_options};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("counter.html", include_str!("../../templates/counter.html")),
    ("about.html", include_str!("../../templates/about.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("hello.html", include_str!("../../templates/hello.html")),
    (
        "inspector.html",
        include_str!("../../templates/inspector.html"),
    ),
    (
        "next_visit.html",
        include_str!("../../templates/next_visit.html"),
    ),
    (
        "session_parts.html",
        include_str!("../../templates/session_parts.html"),
    ),
];

/// The templates once per language (in [`Lang::ALL`]'s order), each with its messages that take
/// no argument already written in: see [`messages_in_place`].
pub struct Templates([Tera; Lang::ALL.len()]);

/// What every page shows besides its own context: the visitor's language, and the address the
/// language switch brings them back to. Taken from the request before inner services run, for
/// the error pages that middleware renders after them.
#[derive(Debug, Clone)]
pub struct PageFrame {
    pub lang: Lang,
    pub here: String,
}

impl PageFrame {
    pub fn of(req: &HttpRequest) -> Self {
        Self::in_language(req, Lang::negotiate(req).0)
    }

    /// The frame of a page whose handler already negotiated the language.
    pub fn in_language(req: &HttpRequest, lang: Lang) -> Self {
        Self {
            lang,
            here: req.path().to_owned(),
        }
    }
}

/// A template failed to render: our bug, never the visitor's, so it is logged where it happens.
#[derive(Debug, thiserror::Error)]
#[error("the page could not be rendered")]
pub struct RenderError(pub Lang);

impl ResponseError for RenderError {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .content_type(ContentType::plaintext())
            .body(self.0.text("error-render"))
    }
}

impl Templates {
    pub fn load() -> Result<Self, tera::Error> {
        let load = |lang: Lang| {
            let mut tera = Tera::default();
            tera.register_function("t", Translate);
            // The same on every page of this instance's language.
            tera.global_context().insert("lang", lang.tag());
            tera.global_context()
                .insert("languages", &language_options());
            let sources = TEMPLATES
                .iter()
                .map(|(name, source)| (*name, messages_in_place(source, lang)));
            tera.add_raw_templates(sources)?;
            Ok::<_, tera::Error>(tera)
        };
        let [en, ru, zh_tw, pt_br] = Lang::ALL.map(load);
        Ok(Self([en?, ru?, zh_tw?, pt_br?]))
    }

    /// Renders template `name` from a page's typed context, for the visitor of `req`.
    pub fn render(
        &self,
        req: &HttpRequest,
        name: &str,
        page: &impl Serialize,
    ) -> Result<String, RenderError> {
        self.render_in(&PageFrame::of(req), name, page)
    }

    /// Renders template `name` in `frame`'s language.
    pub fn render_in(
        &self,
        frame: &PageFrame,
        name: &str,
        page: &impl Serialize,
    ) -> Result<String, RenderError> {
        let lang = frame.lang;
        let mut context = Context::from_serialize(page).map_err(|error| {
            tracing::error!(template = name, error = ?error, "page context does not serialise");
            RenderError(lang)
        })?;
        context.insert("here", &frame.here);
        self.0[lang.index()]
            .render(name, &context)
            .map_err(|error| {
                tracing::error!(template = name, error = ?error, "template failed to render");
                RenderError(lang)
            })
    }

    /// A whole page with the given status, for answers that set no cookie.
    pub fn page(
        &self,
        frame: &PageFrame,
        status: StatusCode,
        name: &str,
        page: &impl Serialize,
    ) -> Result<HttpResponse, RenderError> {
        let html = self.render_in(frame, name, page)?;
        Ok(HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(html))
    }
}

/// `source` with each `{{ t(key="…", lang=lang) }}` replaced by that message in `lang`. A page
/// holds about ninety of these; looked up through Tera and Fluent on every request they made the
/// session page cost three times what it had before the site spoke four languages (measured: 59 to
/// 242 µs of CPU per request with the signed-cookie backend, mostly Tera's function calls, Fluent's
/// lookups and their allocations). Messages with arguments still go through [`Translate`].
fn messages_in_place(source: &str, lang: Lang) -> String {
    const OPEN: &str = "{{ t(key=\"";
    const CLOSE: &str = "\", lang=lang) }}";
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let key_end = after.find('"').unwrap_or(0);
        let (key, tail) = after.split_at(key_end);
        out.push_str(&rest[..start]);
        if key_end > 0 && tail.starts_with(CLOSE) {
            // Messages are HTML (see `Translate`); `raw` keeps Tera from reading any braces.
            out.push_str("{% raw %}");
            out.push_str(&lang.text(key));
            out.push_str("{% endraw %}");
            rest = &tail[CLOSE.len()..];
        } else {
            // A call with arguments or a computed key: left to `t()` at render time.
            out.push_str(OPEN);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `t(key="…", lang=lang, name=value…)`: the Fluent message `key` in `lang`, with the other
/// arguments. Its output is HTML: messages may hold a little markup (`<code>`, ids the tests and
/// the script look for), so every argument is escaped here instead of the output by Tera.
struct Translate;

impl tera::Function<TeraResult<Value>> for Translate {
    fn call(&self, args: Kwargs, _: &State) -> TeraResult<Value> {
        let key: &str = args.must_get("key")?;
        let lang = (args.get::<&str>("lang")?)
            .and_then(Lang::from_tag)
            .ok_or_else(|| tera::Error::message(format!("t(key=\"{key}\") needs lang=lang")))?;
        let fluent_args: Args<'_> = args
            .iter()
            .filter_map(|(name, value)| Some((name.as_str()?, value)))
            .filter(|(name, _)| !matches!(*name, "key" | "lang"))
            .map(|(name, value)| {
                let value = if let Some(n) = value.as_i64() {
                    FluentValue::from(n)
                } else if let Some(n) = value.as_f64() {
                    FluentValue::from(n)
                } else if let Some(s) = value.as_str() {
                    FluentValue::from(escaped(s))
                } else {
                    FluentValue::from(escaped(&value.to_string()))
                };
                (name.to_owned().into(), value)
            })
            .collect();
        // Marked safe by `is_safe`: `Value::safe_string` would copy the text.
        Ok(Value::from(lang.text_with(key, &fluent_args)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `text` escaped for HTML, as Tera escapes what a template prints.
pub fn escaped(text: &str) -> String {
    let mut html = Vec::with_capacity(text.len());
    tera::escape_html(text, &mut html).expect("writing to a Vec cannot fail");
    String::from_utf8(html).expect("escaping keeps UTF-8 intact")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_without_arguments_are_written_in_and_the_rest_left_to_t() {
        let source = r#"<h1>{{ t(key="home-title", lang=lang) }}</h1>{{ t(key="num-visits", lang=lang, count=n) }}"#;
        let russian = messages_in_place(source, Lang::Ru);
        let title = Lang::Ru.text("home-title");
        assert_ne!(title, Lang::En.text("home-title"));
        assert_eq!(
            russian,
            format!(
                r#"<h1>{{% raw %}}{title}{{% endraw %}}</h1>{{{{ t(key="num-visits", lang=lang, count=n) }}}}"#
            )
        );
    }

    #[test]
    fn every_template_parses() {
        Templates::load().expect("templates should parse");
    }

    #[test]
    fn arguments_are_escaped_and_the_message_is_not() {
        use tera::Function as _;
        let args = Kwargs::from([
            ("key", Value::from("home-session-text")),
            ("lang", Value::from("en")),
            ("backend", Value::from("<b>&")),
        ]);
        let context = Context::new();
        let state = State::new(&context);
        let value = Translate.call(args, &state).unwrap();
        let html = value.as_str().expect("a string");
        assert!(html.contains("&lt;b&gt;&amp;"), "{html}");
    }

    /// Every `t(key="…")` the templates spell exists in English (the key-set test then holds
    /// every other language to English's keys).
    #[test]
    fn every_key_the_templates_use_exists() {
        let english = crate::i18n::message_keys(Lang::En);
        for (template, source) in TEMPLATES {
            for piece in source.split("t(key=\"").skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                if key.ends_with('-') {
                    continue; // completed by the template: "counter-title-" ~ storage
                }
                assert!(english.contains(key), "{template}: no message {key}");
            }
        }
    }
}
