//! A sequence diagram of this very request, laid out and drawn as SVG here: the browser's `Cookie`
//! header, on session pages what the server asked its store and whether it wrote, and the
//! `Set-Cookie` headers of the answer.
//!
//! Drawn in Rust rather than in a template: its sixty-odd elements, each a lookup in Tera's nested
//! loops, made up most of a session page's rendering (measured: 30 to 60 µs of CPU per request,
//! a sixth of a whole SQLite `/session/` request). The template only places the result.

use std::fmt::Write as _;

use super::shorten;
use crate::config::SessionBackendKind;
use crate::i18n::{Args, Lang};
use crate::web::templates::escaped;

/// Where each party's lifeline stands, and the drawing's width.
const BROWSER_X: u32 = 60;
const SERVER_X: u32 = 400;
const STORE_X: u32 = 660;
const WIDTH: u32 = 730;
const LINE_HEIGHT: u32 = 16;
/// Characters that fit between two lifelines at the diagram's monospace size (12px: about 7
/// pixels a character).
const WIDE_LINE: usize = 46;
const NARROW_LINE: usize = 35;

/// What happened on the way, as the handler knows it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// "GET /cookie/".
    pub request_line: String,
    /// The `Cookie` header, pair by pair, each as the inspector shows it.
    pub sent: Vec<String>,
    /// Session pages with a store: what the server asked it.
    pub store: Option<StoreExchange>,
    /// No store on this page: the cookie page, or the signed-cookie backend.
    pub no_store_note: Option<&'static str>,
    /// `sessionid` carries the data itself (the signed-cookie backend), not a key.
    pub session_holds_data: bool,
}

#[derive(Debug, Clone)]
pub struct StoreExchange {
    pub backend: SessionBackendKind,
    /// Where the data lives, in words (the store's lifeline).
    pub label: String,
    /// The Redis key prefix (for the Redis backend's commands).
    pub redis_prefix: String,
    /// The first characters of the key the browser presented with a valid signature: the
    /// session middleware then loads it.
    pub loaded_key: Option<String>,
    /// How many values the load found (0: no live session under that key).
    pub found: usize,
    pub write: StoreWrite,
}

/// What the session middleware writes after the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreWrite {
    Nothing,
    /// A new session under a new key.
    Insert,
    /// The loaded session's data (and expiry).
    Update,
    /// The expiry only (`--session-save-every-request`).
    Extend,
}

#[derive(Debug)]
pub struct SequenceDiagram {
    /// For `<title>`.
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub lifelines: Vec<Lifeline>,
    pub arrows: Vec<Arrow>,
    pub notes: Vec<Note>,
    /// The whole exchange in one sentence, for `<desc>`.
    pub summary: String,
}

#[derive(Debug)]
pub struct Lifeline {
    pub x: u32,
    pub label: String,
}

#[derive(Debug)]
pub struct Arrow {
    pub from_x: u32,
    pub to_x: u32,
    pub y: u32,
    /// An answer (dashed), rather than a request.
    pub reply: bool,
    pub text_x: u32,
    pub lines: Vec<TextLine>,
}

#[derive(Debug)]
pub struct TextLine {
    pub y: u32,
    pub text: String,
    /// The caption (in words) rather than a value sent on the wire.
    pub caption: bool,
}

#[derive(Debug)]
pub struct Note {
    pub x: u32,
    pub y: u32,
    pub text: String,
}

/// Lays the exchange out top to bottom.
struct Layout {
    y: u32,
    arrows: Vec<Arrow>,
    notes: Vec<Note>,
}

impl Layout {
    fn arrow(&mut self, from_x: u32, to_x: u32, caption: String, values: &[String]) {
        let width = if from_x.min(to_x) == BROWSER_X {
            WIDE_LINE
        } else {
            NARROW_LINE
        };
        let mut lines = vec![TextLine {
            y: self.y,
            text: caption,
            caption: true,
        }];
        for value in values {
            self.y += LINE_HEIGHT;
            lines.push(TextLine {
                y: self.y,
                text: shorten(value, width),
                caption: false,
            });
        }
        self.y += 10;
        self.arrows.push(Arrow {
            from_x,
            to_x,
            y: self.y,
            reply: from_x > to_x,
            text_x: from_x.min(to_x) + 10,
            lines,
        });
        self.y += 30;
    }

    fn note(&mut self, x: u32, text: String) {
        self.notes.push(Note {
            x: x + 10,
            y: self.y,
            text,
        });
        self.y += 28;
    }
}

impl SequenceDiagram {
    /// The exchange, with the `Set-Cookie` headers the response carries (cut like the panel's).
    pub fn draw(exchange: &Exchange, set_cookies: &[String], lang: Lang) -> Self {
        let mut lifelines = vec![
            Lifeline {
                x: BROWSER_X,
                label: lang.text("seq-browser"),
            },
            Lifeline {
                x: SERVER_X,
                label: lang.text("seq-server"),
            },
        ];
        let mut layout = Layout {
            y: 56,
            arrows: Vec::new(),
            notes: Vec::new(),
        };
        let mut request = vec![exchange.request_line.clone()];
        request.extend(exchange.sent.iter().map(|pair| format!("Cookie: {pair}")));
        let caption = if exchange.sent.is_empty() {
            lang.text("seq-request-no-cookie")
        } else {
            lang.text("seq-request")
        };
        layout.arrow(BROWSER_X, SERVER_X, caption, &request);
        if let Some(note) = exchange.no_store_note {
            layout.note(SERVER_X, lang.text(note));
        }
        if let Some(store) = &exchange.store {
            lifelines.push(Lifeline {
                x: STORE_X,
                label: store.label.clone(),
            });
            store_calls(&mut layout, store, lang);
        }
        // The cookie and its value; its attributes are in the panel beside the diagram.
        let mut answer = vec!["200 OK".to_owned()];
        answer.extend(
            set_cookies
                .iter()
                .map(|header| match header.split_once(';') {
                    Some((pair, _)) => format!("Set-Cookie: {pair}; …"),
                    None => format!("Set-Cookie: {header}"),
                }),
        );
        let caption = if set_cookies.is_empty() {
            lang.text("seq-response-no-cookie")
        } else {
            lang.text("seq-response")
        };
        layout.arrow(SERVER_X, BROWSER_X, caption, &answer);
        let summary = lang.text_with(
            "seq-summary",
            &Args::from([
                ("sent".into(), (exchange.sent.len() as i64).into()),
                ("set".into(), (set_cookies.len() as i64).into()),
            ]),
        );
        Self {
            title: lang.text("sequence-title"),
            width: WIDTH,
            height: layout.y,
            lifelines,
            arrows: layout.arrows,
            notes: layout.notes,
            summary,
        }
    }
}

impl SequenceDiagram {
    /// The `<svg>` element, every text in it escaped: HTML to place as it is.
    pub fn svg(&self) -> String {
        let (width, height) = (self.width, self.height);
        let mut svg = String::with_capacity(4096);
        // `write!` to a String cannot fail.
        let _ = write!(
            svg,
            r#"<svg id="sequence" role="img" aria-labelledby="sequence-title sequence-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">
  <title id="sequence-title">{}</title>
  <desc id="sequence-desc">{}</desc>
  <defs>
    <marker id="arrow-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrow-head"/></marker>
  </defs>"#,
            escaped(&self.title),
            escaped(&self.summary),
        );
        for Lifeline { x, label } in &self.lifelines {
            let _ = write!(
                svg,
                r#"
  <text class="party" x="{x}" y="22" text-anchor="middle">{}</text>
  <line class="lifeline" x1="{x}" y1="32" x2="{x}" y2="{}"/>"#,
                escaped(label),
                height - 4,
            );
        }
        for arrow in &self.arrows {
            for line in &arrow.lines {
                let class = if line.caption { "caption" } else { "wire" };
                let _ = write!(
                    svg,
                    r#"
  <text class="{class}" x="{}" y="{}">{}</text>"#,
                    arrow.text_x,
                    line.y,
                    escaped(&line.text),
                );
            }
            let reply = if arrow.reply { " reply" } else { "" };
            let _ = write!(
                svg,
                r#"
  <line class="message{reply}" x1="{}" y1="{y}" x2="{}" y2="{y}" marker-end="url(#arrow-head)"/>"#,
                arrow.from_x,
                arrow.to_x,
                y = arrow.y,
            );
        }
        for Note { x, y, text } in &self.notes {
            let _ = write!(
                svg,
                r#"
  <text class="note" x="{x}" y="{y}">{}</text>"#,
                escaped(text),
            );
        }
        svg.push_str("\n</svg>");
        svg
    }
}

/// The load (when the browser presented a signed key) and the write, as the store runs them.
fn store_calls(layout: &mut Layout, store: &StoreExchange, lang: Lang) {
    let redis = store.backend == SessionBackendKind::Redis;
    let key = store.loaded_key.as_deref().unwrap_or_default();
    let redis_key = format!("{}{key}", store.redis_prefix);
    match store.loaded_key {
        None => layout.note(SERVER_X, lang.text("seq-nothing-to-load")),
        Some(_) => {
            let query = if redis {
                vec![format!("HGET {redis_key} v d")]
            } else {
                vec![
                    "SELECT session_data, version".to_owned(),
                    "FROM sessions".to_owned(),
                    format!("WHERE session_key = '{key}'"),
                ]
            };
            layout.arrow(SERVER_X, STORE_X, lang.text("seq-load"), &query);
            let found = if store.found == 0 {
                lang.text("seq-not-found")
            } else {
                let count = Args::from([("count".into(), (store.found as i64).into())]);
                lang.text_with("seq-found", &count)
            };
            layout.arrow(STORE_X, SERVER_X, found, &[]);
        }
    }
    let (caption, query): (&str, Vec<String>) = match (store.write, redis) {
        (StoreWrite::Nothing, _) => {
            layout.note(SERVER_X, lang.text("seq-no-write"));
            return;
        }
        (StoreWrite::Insert, false) => (
            "seq-insert",
            vec![
                "INSERT INTO sessions".to_owned(),
                "VALUES (new key, data, expiry)".to_owned(),
            ],
        ),
        (StoreWrite::Insert, true) => (
            "seq-insert",
            vec![format!("EVAL save: HSET {}<new key>", store.redis_prefix)],
        ),
        (StoreWrite::Update, false) => (
            "seq-update",
            vec![
                "UPDATE sessions SET session_data,".to_owned(),
                "expire_date, version = version + 1".to_owned(),
                format!("WHERE session_key = '{key}'"),
            ],
        ),
        (StoreWrite::Update, true) => {
            ("seq-update", vec![format!("EVAL update: HSET {redis_key}")])
        }
        (StoreWrite::Extend, false) => (
            "seq-extend",
            vec![
                "UPDATE sessions SET expire_date".to_owned(),
                format!("WHERE session_key = '{key}'"),
            ],
        ),
        (StoreWrite::Extend, true) => ("seq-extend", vec![format!("PEXPIRE {redis_key}")]),
    };
    layout.arrow(SERVER_X, STORE_X, lang.text(caption), &query);
    layout.arrow(STORE_X, SERVER_X, lang.text("seq-written"), &[]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cookie page's request, with one cookie sent.
    fn cookie_page_sending(pair: &str) -> Exchange {
        Exchange {
            request_line: "GET /cookie/".into(),
            sent: vec![pair.into()],
            store: None,
            no_store_note: Some("seq-cookie-no-store"),
            session_holds_data: false,
        }
    }

    #[test]
    fn the_cookie_page_has_no_store_and_every_header_in_it() {
        let exchange = cookie_page_sending("visits=1");
        let diagram = SequenceDiagram::draw(&exchange, &["visits=2; Path=/".into()], Lang::En);
        assert_eq!(diagram.lifelines.len(), 2);
        let texts: Vec<_> = diagram
            .arrows
            .iter()
            .flat_map(|a| a.lines.iter().map(|l| l.text.as_str()))
            .collect();
        assert!(texts.contains(&"Cookie: visits=1"), "{texts:?}");
        assert!(texts.contains(&"Set-Cookie: visits=2; …"), "{texts:?}");
        assert!(diagram.arrows[1].reply);
        assert!(diagram.height > diagram.arrows[1].y);
    }

    #[test]
    fn the_svg_escapes_what_the_browser_sent_and_draws_every_part() {
        let exchange = cookie_page_sending("x=<script>\"&'");
        let diagram = SequenceDiagram::draw(&exchange, &[], Lang::En);
        let svg = diagram.svg();
        assert!(
            svg.contains("Cookie: x=&lt;script&gt;&quot;&amp;&#39;"),
            "{svg}"
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert_eq!(svg.matches("<text ").count(), 2 + 3 + 2 + 1, "{svg}");
        assert_eq!(svg.matches(r#"<line class="message"#).count(), 2, "{svg}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
    }
}
