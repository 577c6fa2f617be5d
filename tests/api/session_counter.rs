use chrono::TimeDelta;
use cookie::SameSite;
use diesel::prelude::*;

use crate::helpers::{
    TestApp, session_cookie_pair, session_key_of, set_cookie, set_cookies, signed_session_cookie,
    spawn_app, spawn_app_with, views_shown, visit_count,
};

/// Rows in the app's sessions table.
fn stored_sessions(app: &TestApp) -> i64 {
    diesel::sql_query("SELECT session_key FROM sessions")
        .load::<KeyRow>(&mut app.sqlite())
        .unwrap()
        .len() as i64
}

#[derive(QueryableByName)]
struct KeyRow {
    #[allow(dead_code)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    session_key: String,
}

#[tokio::test]
async fn first_visit_gives_only_a_django_style_session_cookie() {
    let app = spawn_app().await;
    let response = app.get("/session/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["vary"], "Cookie, Accept-Language");

    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "only sessionid: {cookies:?}");
    let session = &cookies[0];
    assert_eq!(session.name(), "sessionid");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.same_site(), Some(SameSite::Lax));
    assert_eq!(session.path(), Some("/"));
    assert_ne!(
        session.secure(),
        Some(true),
        "plain http://127.0.0.1 must work"
    );
    assert_eq!(
        session.max_age().map(|a| a.whole_seconds()),
        Some(1_209_600)
    );

    let html = response.text().await.unwrap();
    assert_eq!(visit_count(&html), 1);
    assert_eq!(views_shown(&html), 1);
    assert_eq!(stored_sessions(&app), 1);
}

#[tokio::test]
async fn num_visits_counts_every_view_and_the_rango_rule_counts_per_period() {
    let app = spawn_app().await;
    let browser = app.browser();
    for expected in 1..=3 {
        let html = browser.get("/session/").await.text().await.unwrap();
        assert_eq!(views_shown(&html), expected);
        assert_eq!(visit_count(&html), 1, "same period: the Rango count stays");
    }
    app.clock
        .advance(TimeDelta::days(1) - TimeDelta::seconds(1));
    assert_eq!(browser.visits("/session/").await, 1);
    app.clock.advance(TimeDelta::seconds(1));
    let html = browser.get("/session/").await.text().await.unwrap();
    assert_eq!(visit_count(&html), 2);
    assert_eq!(views_shown(&html), 5);
    assert_eq!(stored_sessions(&app), 1, "one visitor, one row");
}

#[tokio::test]
async fn the_browser_holds_no_counter_cookies() {
    let app = spawn_app().await;
    let browser = app.browser();
    for path in ["/session/", "/session/about/", "/session/"] {
        let response = browser.get(path).await;
        for cookie in set_cookies(&response) {
            assert_eq!(cookie.name(), "sessionid", "{path} set {cookie}");
        }
    }
}

#[tokio::test]
async fn the_about_page_confirms_the_test_cookie_once_and_then_writes_nothing() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/session/").await;

    let about = browser.get("/session/about/").await;
    let html = about.text().await.unwrap();
    assert!(html.contains("The test cookie came back"));
    assert!(
        app.logged("INFO", "TEST COOKIE WORKED!"),
        "{:#?}",
        app.logs()
    );

    // Nothing changes now: the session is not written, so no cookie is sent either.
    let again = browser.get("/session/about/").await;
    assert!(set_cookies(&again).is_empty(), "{:?}", set_cookies(&again));
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Your browser sends cookies back")
    );

    // The about page counts by the Rango rule too.
    app.clock.advance(TimeDelta::days(1));
    let counted = browser.get("/session/about/").await;
    assert!(
        set_cookie(&counted, "sessionid").is_some(),
        "a change is saved"
    );
    assert_eq!(visit_count(&counted.text().await.unwrap()), 2);
}

#[tokio::test]
async fn the_about_page_warns_when_no_cookie_comes_back() {
    let app = spawn_app().await;
    app.get("/session/").await;
    let html = app.get("/session/about/").await.text().await.unwrap();
    assert!(html.contains("Cookies look blocked"));
}

#[tokio::test]
async fn reset_flushes_the_stored_session_and_expires_the_cookie() {
    let app = spawn_app().await;
    let first = app.get("/session/").await;
    let cookie = session_cookie_pair(&first);
    app.get_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(stored_sessions(&app), 1);

    let response = app
        .raw
        .post(app.url("/session/reset"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/session/");
    let removal = set_cookie(&response, "sessionid").unwrap();
    assert_eq!(removal.max_age().map(|a| a.whole_seconds()), Some(0));
    assert_eq!(stored_sessions(&app), 0, "the row is deleted");

    // A client that kept the old cookie starts over under a new key.
    let replay = app.get_with_cookie("/session/", cookie.as_bytes()).await;
    let new_cookie = session_cookie_pair(&replay);
    assert_ne!(session_key_of(&new_cookie), session_key_of(&cookie));
    assert_eq!(views_shown(&replay.text().await.unwrap()), 1);
    assert_eq!(
        app.get("/session/reset").await.status(),
        405,
        "reset is POST only"
    );
}

#[tokio::test]
async fn forged_short_unknown_and_expired_keys_are_never_adopted() {
    let app = spawn_app().await;
    let issued = session_cookie_pair(&app.get("/session/").await);
    diesel::sql_query("UPDATE sessions SET expire_date = '2000-01-01 00:00:00'")
        .execute(&mut app.sqlite())
        .unwrap();
    let unknown = "A".repeat(64);
    let presented = [
        "sessionid=abc".to_owned(),                           // short, unsigned
        format!("sessionid={unknown}"),                       // unsigned
        signed_session_cookie(&unknown),                      // signed, never issued
        signed_session_cookie("short"),                       // signed, malformed
        signed_session_cookie("x'; DROP TABLE sessions; --"), // signed, hostile
        issued.clone(),                                       // issued, but expired
    ];
    for cookie in presented {
        let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
        assert_eq!(response.status(), 200, "{cookie}");
        let key = session_key_of(&session_cookie_pair(&response));
        assert_eq!(key.len(), 64);
        assert_ne!(key, unknown);
        assert_ne!(key, session_key_of(&issued));
        let html = response.text().await.unwrap();
        assert_eq!(views_shown(&html), 1, "{cookie}");
    }
}

/// Data that is not JSON, or (SQLite keeps any text in any column) an expiry that is not a time.
#[tokio::test]
async fn a_damaged_row_gives_an_empty_session_not_an_error() {
    for damage in [
        "UPDATE sessions SET session_data = 'not json at all'",
        "UPDATE sessions SET expire_date = 'tomorrow'",
    ] {
        let app = spawn_app().await;
        let cookie = session_cookie_pair(&app.get("/session/").await);
        diesel::sql_query(damage)
            .execute(&mut app.sqlite())
            .unwrap();
        let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
        assert_eq!(response.status(), 200, "{damage}");
        let html = response.text().await.unwrap();
        assert_eq!(views_shown(&html), 1, "{damage}");
        assert!(
            app.logged("WARN", "Invalid session state"),
            "{damage}: {:#?}",
            app.logs()
        );
        // The next write replaced the damaged row under the same key.
        let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
        assert_eq!(views_shown(&html), 2, "{damage}");
    }
}

#[tokio::test]
async fn session_values_of_the_wrong_shape_restart_the_counter() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let wrong_shapes = r#"{"visits":"\"many\"","last_visit":"12","num_visits":"-4"}"#;
    diesel::sql_query("UPDATE sessions SET session_data = ?")
        .bind::<diesel::sql_types::Text, _>(wrong_shapes)
        .execute(&mut app.sqlite())
        .unwrap();
    let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert_eq!(visit_count(&html), 1);
    assert_eq!(views_shown(&html), 1);
    assert!(app.logged("WARN", "wrong shape"), "{:#?}", app.logs());
}

#[tokio::test]
async fn counts_survive_a_restart_on_the_same_database() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    app.get_with_cookie("/session/", cookie.as_bytes()).await;
    let app = app.restart().await;
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 3);
}

mod settings {
    use super::*;

    #[tokio::test]
    async fn secure_cookie_when_asked() {
        let app = spawn_app_with(|s| s.session.session_cookie_secure = true).await;
        let cookie = set_cookie(&app.get("/session/").await, "sessionid").unwrap();
        assert_eq!(cookie.secure(), Some(true));
    }

    #[tokio::test]
    async fn cookie_age_sets_max_age() {
        let app = spawn_app_with(|s| s.session.session_cookie_age = 300).await;
        let cookie = set_cookie(&app.get("/session/").await, "sessionid").unwrap();
        assert_eq!(cookie.max_age().map(|a| a.whole_seconds()), Some(300));
    }

    #[tokio::test]
    async fn expire_at_browser_close_sends_a_browser_session_cookie() {
        let app = spawn_app_with(|s| s.session.session_expire_at_browser_close = true).await;
        let cookie = set_cookie(&app.get("/session/").await, "sessionid").unwrap();
        assert_eq!(cookie.max_age(), None);
        assert_eq!(cookie.expires(), None);
        assert_eq!(cookie.http_only(), Some(true));
    }

    #[tokio::test]
    async fn save_every_request_refreshes_an_unchanged_session() {
        for save_every_request in [false, true] {
            let app =
                spawn_app_with(|s| s.session.session_save_every_request = save_every_request).await;
            let cookie = session_cookie_pair(&app.get("/session/").await);
            app.get_with_cookie("/session/about/", cookie.as_bytes())
                .await; // removes the test cookie
            let expiry = || {
                diesel::sql_query("SELECT expire_date AS session_key FROM sessions")
                    .load::<KeyRow>(&mut app.sqlite())
                    .unwrap()
                    .remove(0)
                    .session_key
            };
            let before = expiry();
            app.clock.advance(chrono::TimeDelta::seconds(1));
            let unchanged = app
                .get_with_cookie("/session/about/", cookie.as_bytes())
                .await;
            assert_eq!(
                set_cookie(&unchanged, "sessionid").is_some(),
                save_every_request,
                "cookie refreshed only when saving every request"
            );
            assert_eq!(expiry() != before, save_every_request, "expiry moved");
        }
    }
}

/// Another site's cookie on the same host with a byte that is not ASCII (`theme=café` in
/// Latin-1) made actix-web refuse the whole header: `sessionid` was missed, and every request
/// started a new session, silently.
#[tokio::test]
async fn a_foreign_cookie_that_is_not_ascii_does_not_cost_the_session() {
    let app = spawn_app().await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let header = [b"theme=caf\xe9; ".as_slice(), cookie.as_bytes()].concat();
    for expected in 2..=3 {
        let response = app.get_with_cookie("/session/", &header).await;
        assert_eq!(response.status(), 200);
        assert_eq!(views_shown(&response.text().await.unwrap()), expected);
    }
    assert_eq!(stored_sessions(&app), 1, "no new session per request");
    assert!(app.logged("WARN", "not ASCII"), "{:#?}", app.logs());
}

/// A restart forgot every session: each start made a fresh random key. Now the first start keeps
/// a key beside the database, readable by its owner only, and the next start uses it.
#[tokio::test]
async fn a_restart_keeps_sessions_with_no_setup() {
    use std::os::unix::fs::PermissionsExt as _;
    let app = spawn_app_with(|s| s.session.secret_key = None).await;
    let cookie = session_cookie_pair(&app.get("/session/").await);
    let key_file = app.dir.path().join("secret_key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner may read it");
    let app = app.restart().await;
    let html = app.page_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(views_shown(&html), 2, "the session outlived the restart");
}

#[tokio::test]
async fn a_given_secret_key_makes_no_key_file() {
    let app = spawn_app().await;
    app.get("/session/").await;
    assert!(!app.dir.path().join("secret_key").exists());
}
