use chrono::TimeDelta;
use cookie::SameSite;

use crate::helpers::{set_cookie, spawn_app, spawn_app_with, start_time, text_of};

const TWO_WEEKS: i64 = 14 * 24 * 60 * 60;

#[tokio::test]
async fn first_visit_counts_one_and_sets_readable_cookies() {
    let app = spawn_app().await;
    let response = app.get("/cookie/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["vary"], "Cookie, Accept-Language");

    let visits = set_cookie(&response, "visits").expect("visits cookie");
    let last_visit = set_cookie(&response, "last_visit").expect("last_visit cookie");
    assert_eq!(visits.value(), "1");
    assert_eq!(last_visit.value(), "2026-03-01T09:30:00Z");
    for cookie in [&visits, &last_visit] {
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.max_age().map(|a| a.whole_seconds()), Some(TWO_WEEKS));
        assert_ne!(
            cookie.http_only(),
            Some(true),
            "the client must be able to read it"
        );
    }
    let test_cookie = set_cookie(&response, "testcookie").expect("test cookie");
    assert_eq!(test_cookie.value(), "worked");
    assert_eq!(test_cookie.max_age(), None, "a browser-session cookie");

    let html = response.text().await.unwrap();
    assert_eq!(text_of(&html, r#"id="visit-count">"#), "1");
    assert_eq!(
        text_of(&html, r#"id="last-visit" datetime="2026-03-01T09:30:00Z">"#),
        "2026-03-01T09:30:00Z"
    );
}

#[tokio::test]
async fn cookie_age_is_configurable() {
    let app = spawn_app_with(|settings| settings.cookie_age = 60).await;
    let response = app.get("/cookie/").await;
    let visits = set_cookie(&response, "visits").unwrap();
    assert_eq!(visits.max_age().map(|a| a.whole_seconds()), Some(60));
}

#[tokio::test]
async fn a_revisit_within_the_period_does_not_count() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.visits("/cookie/").await, 1);
    app.clock
        .advance(TimeDelta::days(1) - TimeDelta::seconds(1));
    let response = browser.get("/cookie/").await;
    assert_eq!(
        set_cookie(&response, "last_visit").unwrap().value(),
        "2026-03-01T09:30:00Z"
    );
    assert_eq!(
        crate::helpers::visit_count(&response.text().await.unwrap()),
        1
    );
}

#[tokio::test]
async fn a_revisit_after_the_period_counts_and_moves_last_visit() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.visits("/cookie/").await, 1);
    app.clock.advance(TimeDelta::days(1));
    let response = browser.get("/cookie/").await;
    assert_eq!(set_cookie(&response, "visits").unwrap().value(), "2");
    assert_eq!(
        set_cookie(&response, "last_visit").unwrap().value(),
        "2026-03-02T09:30:00Z"
    );
    app.clock.advance(TimeDelta::days(3));
    assert_eq!(
        browser.visits("/cookie/").await,
        3,
        "one count per visit, however long the gap"
    );
}

#[tokio::test]
async fn the_period_is_configurable() {
    let app = spawn_app_with(|settings| settings.visit_period = TimeDelta::seconds(10)).await;
    let browser = app.browser();
    assert_eq!(browser.visits("/cookie/").await, 1);
    app.clock.advance(TimeDelta::seconds(9));
    assert_eq!(browser.visits("/cookie/").await, 1);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(browser.visits("/cookie/").await, 2);
}

#[tokio::test]
async fn the_about_page_counts_by_the_same_rule() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.visits("/cookie/").await, 1);
    assert_eq!(browser.visits("/cookie/about/").await, 1);
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(browser.visits("/cookie/about/").await, 2);
    assert_eq!(browser.visits("/cookie/").await, 2);
}

#[tokio::test]
async fn the_test_cookie_round_trip_is_confirmed_logged_and_removed() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/cookie/").await;

    let about = browser.get("/cookie/about/").await;
    let removal = set_cookie(&about, "testcookie").expect("the test cookie is expired");
    assert_eq!(removal.max_age().map(|a| a.whole_seconds()), Some(0));
    let html = about.text().await.unwrap();
    assert!(html.contains("The test cookie came back: your browser accepts cookies."));
    assert!(
        app.logged("INFO", "TEST COOKIE WORKED!"),
        "{:#?}",
        app.logs()
    );

    // The browser has proved it keeps cookies: no new test cookie, no second confirmation.
    let index = browser.get("/cookie/").await;
    assert!(set_cookie(&index, "testcookie").is_none());
    let html = browser.get("/cookie/about/").await.text().await.unwrap();
    assert!(html.contains("Your browser sends cookies back"));
    let confirmations = app
        .logs()
        .iter()
        .filter(|l| l.contains("TEST COOKIE WORKED!"))
        .count();
    assert_eq!(confirmations, 1);
}

#[tokio::test]
async fn the_about_page_warns_when_no_cookie_comes_back() {
    let app = spawn_app().await;
    app.get("/cookie/").await; // the raw client keeps nothing, like a browser blocking cookies
    let response = app.get("/cookie/about/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Cookies look blocked"));
    assert!(!app.logged("INFO", "TEST COOKIE WORKED!"));
}

#[tokio::test]
async fn reset_expires_every_counter_cookie_and_redirects() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/cookie/").await;
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(browser.visits("/cookie/").await, 2);

    let response = browser.post("/cookie/reset").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/cookie/");
    for name in ["visits", "last_visit", "testcookie"] {
        let removal = set_cookie(&response, name).unwrap_or_else(|| panic!("{name} removal"));
        assert_eq!(
            removal.max_age().map(|a| a.whole_seconds()),
            Some(0),
            "{name}"
        );
        assert_eq!(removal.path(), Some("/"));
    }
    assert_eq!(browser.visits("/cookie/").await, 1, "a new visitor again");
    assert_eq!(
        app.get("/cookie/reset").await.status(),
        405,
        "reset is POST only"
    );
}

/// Cookie headers the chapter's code answers with a 500. Each must render as a new visitor.
#[tokio::test]
async fn bad_cookie_values_count_as_a_new_visitor_with_a_warning() {
    let with_good_time = |visits: &[u8]| [visits, b"; last_visit=2026-03-01T00:00:00Z"].concat();
    let cases: Vec<Vec<u8>> = vec![
        with_good_time(b"visits=abc"),
        with_good_time(b"visits=-3"),
        with_good_time(b"visits=1e9"),
        with_good_time(b"visits=99999999999999999999999"),
        with_good_time(b"visits="),
        // 8 KB of digits: the header stays under the 8 KiB limit on Cookie headers.
        with_good_time(format!("visits={}", "9".repeat(8000)).as_bytes()),
        with_good_time(b"visits=\xff\xfe"),
        with_good_time(b"visits=5; visits=6"),
        b"visits=5; last_visit=yesterday".to_vec(),
        b"visits=5; last_visit=2026-03-01 09:00:00.123456".to_vec(),
        b"visits=5; last_visit=2026-03-01T00:00:00Z; last_visit=2026-03-01T00:00:00Z".to_vec(),
        b"visits=5".to_vec(),
        b"last_visit=2026-03-01T00:00:00Z".to_vec(),
    ];
    let app = spawn_app().await;
    for header in &cases {
        let shown = String::from_utf8_lossy(header)
            .chars()
            .take(60)
            .collect::<String>();
        let response = app.get_with_cookie("/cookie/", header).await;
        assert_eq!(response.status(), 200, "{shown}");
        assert_eq!(
            set_cookie(&response, "visits").unwrap().value(),
            "1",
            "{shown}"
        );
        assert_eq!(
            set_cookie(&response, "last_visit").unwrap().value(),
            "2026-03-01T09:30:00Z",
            "{shown}"
        );
        let html = response.text().await.unwrap();
        assert_eq!(text_of(&html, r#"id="visit-count">"#), "1", "{shown}");
    }
    let warnings = app
        .logs()
        .iter()
        .filter(|l| l.contains("WARN") && l.contains("new visitor"))
        .count();
    assert_eq!(warnings, cases.len(), "{:#?}", app.logs());
}

#[tokio::test]
async fn a_last_visit_in_the_future_is_treated_as_now() {
    let app = spawn_app().await;
    let response = app
        .get_with_cookie("/cookie/", b"visits=5; last_visit=2099-01-01T00:00:00Z")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(set_cookie(&response, "visits").unwrap().value(), "5");
    assert_eq!(
        set_cookie(&response, "last_visit").unwrap().value(),
        start_time().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert!(app.logged("WARN", "in the future"), "{:#?}", app.logs());
}

#[tokio::test]
async fn a_client_edited_count_is_believed() {
    // The weakness this module exists to show: the client owns the number.
    let app = spawn_app().await;
    let response = app
        .get_with_cookie("/cookie/", b"visits=1000; last_visit=2026-02-01T00:00:00Z")
        .await;
    assert_eq!(
        crate::helpers::visit_count(&response.text().await.unwrap()),
        1001
    );
}
