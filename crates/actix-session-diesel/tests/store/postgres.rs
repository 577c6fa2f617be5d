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

/// One session's requests in line on PostgreSQL, with its row locked by another connection so that
/// the store's `UPDATE` waits: the first request's write is on its way, its turn passed on, and the
/// requests after it start from that write before it is committed.
mod write_lines {
    use actix_session::storage::{SessionKey, SessionStore as _};
    use actix_session_diesel::{DieselSessionStore, RequestScope};
    use diesel_async::{AsyncPgConnection, SimpleAsyncConnection as _};
    use futures_util::FutureExt as _;

    use crate::common::{HOUR, PgSchema, copy, counter, postgres_schema};

    async fn store_on(schema: &PgSchema) -> DieselSessionStore {
        DieselSessionStore::builder(schema.url().parse().unwrap())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .await
            .unwrap()
    }

    /// A store with one session, at version 0, and the `UPDATE`s of `sessions` counted in
    /// `updates`.
    async fn one_session() -> (PgSchema, DieselSessionStore, SessionKey) {
        let schema = postgres_schema().await;
        let store = store_on(&schema).await;
        schema
            .admin()
            .await
            .batch_execute(
                "CREATE TABLE updates (n int); \
                 CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN INSERT INTO updates VALUES (1); RETURN NEW; END $$; \
                 CREATE TRIGGER counted AFTER UPDATE ON sessions FOR EACH ROW \
                 EXECUTE FUNCTION count_update();",
            )
            .await
            .unwrap();
        let key = RequestScope::new()
            .run(store.save(counter("1"), &HOUR))
            .await
            .unwrap();
        (schema, store, key)
    }

    /// Another connection's lock on every row of `sessions`, until `release()`. Should a test
    /// fail before that, PostgreSQL ends the lock's session after 10 s, so that the test's schema
    /// can be dropped.
    struct RowLock(AsyncPgConnection);

    impl RowLock {
        async fn take(schema: &PgSchema) -> Self {
            let mut connection = schema.admin().await;
            connection
                .batch_execute(
                    "SET idle_in_transaction_session_timeout = '10s'; \
                     BEGIN; SELECT * FROM sessions FOR UPDATE;",
                )
                .await
                .unwrap();
            Self(connection)
        }

        async fn release(mut self) {
            self.0.batch_execute("COMMIT").await.unwrap();
        }
    }

    /// The session's row locked, and a request (taking turns) that has loaded it.
    async fn a_request_behind_a_locked_row(
        schema: &PgSchema,
        store: &DieselSessionStore,
        key: &SessionKey,
    ) -> (RowLock, RequestScope) {
        let lock = RowLock::take(schema).await;
        let first = RequestScope::taking_turns();
        first.run(store.load(key)).await.unwrap();
        (lock, first)
    }

    /// The row as stored, and how many `UPDATE`s wrote it.
    async fn stored(schema: &PgSchema) -> (i64, String, i64) {
        #[derive(diesel::QueryableByName)]
        struct Stored {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            version: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            session_data: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            updates: i64,
        }
        let query = diesel::sql_query(
            "SELECT version, session_data, (SELECT count(*) FROM updates) AS updates FROM sessions",
        );
        let row: Stored = diesel_async::RunQueryDsl::get_result(query, &mut schema.admin().await)
            .await
            .unwrap();
        (row.version, row.session_data, row.updates)
    }

    /// Waits for `future`, which must not wait for the locked row.
    async fn without_the_lock<T>(future: impl Future<Output = T>, what: &str) -> T {
        tokio::time::timeout(std::time::Duration::from_secs(2), future)
            .await
            .unwrap_or_else(|_| panic!("{what} waited for the locked row"))
    }

    #[tokio::test]
    #[ignore = "needs TEST_DATABASE_URL"]
    async fn writes_made_behind_one_on_its_way_are_written_as_one() {
        let (schema, store, key) = one_session().await;
        let (lock, first) = a_request_behind_a_locked_row(&schema, &store, &key).await;
        let mut updates = Vec::new();
        let mut scopes = vec![first];
        for n in 2..=4 {
            let (scope, writer, written) =
                (scopes.last().unwrap().clone(), store.clone(), copy(&key));
            let mut update = async move {
                let state = counter(&n.to_string());
                scope.run(writer.update(written, state, &HOUR)).await
            }
            .boxed_local();
            assert!(
                futures_util::poll!(&mut update).is_pending(),
                "the row is locked"
            );
            updates.push(update);
            let next = RequestScope::taking_turns();
            let loaded = without_the_lock(next.run(store.load(&key)), "the next load").await;
            assert_eq!(
                loaded.unwrap().unwrap(),
                counter(&n.to_string()),
                "the turn is passed on before the commit, with the row on its way"
            );
            scopes.push(next);
        }
        lock.release().await;

        for update in futures_util::future::join_all(updates).await {
            update.expect("every write is saved");
        }
        for scope in &scopes[1..] {
            assert!(scope.started_from_committed().await);
        }
        let (version, data, written) = stored(&schema).await;
        assert_eq!((version, data.as_str()), (3, r#"{"n":"4"}"#));
        assert_eq!(
            written, 2,
            "the first write alone, then the two that waited behind it as one"
        );
    }

    /// The hazard of passing the turn on before the commit: the first write is refused (another
    /// instance changed the row) and that instance's write made the very version the second
    /// request expects. The second write must be refused too, not overwrite that instance's.
    #[tokio::test]
    #[ignore = "needs TEST_DATABASE_URL"]
    async fn a_write_in_line_behind_a_refused_one_is_refused_even_at_the_version_it_expects() {
        let (schema, store, key) = one_session().await;
        let other_instance = store_on(&schema).await;
        let first = RequestScope::taking_turns();
        first.run(store.load(&key)).await.unwrap();
        let elsewhere = RequestScope::new();
        elsewhere.run(other_instance.load(&key)).await.unwrap();
        let other_state = counter("elsewhere");
        elsewhere
            .run(other_instance.update(copy(&key), other_state.clone(), &HOUR))
            .await
            .unwrap();

        let lock = RowLock::take(&schema).await;
        let mut first_update = first
            .run(store.update(copy(&key), counter("2"), &HOUR))
            .boxed_local();
        assert!(futures_util::poll!(&mut first_update).is_pending());
        let second = RequestScope::taking_turns();
        let loaded = without_the_lock(second.run(store.load(&key)), "the second load").await;
        assert_eq!(loaded.unwrap().unwrap(), counter("2"));
        let second_update = second.run(store.update(copy(&key), counter("3"), &HOUR));
        let (first_result, second_result, ()) =
            futures_util::join!(first_update, second_update, lock.release());

        assert!(first_result.is_err() && first.conflicted());
        assert!(second_result.is_err() && second.conflicted());
        assert!(
            !second.started_from_committed().await,
            "what the second request loaded was never stored: it must not be shown"
        );
        let (version, data, _) = stored(&schema).await;
        assert_eq!(
            (version, data.as_str()),
            (1, r#"{"n":"elsewhere"}"#),
            "the other instance's write is kept"
        );
    }

    /// A request that reads the session and writes nothing, between two that write: the one after
    /// it must start from the write still on its way, not read the row PostgreSQL has not been
    /// given yet (its write would then be refused once the first is committed).
    #[tokio::test]
    #[ignore = "needs TEST_DATABASE_URL"]
    async fn a_request_after_one_that_only_read_starts_from_the_write_on_its_way() {
        let (schema, store, key) = one_session().await;
        let (lock, first) = a_request_behind_a_locked_row(&schema, &store, &key).await;
        let mut first_update = first
            .run(store.update(copy(&key), counter("2"), &HOUR))
            .boxed_local();
        assert!(futures_util::poll!(&mut first_update).is_pending());
        let reader = RequestScope::taking_turns();
        let read = without_the_lock(reader.run(store.load(&key)), "the read").await;
        assert_eq!(read.unwrap().unwrap(), counter("2"));
        drop(reader);

        let third = RequestScope::taking_turns();
        let loaded = without_the_lock(third.run(store.load(&key)), "the third load").await;
        assert_eq!(loaded.unwrap().unwrap(), counter("2"));
        let third_update = third.run(store.update(copy(&key), counter("3"), &HOUR));
        let (first_result, third_result, ()) =
            futures_util::join!(first_update, third_update, lock.release());
        first_result.unwrap();
        third_result.expect("the third write builds on the first");
        let (version, data, _) = stored(&schema).await;
        assert_eq!((version, data.as_str()), (2, r#"{"n":"3"}"#));
    }
}
