//! The inspector's Set-Cookie panel: exactly the headers of the response it is part of.

use chrono::TimeDelta;

use crate::helpers::{
    session_cookie_pair, set_cookie_headers, set_cookie_panel, spawn_app, spawn_app_with, text_of,
    unescape_html,
};

#[tokio::test]
async fn the_cookie_page_panel_lists_exactly_the_headers_it_sends() {
    let app = spawn_app().await;
    let browser = app.browser();
    // A first visit (counter cookies and the test cookie), the about page (which removes the test
    // cookie), a revisit after the period.
    for path in ["/cookie/", "/cookie/about/", "/cookie/"] {
        let response = browser.get(path).await;
        let headers = set_cookie_headers(&response);
        let html = response.text().await.unwrap();
        assert!(!headers.is_empty(), "{path}");
        assert_eq!(set_cookie_panel(&html), headers, "{path}");
        app.clock.advance(TimeDelta::days(1));
    }
}

#[tokio::test]
async fn each_attribute_says_what_it_tells_the_browser() {
    let app = spawn_app().await;
    let html = app.get("/cookie/").await.text().await.unwrap();
    for explained in [
        "<dt><code>Max-Age=1209600</code></dt><dd>keep it for 14 days, then forget it</dd>",
        "<dt><code>SameSite=Lax</code></dt><dd>from other sites, send it only when the visitor follows a link here",
        "<dt><code>Path=/</code></dt><dd>send it back with requests for / and every address below it</dd>",
    ] {
        assert!(html.contains(explained), "{explained}");
    }
    // The test cookie has no Max-Age: it lasts as long as the browser runs.
    assert!(
        html.contains(
            "Neither Max-Age nor Expires: your browser forgets this cookie when it closes."
        )
    );

    let html = app
        .page_with_cookie("/cookie/about/", b"testcookie=worked")
        .await;
    assert!(html.contains("Max-Age=0: your browser deletes <code>testcookie</code> now."));
}

#[tokio::test]
async fn the_session_panel_shows_the_real_sessionid_split_without_its_key() {
    let app = spawn_app().await;
    let response = app.get("/session/").await;
    let [header] = <[String; 1]>::try_from(set_cookie_headers(&response)).unwrap();
    let html = response.text().await.unwrap();
    let value = cookie::Cookie::parse_encoded(header.clone())
        .unwrap()
        .value()
        .to_owned();
    let (signature, key) = value.split_at(44);

    // The panel's header is the real one with the value cut after 8 characters, as everywhere.
    let encoded = header
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("sessionid=")
        .unwrap();
    let attributes = &header[header.find(';').unwrap()..];
    assert_eq!(
        set_cookie_panel(&html),
        [format!("sessionid={}…{attributes}", &encoded[..8])]
    );
    let shown = |class: &str| unescape_html(text_of(&html, &format!(r#"<code class="{class}">"#)));
    assert_eq!(shown("signature"), signature);
    assert_eq!(shown("session-key"), format!("{}…", &key[..8]));
    assert!(!html.contains(&key[..9]), "only 8 characters of the key");
    assert!(
        html.contains("This is why <code>sessionid</code> does not start with the session key")
    );
    assert!(html.contains("<dt><code>HttpOnly</code></dt><dd>keep it from page scripts"));

    // The sessionid sent back is split the same way where the server's side is shown.
    let pair = session_cookie_pair(&app.get("/session/").await);
    let html = app
        .page_with_cookie("/session/about/", pair.as_bytes())
        .await;
    // Both the new cookie and the sent one are split; why, is said once, beside the key.
    assert_eq!(html.matches(r#"<code class="signature">"#).count(), 2);
    assert_eq!(html.matches("This is why").count(), 1);
    let stored = &html[html.find(r#"id="stored-session""#).unwrap()..];
    let sent_value = cookie::Cookie::parse_encoded(pair.clone())
        .unwrap()
        .value()
        .to_owned();
    assert!(stored.contains(&format!(
        r#"<code class="signature">{}</code>"#,
        &sent_value[..44]
    )));
}

#[tokio::test]
async fn a_session_that_did_not_change_sets_no_cookie_and_says_so() {
    let app = spawn_app().await;
    let pair = session_cookie_pair(&app.get("/session/").await);
    // The about page removes the test cookie (a write); the next one within the period does not.
    app.get_with_cookie("/session/about/", pair.as_bytes())
        .await;
    let response = app
        .get_with_cookie("/session/about/", pair.as_bytes())
        .await;
    assert!(set_cookie_headers(&response).is_empty());
    let html = response.text().await.unwrap();
    assert!(set_cookie_panel(&html).is_empty());
    assert!(text_of(&html, r#"<p id="set-cookies">"#).starts_with("No "));
}

#[tokio::test]
async fn a_browser_session_cookie_is_called_one() {
    let app = spawn_app_with(|s| s.session.session_expire_at_browser_close = true).await;
    let response = app.get("/session/").await;
    let headers = set_cookie_headers(&response);
    assert!(!headers[0].contains("Max-Age"), "{headers:?}");
    let html = response.text().await.unwrap();
    assert_eq!(set_cookie_panel(&html).len(), 1);
    assert!(html.contains("Neither Max-Age nor Expires"));
}
