//! The dismissible notice: remembered by a cookie on the cookie page, by the session on the
//! session page.

use reqwest::header::ORIGIN;

use crate::helpers::{set_cookie, set_cookies, spawn_app, text_of};

#[tokio::test]
async fn a_cookie_remembers_the_dismissed_notice_on_the_cookie_page() {
    let app = spawn_app().await;
    let browser = app.browser();
    let html = browser.get("/cookie/").await.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="/cookie/dismiss">"#));
    assert!(text_of(&html, r#"<p id="dismissed-where">"#).starts_with("Nowhere yet"));

    let response = browser.dismiss_notice("cookie").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/cookie/");
    let flag = set_cookie(&response, "notice_dismissed").expect("a cookie holds it");
    assert_eq!(flag.value(), "1");
    assert_eq!(
        flag.max_age(),
        Some(cookie::time::Duration::seconds(1_209_600))
    );

    let html = browser.get("/cookie/").await.text().await.unwrap();
    assert!(!html.contains(r#"id="notice""#), "dismissed");
    assert!(text_of(&html, r#"<p id="dismissed-where">"#).starts_with("In your browser"));
    assert!(html.contains("<code>notice_dismissed</code></td><td><code>1</code></td><td>the “notice dismissed” flag</td>"));

    // "Forget me" forgets this too.
    browser.post("/cookie/reset").await;
    let html = browser.get("/cookie/").await.text().await.unwrap();
    assert!(html.contains(r#"id="notice""#));
}

#[tokio::test]
async fn the_session_remembers_the_dismissed_notice_on_the_session_page() {
    let app = spawn_app().await;
    let browser = app.browser();
    let html = browser.get("/session/").await.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="/session/dismiss">"#));

    let response = browser.dismiss_notice("session").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/session/");
    let names: Vec<_> = set_cookies(&response)
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(names, ["sessionid"], "no cookie but the session's");

    let html = browser.get("/session/").await.text().await.unwrap();
    assert!(!html.contains(r#"id="notice""#), "dismissed");
    assert!(text_of(&html, r#"id="stored-data">"#).contains("&quot;notice_dismissed&quot;: true"));
    assert!(text_of(&html, r#"<p id="dismissed-where">"#).starts_with("On the server"));
    // The cookie page's notice is its own.
    assert!(
        browser
            .get("/cookie/")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"id="notice""#)
    );

    browser.post("/session/reset").await;
    let html = browser.get("/session/").await.text().await.unwrap();
    assert!(html.contains(r#"id="notice""#));
}

#[tokio::test]
async fn only_this_sites_own_form_dismisses() {
    let app = spawn_app().await;
    let browser = app.browser();
    for storage in ["cookie", "session"] {
        browser.get(&format!("/{storage}/")).await;
        let response = browser
            .client
            .post(app.url(&format!("/{storage}/dismiss")))
            .header(ORIGIN, "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{storage}");
        let html = browser
            .get(&format!("/{storage}/"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains(r#"id="notice""#), "{storage}: still shown");
        let response = app.get(&format!("/{storage}/dismiss")).await;
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST");
    }
}
