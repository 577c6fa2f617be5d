//! When the next visit counts: said in UTC and in words, for the countdown script to take over.

use chrono::TimeDelta;

use crate::helpers::{spawn_app, spawn_app_with, text_of};

#[tokio::test]
async fn both_counters_say_when_the_next_visit_counts() {
    let app = spawn_app().await;
    for path in ["/cookie/", "/session/"] {
        let browser = app.browser();
        let html = browser.get(path).await.text().await.unwrap();
        // The app's clock starts at 2026-03-01T09:30:00Z; the period is a day.
        assert!(html.contains(
            r#"<time id="next-visit-at" datetime="2026-03-02T09:30:00Z" data-local-time>2026-03-02 09:30:00 UTC</time>"#
        ), "{path}");
        assert_eq!(
            text_of(
                &html,
                r#"data-done="The period has passed: reload to count this visit.">"#
            ),
            "That is in 1 day."
        );
        assert!(html.contains(r#"data-countdown="2026-03-02T09:30:00Z""#));
        assert!(html.contains(r#"data-left="That is in {left}.""#));
        let hint = text_of(&html, r#"<p id="shorten-period">"#);
        assert!(hint.contains("shorter period"), "{hint}");
        assert!(html.contains("<code>cargo run -- --visit-period 10s</code>"));
        assert!(html.contains("<code>VISIT_PERIOD=10s cargo run</code>"));

        app.clock
            .advance(TimeDelta::hours(22) + TimeDelta::minutes(30));
        let html = browser.get(path).await.text().await.unwrap();
        assert!(
            html.contains(">That is in 1 hour 30 minutes.</span>"),
            "{path}"
        );
        app.clock.advance(TimeDelta::minutes(90));
        // The period has passed: this visit counted, and the next is a day away again.
        let html = browser.get(path).await.text().await.unwrap();
        assert!(
            html.contains(r#"datetime="2026-03-03T09:30:00Z""#),
            "{path}"
        );
        app.clock.advance(-TimeDelta::days(1));
    }
}

#[tokio::test]
async fn with_a_zero_period_every_reload_counts() {
    let app = spawn_app_with(|s| s.visit_period = TimeDelta::zero()).await;
    let html = app.get("/cookie/about/").await.text().await.unwrap();
    let countdown = &html[html.find(r#"<span id="countdown""#).unwrap()..];
    assert!(countdown.contains(">The period has passed: reload to count this visit.</span>"));
}
