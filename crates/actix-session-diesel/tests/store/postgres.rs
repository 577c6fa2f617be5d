//! What only PostgreSQL does: instances sharing one database, and TLS as `sslmode` asks.

use actix_session_diesel::{DatabaseUrl, DieselSessionStore, Error};
use diesel_async::SimpleAsyncConnection as _;

use crate::common::{postgres_schema, service_url};

#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn instances_starting_together_migrate_one_database_once() {
    let schema = postgres_schema().await;
    let url: DatabaseUrl = schema.url().parse().unwrap();
    let starts = (0..8).map(|_| actix_session_diesel::migrate(&url));
    let applied: Vec<_> = futures_util::future::join_all(starts).await;
    let applied: Vec<_> = applied.into_iter().map(Result::unwrap).collect();
    let migrated = applied
        .iter()
        .filter(|versions| !versions.is_empty())
        .count();
    assert_eq!(
        migrated, 1,
        "one start migrates, the others find nothing to do: {applied:?}"
    );
}

#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn several_instances_purge_one_database_without_fighting() {
    let schema = postgres_schema().await;
    let store = || async {
        DieselSessionStore::builder(schema.url().parse().unwrap())
            .pool_size(2)
            .build()
            .await
            .unwrap()
    };
    let (first, second) = (store().await, store().await);
    schema
        .admin()
        .await
        .batch_execute(
            "INSERT INTO sessions SELECT 'expired' || n, '{}', TIMESTAMP '2000-01-01' \
             FROM generate_series(1, 20000) AS n; \
             INSERT INTO sessions VALUES ('live', '{}', TIMESTAMP '2999-01-01');",
        )
        .await
        .unwrap();
    let (a, b) = tokio::join!(first.purge_expired(), second.purge_expired());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a + b,
        20_000,
        "every expired row deleted exactly once ({a} + {b})"
    );
    assert_eq!(first.purge_expired().await.unwrap(), 0);
}

/// The store `builder` makes, with one session saved in it.
async fn with_a_session(
    builder: actix_session_diesel::StoreBuilder,
) -> (DieselSessionStore, actix_session::storage::SessionKey) {
    use actix_session::storage::SessionStore as _;
    let store = builder.build().await.unwrap();
    let hour = actix_web::cookie::time::Duration::hours(1);
    let save = store.save([("n".to_owned(), "1".to_owned())].into(), &hour);
    let key = actix_session_diesel::RequestScope::new()
        .run(save)
        .await
        .unwrap();
    (store, key)
}

/// A locked table held requests as long as the lock (20 s seen): every statement is now bounded
/// by the store's timeout, after which the request gets 503, and the store works again once the
/// lock goes.
#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn a_locked_table_fails_the_call_after_the_timeout() {
    use actix_session::storage::SessionStore as _;
    use actix_session_diesel::RequestScope;
    let schema = postgres_schema().await;
    let builder = DieselSessionStore::builder(schema.url().parse().unwrap());
    let (store, key) = with_a_session(builder.timeout(std::time::Duration::from_secs(1))).await;
    let mut locker = schema.admin().await;
    locker
        .batch_execute("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE;")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = RequestScope::new().run(store.load(&key)).await.unwrap_err();
    let waited = started.elapsed();
    locker.batch_execute("COMMIT").await.unwrap();
    assert!(
        waited < std::time::Duration::from_secs(3),
        "waited {waited:?}"
    );
    let causes = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source());
    let causes: Vec<String> = causes.map(ToString::to_string).collect();
    assert!(
        causes.iter().any(|c| c.contains("statement timeout")),
        "{causes:?}"
    );
    let reload = RequestScope::new().run(store.load(&key)).await;
    assert!(reload.unwrap().is_some(), "works again once the lock goes");
}

/// Reads share one connection per runtime. When it dies (a restart, a terminated backend), at most
/// one read fails, and the next opens a fresh connection; writes never wait for it, even with a
/// pool of one.
#[tokio::test]
#[ignore = "needs TEST_DATABASE_URL"]
async fn a_dead_read_connection_is_replaced() {
    use actix_session::storage::SessionStore as _;
    use actix_session_diesel::RequestScope;
    let schema = postgres_schema().await;
    // Named, so that only this store's connections are terminated.
    let url = format!("{}&application_name={}", schema.url(), schema.name);
    let (store, key) =
        with_a_session(DieselSessionStore::builder(url.parse().unwrap()).pool_size(1)).await;
    let hour = actix_web::cookie::time::Duration::hours(1);
    let load = async || RequestScope::new().run(store.load(&key)).await;
    assert!(load().await.unwrap().is_some());

    let name = &schema.name;
    let mut admin = schema.admin().await;
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .await
        .unwrap();
    let still_alive = format!(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '{name}') \
         THEN RAISE EXCEPTION 'alive'; END IF; END $$"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while admin.batch_execute(&still_alive).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the backends outlived their termination"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let _first_may_fail = load().await;
    assert!(
        load().await.unwrap().is_some(),
        "the next read opens a fresh connection"
    );
    let save = store.save([("n".to_owned(), "2".to_owned())].into(), &hour);
    let saved = RequestScope::new().run(save).await;
    let saved = match saved {
        // The pool's own connection was terminated too: it fails once, then is replaced.
        Err(_) => {
            let save = store.save([("n".to_owned(), "2".to_owned())].into(), &hour);
            RequestScope::new().run(save).await
        }
        saved => saved,
    };
    assert!(
        saved.is_ok(),
        "writes have a connection of their own: {saved:?}"
    );
}

/// The TLS-only server's URL (`sslmode=verify-full`, host `localhost`, the script's root) with
/// `host` and `sslmode` replaced.
fn tls_url(host: &str, sslmode: &str, with_root: bool) -> DatabaseUrl {
    let mut url = url::Url::parse(&service_url("TEST_DATABASE_TLS_URL")).unwrap();
    let root = url
        .query_pairs()
        .find(|(key, _)| key == "sslrootcert")
        .map(|(_, value)| value.into_owned());
    url.set_host(Some(host)).unwrap();
    url.query_pairs_mut()
        .clear()
        .append_pair("sslmode", sslmode);
    if let (true, Some(root)) = (with_root, root) {
        url.query_pairs_mut().append_pair("sslrootcert", &root);
    }
    url.to_string().parse().unwrap()
}

async fn connect(url: DatabaseUrl) -> Result<DieselSessionStore, Error> {
    DieselSessionStore::builder(url).pool_size(1).build().await
}

fn reason(result: Result<DieselSessionStore, Error>) -> String {
    match result {
        Ok(_) => panic!("connected"),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
#[ignore = "needs TEST_DATABASE_TLS_URL"]
async fn tls_follows_sslmode() {
    // Encrypted, certificate not checked: as libpq does for `require`.
    connect(tls_url("127.0.0.1", "require", false))
        .await
        .unwrap();
    // The certificate chains to the given root; `verify-ca` does not check the name.
    connect(tls_url("127.0.0.1", "verify-ca", true))
        .await
        .unwrap();
    connect(tls_url("localhost", "verify-full", true))
        .await
        .unwrap();

    let wrong_name = reason(connect(tls_url("127.0.0.1", "verify-full", true)).await);
    assert!(
        wrong_name.contains("certificate not valid for name"),
        "{wrong_name}"
    );
    let unknown_root = reason(connect(tls_url("localhost", "verify-full", false)).await);
    assert!(unknown_root.contains("UnknownIssuer"), "{unknown_root}");
    // The server takes TLS connections only: without TLS, it says no.
    let plain = reason(connect(tls_url("localhost", "disable", false)).await);
    assert!(plain.contains("no encryption"), "{plain}");
}

#[tokio::test]
async fn a_bad_sslmode_or_root_file_is_a_clear_error() {
    let bad_mode: DatabaseUrl = "postgres://app@127.0.0.1:1/x?sslmode=maybe"
        .parse()
        .unwrap();
    let error = reason(connect(bad_mode).await);
    assert!(error.contains("unknown sslmode maybe"), "{error}");
    let missing_root: DatabaseUrl =
        "postgres://app@127.0.0.1:1/x?sslmode=verify-full&sslrootcert=/nonexistent.pem"
            .parse()
            .unwrap();
    let error = reason(connect(missing_root).await);
    assert!(error.contains("sslrootcert /nonexistent.pem"), "{error}");
}

#[tokio::test]
async fn a_refused_connection_says_why_without_the_password() {
    let url: DatabaseUrl = "postgres://app:hunter2@127.0.0.1:1/x".parse().unwrap();
    let error = reason(connect(url).await);
    assert!(error.contains("Connection refused"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}
