//! The session backends through the real app: signed cookies, and several instances sharing
//! PostgreSQL or Redis as a load balancer would spread one visitor over them.

use std::process::{Child, Command, Stdio};

use cookies_vs_sessions::config::{SessionBackendKind, Settings};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use crate::helpers::{
    TestApp, eventually, session_cookie_pair, session_key_of, set_cookie, spawn_app_with,
    views_shown, visit_count,
};
use crate::services::{PgSchema, redis_url, unique_name};

/// GET /session/ with the given cookie; returns the cookie to send next and the page.
async fn visit(app: &TestApp, cookie: Option<&str>) -> (String, String) {
    let response = match cookie {
        Some(cookie) => app.get_with_cookie("/session/", cookie.as_bytes()).await,
        None => app.get("/session/").await,
    };
    assert_eq!(response.status(), 200);
    let next = set_cookie(&response, "sessionid")
        .map(|_| session_cookie_pair(&response))
        .or(cookie.map(str::to_owned))
        .unwrap();
    (next, response.text().await.unwrap())
}

/// One visitor alternating between two instances sees one exact count, and a flush on one
/// instance is seen by the other.
async fn two_instances_share_sessions(configure: impl Fn(&mut Settings) + Clone) {
    let first = spawn_app_with(configure.clone()).await;
    let second = spawn_app_with(configure).await;
    let mut cookie = None;
    for n in 1..=10 {
        let app = if n % 2 == 1 { &first } else { &second };
        let (next, html) = visit(app, cookie.as_deref()).await;
        assert_eq!(views_shown(&html), n, "visit {n} on port {}", app.port);
        cookie = Some(next);
    }
    let cookie = cookie.unwrap();
    let flush = first
        .raw
        .post(first.url("/session/reset"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(flush.status(), 303);
    let (_, html) = visit(&second, Some(&cookie)).await;
    assert_eq!(views_shown(&html), 1, "the other instance saw the flush");
}

/// Settings that keep the sessions in `schema`.
fn on_postgresql(schema: &PgSchema) -> impl Fn(&mut Settings) + Clone + use<> {
    let url = schema.url();
    move |s: &mut Settings| s.database.database_url = url.parse().unwrap()
}

#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn two_instances_on_one_postgresql_database() {
    let schema = PgSchema::create().await;
    two_instances_share_sessions(on_postgresql(&schema)).await;
}

fn on_redis(backend: SessionBackendKind, url: String) -> impl Fn(&mut Settings) + Clone {
    let prefix = format!("{}:", unique_name("cvs_test"));
    move |s: &mut Settings| {
        s.session.session_backend = backend;
        s.session.redis_url = Some(url.clone());
        s.session.redis_key_prefix = prefix.clone();
    }
}

#[tokio::test]
#[ignore = "needs TEST_REDIS_URL"]
async fn two_instances_on_one_redis() {
    let url = redis_url();
    two_instances_share_sessions(on_redis(SessionBackendKind::Redis, url)).await;
}

#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL and TEST_REDIS_URL"]
async fn two_cached_db_instances_on_one_postgresql_and_one_redis() {
    let (schema, redis) = (PgSchema::create().await, redis_url());
    let (cached, postgresql) = (
        on_redis(SessionBackendKind::CachedDb, redis),
        on_postgresql(&schema),
    );
    two_instances_share_sessions(move |s| {
        cached(s);
        postgresql(s);
    })
    .await;
}

mod signed_cookie {
    use super::*;

    async fn app() -> TestApp {
        spawn_app_with(|s| s.session.session_backend = SessionBackendKind::SignedCookie).await
    }

    #[tokio::test]
    async fn the_whole_session_travels_in_the_cookie() {
        let app = app().await;
        let (cookie, html) = visit(&app, None).await;
        assert!(html.contains("signed-cookie"));
        assert!(html.contains("you cannot change it"));
        let state = session_key_of(&cookie);
        assert!(state.contains(r#""num_visits":"1""#), "{state}");
        let (cookie, html) = visit(&app, Some(&cookie)).await;
        assert_eq!(views_shown(&html), 2);
        assert!(session_key_of(&cookie).contains(r#""num_visits":"2""#));
        assert!(
            !app.dir.path().join("sessions.sqlite3").exists(),
            "no database"
        );
    }

    #[tokio::test]
    async fn an_altered_cookie_is_refused() {
        let app = app().await;
        let (cookie, _) = visit(&app, None).await;
        let (cookie, _) = visit(&app, Some(&cookie)).await;
        let altered = cookie.replace(
            "%22num_visits%22%3A%222%22",
            "%22num_visits%22%3A%221000%22",
        );
        assert_ne!(altered, cookie, "the count is in the cookie: {cookie}");
        let (_, html) = visit(&app, Some(&altered)).await;
        assert_eq!(views_shown(&html), 1, "a new session, not 1001");
    }

    #[tokio::test]
    async fn a_copy_of_the_cookie_cannot_be_revoked() {
        let app = app().await;
        let (kept, _) = visit(&app, None).await;
        let flush = app
            .raw
            .post(app.url("/session/reset"))
            .header("cookie", &kept)
            .send()
            .await
            .unwrap();
        assert_eq!(flush.status(), 303);
        let (_, html) = visit(&app, Some(&kept)).await;
        assert_eq!(views_shown(&html), 2, "the old copy still works");
        assert_eq!(visit_count(&html), 1);
    }

    /// As Django's `signed_cookies`, which checks the signature's age: a copy replayed after the
    /// session cookie age is refused, though the browser would have dropped it anyway.
    #[tokio::test]
    async fn a_copy_replayed_after_the_session_age_is_refused() {
        let app = app().await;
        let (kept, _) = visit(&app, None).await;
        let (_, html) = visit(&app, Some(&kept)).await;
        assert_eq!(views_shown(&html), 2, "valid within its age");
        app.clock
            .advance(chrono::TimeDelta::weeks(2) + chrono::TimeDelta::seconds(1));
        let (_, html) = visit(&app, Some(&kept)).await;
        assert_eq!(views_shown(&html), 1, "expired: a new session");
    }
}

/// A `redis-server` of the test's own, so that the test may stop it.
struct PrivateRedis {
    child: Child,
    url: String,
    port: u16,
}

impl PrivateRedis {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port).await
    }

    async fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server should be installed (scripts/test-services.sh installs it)");
        // Owned at once, so that `Drop` stops it whatever happens next.
        let redis = Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
            port,
        };
        let answers = async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        };
        assert!(eventually(answers).await, "redis-server did not start");
        redis
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs redis-server"]
async fn cached_db_keeps_serving_when_its_redis_cache_dies() {
    let mut redis = PrivateRedis::start().await;
    let app = spawn_app_with(on_redis(SessionBackendKind::CachedDb, redis.url.clone())).await;
    let (cookie, _) = visit(&app, None).await;
    let (cookie, _) = visit(&app, Some(&cookie)).await;

    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    for n in 3..=4 {
        let (_, html) = visit(&app, Some(&cookie)).await;
        assert_eq!(views_shown(&html), n, "served from the database");
    }
    assert!(app.logged("WARN", "session cache"), "{:#?}", app.logs());
}

/// Fifty requests of one session spread over two instances at once: turns within an instance
/// cannot order them, the version check does. Each is applied (200) or refused with a retryable
/// 409; none is silently lost.
async fn parallel_requests_over_two_instances_lose_no_update(
    configure: impl Fn(&mut Settings) + Clone,
) {
    let first = spawn_app_with(configure.clone()).await;
    let second = spawn_app_with(configure).await;
    let (cookie, _) = visit(&first, None).await;
    let requests = (0..50).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        app.get_with_cookie("/session/", cookie.as_bytes())
    });
    let mut applied = 0;
    for response in futures_util::future::join_all(requests).await {
        match response.status().as_u16() {
            200 => applied += 1,
            409 => assert_eq!(response.headers()["retry-after"], "0"),
            status => panic!("status {status}"),
        }
    }
    let (_, html) = visit(&second, Some(&cookie)).await;
    assert_eq!(views_shown(&html), applied + 2, "{applied} applied");
}

#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn parallel_requests_over_two_postgresql_instances_lose_no_update() {
    let schema = PgSchema::create().await;
    parallel_requests_over_two_instances_lose_no_update(on_postgresql(&schema)).await;
}

/// Fifty requests of one session at once on one PostgreSQL instance: all applied, none lost. Their
/// writes queue in the session's line, and those that wait behind one on its way are written as
/// one `UPDATE`.
#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn parallel_requests_of_one_session_on_postgresql_lose_no_update() {
    let schema = PgSchema::create().await;
    let app = spawn_app_with(on_postgresql(&schema)).await;
    let (cookie, _) = visit(&app, None).await;
    let requests = (0..50).map(|_| app.get_with_cookie("/session/", cookie.as_bytes()));
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    let (_, html) = visit(&app, Some(&cookie)).await;
    assert_eq!(views_shown(&html), 52, "1 + 50 + this one");
}

/// actix-session's own Redis store overwrote: 29-37 % of the updates answered 200 were lost.
#[tokio::test]
#[ignore = "needs TEST_REDIS_URL"]
async fn parallel_requests_over_two_redis_instances_lose_no_update() {
    parallel_requests_over_two_instances_lose_no_update(on_redis(
        SessionBackendKind::Redis,
        redis_url(),
    ))
    .await;
}

/// Redis killed under a live app: 503 at once (it hung past 15 s), and served again within
/// seconds of Redis coming back (it took about 110 s).
#[tokio::test]
#[ignore = "needs redis-server"]
async fn a_lost_redis_gives_503_at_once_and_the_site_recovers_within_seconds() {
    let mut redis = PrivateRedis::start().await;
    let app = spawn_app_with(on_redis(SessionBackendKind::Redis, redis.url.clone())).await;
    let (cookie, _) = visit(&app, None).await;

    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    let started = std::time::Instant::now();
    let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(response.status(), 503);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    let _back = PrivateRedis::start_on(redis.port).await;
    let started = std::time::Instant::now();
    let served = async || app.get("/session/").await.status() == 200;
    assert!(
        eventually(served).await,
        "not served 5 s after Redis came back"
    );
    tracing::info!(after = ?started.elapsed(), "served again");
}

/// PostgreSQL loses the sessions under a live app (this test's schema renamed away, the closest
/// to "the database is gone" that leaves the other tests' connections alone), then gets them back.
#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn a_lost_postgresql_store_gives_503_and_the_site_recovers() {
    let schema = PgSchema::create().await;
    let app = spawn_app_with(on_postgresql(&schema)).await;
    let (cookie, _) = visit(&app, None).await;

    let mut admin = AsyncPgConnection::establish(&std::env::var("TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    let rename = |from: &str, to: &str| format!("ALTER SCHEMA {from} RENAME TO {to}");
    let away = format!("{}_away", schema.name());
    admin
        .batch_execute(&rename(schema.name(), &away))
        .await
        .unwrap();
    let response = app.get_with_cookie("/session/", cookie.as_bytes()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        app.get("/cookie/").await.status(),
        200,
        "the cookie pages keep working"
    );

    admin
        .batch_execute(&rename(&away, schema.name()))
        .await
        .unwrap();
    let (_, html) = visit(&app, Some(&cookie)).await;
    assert_eq!(views_shown(&html), 2, "recovered, nothing lost");
}
