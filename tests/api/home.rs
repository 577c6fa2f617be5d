use cookies_vs_sessions::config::SessionBackendKind;

use crate::helpers::{set_cookies, spawn_app, spawn_app_with, text_of};

#[tokio::test]
async fn home_links_to_both_counters_and_compares_them() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"href="/cookie/""#));
    assert!(html.contains(r#"href="/session/""#));
    assert_eq!(text_of(&html, r#"id="home-cookie-visits">"#), "none yet");
    assert_eq!(text_of(&html, r#"id="home-session-visits">"#), "none yet");
    for row in [
        "Where the data lives",
        "Who can read it",
        "Who can change it",
        "Size limit",
    ] {
        assert!(html.contains(row), "{row}");
    }
    assert!(html.contains("Survives closing the browser"));
    assert!(html.contains("The server can revoke it"));
}

#[tokio::test]
async fn home_shows_both_counters_without_counting_or_writing() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/cookie/").await;
    browser.get("/session/").await;
    browser.get("/session/").await;
    for _ in 0..2 {
        let response = browser.get("/").await;
        assert!(
            set_cookies(&response).is_empty(),
            "the home page writes nothing"
        );
        assert_eq!(response.headers()["vary"], "Cookie, Accept-Language");
        let html = response.text().await.unwrap();
        assert_eq!(text_of(&html, r#"id="home-cookie-visits">"#), "1");
        assert_eq!(text_of(&html, r#"id="home-session-visits">"#), "1");
        assert_eq!(text_of(&html, r#"id="home-num-visits">"#), "2");
    }
}

#[tokio::test]
async fn stylesheet_script_and_icon_are_served() {
    let app = spawn_app().await;
    for (path, media_type, sample) in [
        ("/static/style.css", "text/css; charset=utf-8", ".count"),
        (
            "/static/inspector.js",
            "text/javascript; charset=utf-8",
            "data-set-cookie",
        ),
        ("/static/favicon.svg", "image/svg+xml", "<svg"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], media_type, "{path}");
        assert!(response.text().await.unwrap().contains(sample), "{path}");
    }
    assert_eq!(app.get("/static/nope.css").await.status(), 404);
}

/// Every page names its icon, so that the browser does not ask for `/favicon.ico` (a 404 in
/// devtools' Network tab on every page).
#[tokio::test]
async fn every_page_names_its_icon() {
    let app = spawn_app().await;
    for path in ["/", "/hello/", "/cookie/", "/session/", "/nope"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(
            html.contains(r#"<link rel="icon" href="/static/favicon.svg""#),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_get_a_friendly_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn hello_is_stateless() {
    let app = spawn_app().await;
    let response = app.get_with_cookie("/hello/", b"visits=3").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());
    // It reads nothing of the visitor but the language they read.
    assert_eq!(response.headers()["vary"], "Cookie, Accept-Language");
    assert!(response.text().await.unwrap().contains("<h1>Hello</h1>"));
}

/// Screen readers announce which page of the navigation is the current one.
#[tokio::test]
async fn the_navigation_marks_where_the_visitor_is() {
    let app = spawn_app().await;
    let current = |html: &str| -> Vec<String> {
        html.split("<a ")
            .filter(|link| link.contains("aria-current"))
            .map(|link| link.split('>').next().unwrap().to_owned())
            .collect()
    };
    for (path, expected) in [
        ("/", vec![r#"class="brand" href="/" aria-current="page""#]),
        ("/cookie/", vec![r#"href="/cookie/" aria-current="page""#]),
        (
            "/session/about/",
            vec![r#"href="/session/" aria-current="true""#],
        ),
        ("/hello/", vec![]),
    ] {
        let html = app.get(path).await.text().await.unwrap();
        assert_eq!(current(&html), expected, "{path}");
    }
}

/// The comparison table tells what this server does, not what it would do by default.
#[tokio::test]
async fn the_comparison_follows_the_settings() {
    let cell = |html: &str, id: &str| text_of(html, &format!(r#"id="{id}">"#)).to_owned();
    let html = spawn_app().await.get("/").await.text().await.unwrap();
    assert_eq!(
        cell(&html, "cookie-lifetime"),
        "yes, until its Max-Age: 14 days here"
    );
    assert_eq!(cell(&html, "session-lifetime"), "yes, for 14 days here");
    assert_eq!(
        cell(&html, "where-session-data-lives"),
        "on the server: SQLite database"
    );
    assert_eq!(
        cell(&html, "session-revocable"),
        "yes: it deletes the stored session"
    );

    let app = spawn_app_with(|s| {
        s.cookie_age = 600;
        s.session.session_cookie_age = 3600;
        s.session.session_expire_at_browser_close = true;
        s.session.session_backend = SessionBackendKind::SignedCookie;
    })
    .await;
    let html = app.get("/").await.text().await.unwrap();
    assert_eq!(
        cell(&html, "cookie-lifetime"),
        "yes, until its Max-Age: 10 minutes here"
    );
    assert!(cell(&html, "session-lifetime").contains("forgets it after 1 hour"));
    assert_eq!(
        cell(&html, "where-session-data-lives"),
        "in your browser too, in one signed cookie"
    );
    assert_eq!(
        cell(&html, "session-revocable"),
        "no: a copy stays valid until it expires"
    );
    assert!(html.contains("the data travels in the session cookie itself"));
}
