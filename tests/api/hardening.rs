//! Hostile input and faults: a clear 4xx or 503, never a 500, a crash or a hang.

use diesel::prelude::*;

use crate::helpers::{TestApp, session_cookie_pair, spawn_app, views_shown};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/hello/",
        "/cookie/",
        "/session/about/",
        "/static/style.css",
        "/nope",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
}

#[tokio::test]
async fn pages_hold_no_inline_script() {
    let app = spawn_app().await;
    for path in ["/", "/cookie/", "/session/", "/session/about/"] {
        let html = app.get(path).await.text().await.unwrap();
        assert_eq!(html.matches("<script").count(), 1, "{path}");
        assert!(html.contains(r#"<script src="/static/inspector.js" defer></script>"#));
    }
}

async fn still_serves(app: &TestApp) {
    assert_eq!(app.get("/cookie/").await.status(), 200);
}

#[tokio::test]
async fn an_oversized_cookie_header_is_refused_with_431() {
    let app = spawn_app().await;
    let header = format!("visits=1; padding={}", "x".repeat(8 * 1024));
    for path in ["/cookie/", "/session/", "/"] {
        let response = app.get_with_cookie(path, header.as_bytes()).await;
        assert_eq!(response.status(), 431, "{path}");
        assert!(response.text().await.unwrap().contains("Too many cookies"));
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn two_hundred_cookies_are_refused_with_431() {
    let app = spawn_app().await;
    let header: Vec<String> = (0..200).map(|i| format!("c{i}=1")).collect();
    let response = app
        .get_with_cookie("/cookie/", header.join("; ").as_bytes())
        .await;
    assert_eq!(response.status(), 431);
    let fifty: Vec<String> = (0..50).map(|i| format!("c{i}=1")).collect();
    let response = app
        .get_with_cookie("/cookie/", fifty.join("; ").as_bytes())
        .await;
    assert_eq!(response.status(), 200, "a browser's usual load is fine");
}

#[tokio::test]
async fn a_large_body_to_reset_is_refused_with_413() {
    let app = spawn_app().await;
    let megabyte = vec![b'a'; 1024 * 1024];
    for path in ["/cookie/reset", "/session/reset"] {
        let response = app
            .raw
            .post(app.url(path))
            .body(megabyte.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
    }
    let empty_form = app.raw.post(app.url("/cookie/reset")).send().await.unwrap();
    assert_eq!(empty_form.status(), 303);
    still_serves(&app).await;
}

/// A chunked body announces no length: it is counted as it arrives.
#[tokio::test]
async fn a_large_chunked_body_is_refused_with_413() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = spawn_app().await;
    let post = async |chunks: usize| {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
            .await
            .unwrap();
        let head = "POST /cookie/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(head.as_bytes()).await;
        let chunk = format!("400\r\n{}\r\n", "a".repeat(1024)); // 1 KiB each
        for _ in 0..chunks {
            // The server may answer and stop reading before the body ends.
            if stream.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        post(1024).await,
        "HTTP/1.1 413 Payload Too Large",
        "1 MiB chunked"
    );
    assert_eq!(post(1).await, "HTTP/1.1 303 See Other", "1 KiB fits");
    still_serves(&app).await;
}

fn rename_sessions_table(app: &TestApp, from: &str, to: &str) {
    diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
        .execute(&mut app.sqlite())
        .unwrap();
}

#[tokio::test]
async fn a_lost_session_store_gives_a_friendly_503_and_the_site_recovers() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);

    rename_sessions_table(&app, "sessions", "sessions_away");
    // The home page reads the session too: it answered a bare 500 (no page, no security headers).
    for path in ["/session/", "/session/about/", "/"] {
        let response = app.get_with_cookie(path, cookie.as_bytes()).await;
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["retry-after"], "5");
        assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Sessions are unavailable"), "{html}");
    }
    let response = app.get("/session/").await;
    assert_eq!(
        response.status(),
        503,
        "a new visitor cannot be saved either"
    );
    still_serves(&app).await;
    assert!(
        app.logged("ERROR", "session store failed"),
        "{:#?}",
        app.logs()
    );

    rename_sessions_table(&app, "sessions_away", "sessions");
    let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(response.status(), 200, "recovered by itself");
    let html = response.text().await.unwrap();
    assert_eq!(views_shown(&html), 2, "nothing was lost");
}

/// Fifty requests of one session at once: each must see the one before, none may be lost.
#[tokio::test]
async fn parallel_requests_of_one_session_lose_no_update() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let requests = (0..50).map(|_| app.get_with_cookie("/session/", cookie.as_bytes()));
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 52, "1 + 50 + this one");
}

/// The same session sent in other forms: its cookie twice in one header, and its value with
/// `=`, `/` and `+` not percent-encoded. Turns used to be keyed by the cookie text, so such requests ran at once and
/// 44-48 of 50 got 409; they are now keyed by the session the store loads.
#[tokio::test]
async fn one_session_in_two_spellings_still_takes_turns() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let twice = format!("{cookie}; {cookie}");
    // The server percent-encodes the signed value; a browser may send it decoded. The signature's
    // base64 always ends in `=`, so the two spellings always differ.
    let (name, value) = cookie.split_once('=').unwrap();
    let decoded = value
        .replace("%3D", "=")
        .replace("%2F", "/")
        .replace("%2B", "+");
    let unencoded = format!("{name}={decoded}");
    assert_ne!(unencoded, cookie, "two spellings of {cookie}");
    let requests = (0..50).map(|i| {
        let spelling = [&cookie, &twice, &unencoded][i % 3];
        app.get_with_cookie("/session/", spelling.as_bytes())
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 52, "1 + 50 + this one");
}

#[tokio::test]
async fn the_session_key_never_reaches_the_logs() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let key = crate::helpers::session_key_of(&cookie);
    app.get_with_cookie("/session/about/", cookie.as_bytes())
        .await;
    app.get_with_cookie("/session/", format!("{cookie}; visits=abc").as_bytes())
        .await;
    let logs = app.logs();
    assert!(logs.len() >= 3, "{logs:#?}");
    assert!(
        logs.iter().all(|line| !line.contains(&key[..16])),
        "{logs:#?}"
    );
}

/// Every header of the kept corpus, on every page: a page or a 4xx, never a 5xx.
#[tokio::test]
async fn the_hostile_cookie_corpus_never_breaks_a_page() {
    let app = spawn_app().await;
    let corpus = include_str!("../corpus/cookie-headers.txt");
    let headers = corpus
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for header in headers {
        for path in [
            "/",
            "/cookie/",
            "/cookie/about/",
            "/session/",
            "/session/about/",
        ] {
            let status = app.get_with_cookie(path, header.as_bytes()).await.status();
            assert!(status == 200, "{path} with {header:?}: {status}");
        }
    }
}

/// A page on another port of the same host is the same *site*, so `SameSite=Lax` sends
/// `sessionid` with its POST: the origin check is what stops it flushing the visitor's session.
#[tokio::test]
async fn a_cross_origin_post_is_refused_and_flushes_nothing() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let post = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut request = app
            .raw
            .post(app.url("/session/reset"))
            .header("cookie", &cookie);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let evil_port = format!("http://127.0.0.1:{}", app.port + 1);
    for (origin, site) in [
        (Some(evil_port.as_str()), None),
        (Some("null"), None),
        (Some(app.address.as_str()), Some("same-site")),
        (None, Some("cross-site")),
    ] {
        let response = post(origin, site).await.unwrap();
        assert_eq!(response.status(), 403, "{origin:?} {site:?}");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 2, "the session was not flushed");
    // The site's own form, as a browser sends it, still works.
    let own = post(Some(app.address.as_str()), Some("same-origin"))
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 1, "flushed by its own form");
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/hello/",
        "/cookie/",
        "/cookie/about/",
        "/session/",
        "/session/about/",
    ] {
        let response = app.raw.head(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.text().await.unwrap().is_empty(), "{path}");
    }
}

#[tokio::test]
async fn a_form_target_asked_with_get_answers_405_with_allow() {
    let app = spawn_app().await;
    for path in ["/cookie/reset", "/session/reset"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()["allow"], "POST", "{path}");
    }
}

/// As Django's `APPEND_SLASH`: an address missing its final slash is redirected to the page.
#[tokio::test]
async fn a_page_address_without_its_slash_redirects_to_the_page() {
    let app = spawn_app().await;
    for (path, location) in [
        ("/cookie", "/cookie/"),
        ("/session/about", "/session/about/"),
        ("/hello?x=1", "/hello/?x=1"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 301, "{path}");
        assert_eq!(response.headers()["location"], location, "{path}");
    }
    assert_eq!(app.get("/nope").await.status(), 404);
    assert_eq!(app.get("/cookie/reset/x").await.status(), 404);
}
