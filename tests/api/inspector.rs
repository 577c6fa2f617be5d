//! The inspector panel: what the browser sent, and what the server keeps.

use chrono::TimeDelta;

use crate::helpers::{session_cookie_pair, session_key_of, spawn_app, text_of};

#[tokio::test]
async fn the_cookie_page_lists_every_cookie_sent() {
    let app = spawn_app().await;
    let html = app.get("/cookie/").await.text().await.unwrap();
    assert_eq!(text_of(&html, r#"id="sent-cookies">"#), "No cookie at all.");

    let html = app
        .page_with_cookie(
            "/cookie/",
            b"visits=4; last_visit=2026-03-01T08:00:00Z; theme=dark",
        )
        .await;
    for cell in [
        "<code>visits</code>",
        "<code>4</code>",
        "<code>2026-03-01T08:00:00Z</code>",
    ] {
        assert!(html.contains(cell), "{cell}");
    }
    assert!(html.contains("<code>theme</code></td><td><code>dark</code>"));
    assert!(
        !html.contains(r#"id="stored-session""#),
        "cookie pages have no server side"
    );
}

#[tokio::test]
async fn cookie_values_are_escaped_and_long_ones_cut() {
    let app = spawn_app().await;
    let payload = "<script>alert(1)</script>";
    let long = "x".repeat(500);
    let header = format!("note={payload}; long={long}");
    let html = app
        .page_with_cookie("/cookie/about/", header.as_bytes())
        .await;
    assert!(
        !html.contains(payload),
        "the payload must not reach the page raw"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains(&format!("<code>{}…</code>", "x".repeat(60))));
    assert!(!html.contains(&"x".repeat(61)));
}

#[tokio::test]
async fn the_session_page_shows_what_the_server_stores_but_not_the_key() {
    let app = spawn_app().await;
    let first = app.get("/session/").await;
    let cookie = session_cookie_pair(&first);
    let key = session_key_of(&cookie);
    let html = first.text().await.unwrap();
    assert_eq!(text_of(&html, r#"id="stored-backend">"#), "SQLite database");
    assert_eq!(
        text_of(&html, r#"id="stored-key">"#),
        "a new one, sent with this response"
    );
    assert_eq!(
        text_of(&html, r#"id="stored-expires">"#),
        "2026-03-15T09:30:00Z"
    );

    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert!(html.contains(&format!("<code>{}…</code>", &key[..8])));
    assert!(
        !html.contains(&key[..9]),
        "only 8 characters of the key appear on the page"
    );
    // The cookie itself is listed too, cut as short in the table; the panel that splits it
    // shows its signature whole, and of the key still only 8 characters (checked above).
    let cookie_value = cookie.strip_prefix("sessionid=").unwrap();
    assert!(html.contains(&format!("<code>{}…</code>", &cookie_value[..8])));
    let data = text_of(&html, r#"id="stored-data">"#);
    assert!(data.contains("&quot;num_visits&quot;: 2"), "{data}");
    assert!(data.contains("&quot;visits&quot;: 1"), "{data}");
    assert!(
        data.contains("&quot;last_visit&quot;: &quot;2026-03-01T09:30:00Z&quot;"),
        "{data}"
    );

    // The about page removes the test cookie (a write); a second visit writes nothing.
    app.get_with_cookie("/session/about/", cookie.as_bytes())
        .await;
    app.clock.advance(TimeDelta::hours(1));
    let html = app
        .page_with_cookie("/session/about/", cookie.as_bytes())
        .await;
    assert_eq!(
        text_of(&html, r#"id="stored-expires">"#),
        "unchanged: this request wrote nothing"
    );
    assert!(!text_of(&html, r#"id="stored-data">"#).contains("testcookie"));
}
