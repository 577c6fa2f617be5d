//! The sequence diagram of each counter request, drawn from its real values.

use chrono::TimeDelta;

use crate::helpers::{session_cookie_pair, session_key_of, spawn_app, spawn_app_with, text_of};
use cookies_vs_sessions::config::SessionBackendKind;

/// The diagram's text lines (wire values and captions), unescaped enough to compare.
fn diagram_lines(html: &str) -> Vec<String> {
    let svg = &html[html.find("<svg id=\"sequence\"").expect("a diagram")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    svg.split("<text ")
        .skip(1)
        .map(|text| {
            let start = text.find('>').unwrap() + 1;
            crate::helpers::unescape_html(&text[start..text.find("</text>").unwrap()])
        })
        .collect()
}

#[tokio::test]
async fn the_diagram_is_an_accessible_svg() {
    let app = spawn_app().await;
    for path in ["/cookie/", "/session/", "/cookie/about/", "/session/about/"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(
            html.contains(
                r#"<svg id="sequence" role="img" aria-labelledby="sequence-title sequence-desc""#
            ),
            "{path}"
        );
        assert_eq!(
            text_of(&html, r#"<title id="sequence-title">"#),
            "Sequence diagram of this request"
        );
        assert!(
            text_of(&html, r#"<desc id="sequence-desc">"#)
                .starts_with("The browser sent 0 cookies")
        );
    }
}

#[tokio::test]
async fn the_cookie_page_shows_what_went_each_way_and_no_store() {
    let app = spawn_app().await;
    let html = app
        .page_with_cookie(
            "/cookie/",
            b"visits=4; last_visit=2026-03-01T08:00:00Z; note=<script>",
        )
        .await;
    let lines = diagram_lines(&html);
    assert_eq!(&lines[..2], ["Browser", "Server"], "two parties: {lines:?}");
    for expected in [
        "GET /cookie/",
        "Cookie: visits=4",
        "Cookie: note=<script>",
        "counts from the cookies: no store",
        "200 OK",
        "Set-Cookie: visits=4; …",
        "Set-Cookie: last_visit=2026-03-01T08:00:00Z; …",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:?}"
        );
    }
    assert!(!html.contains("<script>"), "values are escaped");
}

#[tokio::test]
async fn the_session_page_shows_the_store_load_and_write() {
    let app = spawn_app().await;
    // A new visitor: no key to load, a new session inserted.
    let first = app.get("/session/").await;
    let pair = session_cookie_pair(&first);
    let key = session_key_of(&pair);
    let lines = diagram_lines(&first.text().await.unwrap());
    assert_eq!(&lines[..3], ["Browser", "Server", "SQLite database"]);
    for expected in [
        "request, without a cookie",
        "no signed sessionid: nothing to load",
        "save a new session",
        "INSERT INTO sessions",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Set-Cookie: sessionid="))
    );

    // Back with the key: loaded by it (8 characters shown), the changed data updated.
    let html = app.page_with_cookie("/session/", pair.as_bytes()).await;
    let lines = diagram_lines(&html);
    let where_key = format!("WHERE session_key = '{}…'", &key[..8]);
    for expected in [
        "load the session",
        "found: 4 values",
        "save the changed data",
        &where_key,
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:?}"
        );
    }
    assert!(!html.contains(&key[..9]));

    // The about page twice within the period: the second writes nothing and sets no cookie.
    app.get_with_cookie("/session/about/", pair.as_bytes())
        .await;
    app.clock.advance(TimeDelta::hours(1));
    let lines = diagram_lines(
        &app.page_with_cookie("/session/about/", pair.as_bytes())
            .await,
    );
    for expected in ["data unchanged: nothing written", "response, no Set-Cookie"] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:?}"
        );
    }
}

#[tokio::test]
async fn the_signed_cookie_backend_has_no_store_to_draw() {
    let app =
        spawn_app_with(|s| s.session.session_backend = SessionBackendKind::SignedCookie).await;
    let lines = diagram_lines(&app.get("/session/").await.text().await.unwrap());
    assert_eq!(&lines[..2], ["Browser", "Server"]);
    assert!(
        lines.contains(&"the session is in sessionid: no store".to_owned()),
        "{lines:?}"
    );
}
