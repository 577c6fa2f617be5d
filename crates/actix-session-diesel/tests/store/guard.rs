//! `session_guard` in a real actix-web app with actix-session: what a request whose session
//! changed or vanished under it gets, and what is kept.

use std::sync::Arc;

use actix_http::Request;
use actix_session::{Session, SessionMiddleware};
use actix_session_diesel::{DieselSessionStore, session_guard};
use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use tokio::sync::Notify;

use crate::common::{ManualClock, sqlite_store};

/// Lets a test hold one request between its load and its save.
#[derive(Default)]
struct Gate {
    arrived: Notify,
    proceed: Notify,
}

/// What a held request does once let through: each is a way a handler changes a session.
async fn held(path: web::Path<String>, session: Session, gate: web::Data<Gate>) -> HttpResponse {
    let visits: u32 = session.get("visits").unwrap().unwrap_or(0);
    gate.arrived.notify_one();
    gate.proceed.notified().await;
    match path.as_str() {
        "count" => session.insert("visits", visits + 1).unwrap(),
        "clear-and-count" => {
            session.clear();
            session.insert("visits", visits + 1).unwrap();
        }
        "renew" => session.renew(),
        "purge" => session.purge(),
        other => panic!("no such action {other}"),
    }
    HttpResponse::Ok().finish()
}

async fn count(session: Session) -> HttpResponse {
    let visits: u32 = session.get("visits").unwrap().unwrap_or(0) + 1;
    session.insert("visits", visits).unwrap();
    HttpResponse::Ok().body(visits.to_string())
}

/// Reads the session and changes nothing.
async fn peek(session: Session) -> HttpResponse {
    let visits: u32 = session.get("visits").unwrap().unwrap_or(0);
    HttpResponse::Ok().body(visits.to_string())
}

async fn purge(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::Ok().finish()
}

async fn app(
    store: DieselSessionStore,
    key: Key,
    gate: Arc<Gate>,
) -> impl Service<Request, Response = ServiceResponse, Error = actix_web::Error> {
    test::init_service(
        App::new()
            .app_data(web::Data::from(gate))
            .wrap(
                SessionMiddleware::builder(store, key)
                    .cookie_secure(false)
                    .build(),
            )
            .wrap(from_fn(session_guard))
            .route("/count", web::get().to(count))
            .route("/peek", web::get().to(peek))
            .route("/purge", web::post().to(purge))
            .route("/held/{action}", web::post().to(held)),
    )
    .await
}

/// Sends `request` as actix-web's server would: an error becomes its response.
async fn call(
    app: &impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
    request: TestRequest,
) -> HttpResponse {
    match app.call(request.to_request()).await {
        Ok(response) => response.into_parts().1,
        Err(error) => error.error_response(),
    }
}

fn session_cookie(response: &HttpResponse) -> Option<Cookie<'static>> {
    response
        .cookies()
        .find(|c| c.name() == "id")
        .map(Cookie::into_owned)
}

async fn visits(
    app: &impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
    cookie: &Cookie<'static>,
) -> String {
    let response = call(app, TestRequest::get().uri("/count").cookie(cookie.clone())).await;
    assert_eq!(response.status(), 200);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

/// Holds `/held/{action}` after its load, lets `meanwhile` run to completion, then lets the held
/// request finish; returns the held request's response.
async fn interleave<S, F>(
    app: &S,
    gate: &Gate,
    cookie: &Cookie<'static>,
    action: &str,
    meanwhile: F,
) -> HttpResponse
where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
    F: std::future::Future,
{
    let held = TestRequest::post()
        .uri(&format!("/held/{action}"))
        .cookie(cookie.clone());
    let held = call(app, held);
    let orchestration = async {
        gate.arrived.notified().await;
        meanwhile.await;
        gate.proceed.notify_one();
    };
    let (response, ()) = futures_util::join!(held, orchestration);
    response
}

/// Two instances of one app on one SQLite file, as behind a load balancer: requests of one
/// session take turns within an instance, so only two instances can overlap, and the version
/// check is what catches them. Returns both, the gate of the first, and a session's cookie.
async fn two_instances() -> (
    impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
    impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
    Arc<Gate>,
    Cookie<'static>,
    tempfile::TempDir,
) {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let other_store = another_instance(&dir).await;
    let (key, gate) = (Key::generate(), Arc::new(Gate::default()));
    let first = app(store, key.clone(), gate.clone()).await;
    let second = app(other_store, key, Arc::default()).await;
    let response = call(&first, TestRequest::get().uri("/count")).await;
    let cookie = session_cookie(&response).expect("a session cookie");
    (first, second, gate, cookie, dir)
}

/// A second store on the SQLite file in `dir`, as another process would open it: it shares no
/// turns with the first.
async fn another_instance(dir: &tempfile::TempDir) -> DieselSessionStore {
    let url = format!("sqlite://{}/sessions.sqlite3", dir.path().display());
    DieselSessionStore::builder(url.parse().unwrap())
        .build()
        .await
        .unwrap()
}

fn assert_conflict(response: &HttpResponse) {
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers().get("retry-after").unwrap(), "0");
}

#[tokio::test]
async fn an_update_on_a_stale_load_gets_409_and_the_other_change_is_kept() {
    let (first, second, gate, cookie, _dir) = two_instances().await;
    let meanwhile = async { assert_eq!(visits(&second, &cookie).await, "2") };
    let held = interleave(&first, &gate, &cookie, "count", meanwhile).await;
    assert_conflict(&held);
    assert_eq!(
        visits(&first, &cookie).await,
        "3",
        "the change made meanwhile is kept, once"
    );
}

/// Within one instance, requests of one session wait for each other instead of conflicting.
#[tokio::test]
async fn requests_of_one_session_take_turns_within_an_instance() {
    let (first, _second, _gate, cookie, _dir) = two_instances().await;
    let requests = (0..20).map(|_| {
        call(
            &first,
            TestRequest::get().uri("/count").cookie(cookie.clone()),
        )
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(visits(&first, &cookie).await, "22", "1 + 20 + this one");
}

/// `Session::clear()` then an insert, on a stale load: still refused. (With the version inside
/// the session data, `clear()` dropped it and the save overwrote without a check.)
#[tokio::test]
async fn clear_then_insert_on_a_stale_load_is_still_refused() {
    let (first, second, gate, cookie, _dir) = two_instances().await;
    let meanwhile = async { assert_eq!(visits(&second, &cookie).await, "2") };
    let held = interleave(&first, &gate, &cookie, "clear-and-count", meanwhile).await;
    assert_conflict(&held);
    assert_eq!(visits(&first, &cookie).await, "3");
}

#[tokio::test]
async fn renew_on_a_stale_load_is_refused_and_loses_nothing() {
    let (first, second, gate, cookie, _dir) = two_instances().await;
    let meanwhile = async { assert_eq!(visits(&second, &cookie).await, "2") };
    let held = interleave(&first, &gate, &cookie, "renew", meanwhile).await;
    assert_conflict(&held);
    assert!(session_cookie(&held).is_none(), "no new session handed out");
    assert_eq!(visits(&first, &cookie).await, "3");
}

/// A flush (logout) while another request of the session is in flight: the session stays gone,
/// and the request in flight saves nothing under any key.
#[tokio::test]
async fn a_session_flushed_during_a_request_stays_flushed() {
    let (first, second, gate, cookie, _dir) = two_instances().await;
    let meanwhile = async {
        let flush = TestRequest::post().uri("/purge").cookie(cookie.clone());
        assert_eq!(call(&second, flush).await.status(), 200);
    };
    let held = interleave(&first, &gate, &cookie, "count", meanwhile).await;
    assert_conflict(&held);
    assert!(session_cookie(&held).is_none(), "no new session handed out");
    assert_eq!(
        visits(&first, &cookie).await,
        "1",
        "the old cookie starts afresh"
    );
}

#[tokio::test]
async fn a_store_that_is_gone_gives_503_and_recovers() {
    let clock = ManualClock::new();
    let (store, dir) = sqlite_store(clock).await;
    let app = app(store, Key::generate(), Arc::default()).await;
    let first = call(&app, TestRequest::get().uri("/count")).await;
    let cookie = session_cookie(&first).unwrap();
    let path = dir.path().join("sessions.sqlite3");
    let rename = |from: &str, to: &str| {
        use diesel::prelude::*;
        let mut db = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
            .execute(&mut db)
            .unwrap();
    };
    rename("sessions", "away");
    let response = call(
        &app,
        TestRequest::get().uri("/count").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");
    rename("away", "sessions");
    assert_eq!(visits(&app, &cookie).await, "2", "recovered, nothing lost");
}

/// A request that waited for its turn behind another request of its session starts from that
/// request's write, without reading it back. If another instance writes the session meanwhile,
/// the waiting request must not overwrite that write with what it was handed: it builds on it, or
/// it is refused.
#[tokio::test]
async fn a_request_in_line_never_overwrites_a_write_from_another_instance() {
    use actix_session::storage::{SessionKey, SessionStore};
    use actix_session_diesel::RequestScope;
    use std::collections::HashMap;

    let hour = actix_web::cookie::time::Duration::hours(1);
    let key_of = |key: &SessionKey| SessionKey::try_from(key.as_ref().to_owned()).unwrap();
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let other_instance = another_instance(&dir).await;
    let key = RequestScope::new()
        .run(store.save(HashMap::from([("n".into(), "1".into())]), &hour))
        .await
        .unwrap();

    let first = RequestScope::taking_turns();
    let mut first_state = first.run(store.load(&key)).await.unwrap().unwrap();
    let second = RequestScope::taking_turns();
    let mut second_load = std::pin::pin!(second.run(store.load(&key)));
    assert!(
        futures_util::poll!(&mut second_load).is_pending(),
        "the second request waits for the first's turn"
    );
    first_state.insert("n".into(), "2".into());
    first
        .run(store.update(key_of(&key), first_state, &hour))
        .await
        .unwrap();
    // Another instance, which does not take turns with this one, writes meanwhile.
    let elsewhere = RequestScope::new();
    let mut other_state = elsewhere
        .run(other_instance.load(&key))
        .await
        .unwrap()
        .unwrap();
    other_state.insert("elsewhere".into(), "kept".into());
    elsewhere
        .run(other_instance.update(key_of(&key), other_state, &hour))
        .await
        .unwrap();
    drop(first);

    let mut second_state = second_load.await.unwrap().unwrap();
    second_state.insert("n".into(), "3".into());
    let saved = second
        .run(store.update(key_of(&key), second_state, &hour))
        .await;
    assert!(
        saved.is_ok() || second.conflicted(),
        "refused only as a conflict"
    );
    let stored = RequestScope::new()
        .run(store.load(&key))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.get("elsewhere").map(String::as_str),
        Some("kept"),
        "the other instance's write is kept: {stored:?}"
    );
}

/// One session's requests in line on SQLite, with the write lock held by another connection so
/// that the writer thread cannot commit: the first request's write is queued, its turn released,
/// and the second request starts from that write before it is committed.
mod queued_writes {
    use std::future::Future;
    use std::pin::Pin;

    use actix_session::storage::{SessionKey, SessionStore, UpdateError};
    use actix_session_diesel::{DieselSessionStore, RequestScope};
    use diesel::connection::SimpleConnection as _;
    use diesel::prelude::*;

    use actix_web::test::TestRequest;

    use super::{another_instance, assert_conflict, call, two_instances, visits};
    use crate::common::{HOUR, ManualClock, State, copy, counter, sqlite_store};

    /// Another connection's write transaction on the store's file, until `release()`.
    struct WriteLock(SqliteConnection);

    impl WriteLock {
        fn take(dir: &tempfile::TempDir) -> Self {
            let path = dir.path().join("sessions.sqlite3");
            let mut db = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            db.batch_execute("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE")
                .unwrap();
            Self(db)
        }

        fn release(mut self) {
            self.0.batch_execute("COMMIT").unwrap();
        }
    }

    async fn stored(store: &impl SessionStore, key: &SessionKey) -> State {
        RequestScope::new()
            .run(store.load(key))
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn the_next_request_starts_from_a_write_not_yet_committed_and_both_are_saved() {
        let (store, dir) = sqlite_store(ManualClock::new()).await;
        let key = RequestScope::new()
            .run(store.save(counter("1"), &HOUR))
            .await
            .unwrap();
        let first = RequestScope::taking_turns();
        let _ = first.run(store.load(&key)).await.unwrap();
        let second = RequestScope::taking_turns();
        let mut second_load = std::pin::pin!(second.run(store.load(&key)));
        assert!(futures_util::poll!(&mut second_load).is_pending());

        let lock = WriteLock::take(&dir);
        let mut first_update =
            std::pin::pin!(first.run(store.update(copy(&key), counter("2"), &HOUR)));
        assert!(
            futures_util::poll!(&mut first_update).is_pending(),
            "the write waits for the lock"
        );
        let loaded = second_load.await.unwrap().unwrap();
        assert_eq!(
            loaded,
            counter("2"),
            "the turn is passed on before the commit"
        );
        let mut second_update =
            std::pin::pin!(second.run(store.update(copy(&key), counter("3"), &HOUR)));
        assert!(futures_util::poll!(&mut second_update).is_pending());
        lock.release();

        first_update.await.expect("the first write is saved");
        second_update.await.expect("the second, built on it, too");
        assert!(second.started_from_committed().await);
        assert_eq!(stored(&store, &key).await, counter("3"));
    }

    /// A first request's write queued behind the lock, which will be refused: another instance
    /// changed the session (to version 1) after the first request loaded it (version 0). A second
    /// request has started from that write (version 1 expected, its data).
    struct BehindARefusedWrite {
        store: DieselSessionStore,
        key: SessionKey,
        /// The session as the other instance saved it.
        other_state: State,
        first: RequestScope,
        first_update: Pin<Box<dyn Future<Output = Result<SessionKey, UpdateError>>>>,
        second: RequestScope,
        lock: WriteLock,
        _dir: tempfile::TempDir,
    }

    async fn behind_a_refused_write() -> BehindARefusedWrite {
        let (store, dir) = sqlite_store(ManualClock::new()).await;
        let other_instance = another_instance(&dir).await;
        let key = RequestScope::new()
            .run(store.save(counter("1"), &HOUR))
            .await
            .unwrap();
        let first = RequestScope::taking_turns();
        let _ = first.run(store.load(&key)).await.unwrap();
        let elsewhere = RequestScope::new();
        let mut other_state = elsewhere
            .run(other_instance.load(&key))
            .await
            .unwrap()
            .unwrap();
        other_state.insert("elsewhere".into(), "kept".into());
        elsewhere
            .run(other_instance.update(copy(&key), other_state.clone(), &HOUR))
            .await
            .unwrap();
        let second = RequestScope::taking_turns();
        // A block, so that the pinned load's borrows end before the struct takes the values.
        let (loaded, lock, first_update) = {
            let mut second_load = std::pin::pin!(second.run(store.load(&key)));
            assert!(futures_util::poll!(&mut second_load).is_pending());
            let lock = WriteLock::take(&dir);
            let (scope, written, queued_key) = (first.clone(), store.clone(), copy(&key));
            let mut first_update: Pin<Box<dyn Future<Output = _>>> = Box::pin(async move {
                scope
                    .run(written.update(queued_key, counter("2"), &HOUR))
                    .await
            });
            assert!(futures_util::poll!(&mut first_update).is_pending());
            let loaded = second_load.await.unwrap().unwrap();
            (loaded, lock, first_update)
        };
        assert_eq!(
            loaded,
            counter("2"),
            "the second request started from the first's write"
        );
        BehindARefusedWrite {
            store,
            key,
            other_state,
            first,
            first_update,
            second,
            lock,
            _dir: dir,
        }
    }

    /// The hazard of passing the turn on before the commit: the first write is refused (another
    /// instance changed the row) and that instance's write made the very version the second
    /// request expects. The second write must be refused too, not overwrite that instance's.
    #[tokio::test]
    async fn a_write_in_line_behind_a_refused_one_is_refused_even_at_the_version_it_expects() {
        let BehindARefusedWrite {
            store,
            key,
            other_state,
            first,
            first_update,
            second,
            lock,
            _dir,
        } = behind_a_refused_write().await;
        let mut second_update =
            std::pin::pin!(second.run(store.update(copy(&key), counter("3"), &HOUR)));
        assert!(futures_util::poll!(&mut second_update).is_pending());
        lock.release();

        assert!(first_update.await.is_err() && first.conflicted());
        assert!(second_update.await.is_err() && second.conflicted());
        assert!(
            !second.started_from_committed().await,
            "what the second request loaded was never stored: it must not be shown"
        );
        assert_eq!(
            stored(&store, &key).await,
            other_state,
            "the other instance's write is kept"
        );
    }

    /// `session_guard` holds back the answer of a request that started from a queued write and
    /// changed nothing itself, and answers 409 when that write is refused: its page would show
    /// what was never stored.
    #[tokio::test]
    async fn a_request_that_only_read_a_write_which_was_then_refused_gets_409() {
        let (first, second, gate, cookie, dir) = two_instances().await;
        let held = call(
            &first,
            TestRequest::post()
                .uri("/held/count")
                .cookie(cookie.clone()),
        );
        let peek = call(
            &first,
            TestRequest::get().uri("/peek").cookie(cookie.clone()),
        );
        let orchestration = async {
            gate.arrived.notified().await;
            // The held request has loaded the session and holds its turn; `/peek` waits for it.
            assert_eq!(
                visits(&second, &cookie).await,
                "2",
                "another instance writes"
            );
            let lock = WriteLock::take(&dir);
            gate.proceed.notify_one();
            // The held request's write is queued behind the lock and `/peek` starts from it.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            lock.release();
        };
        let (held, peek, ()) = futures_util::join!(held, peek, orchestration);
        assert_conflict(&held);
        assert_conflict(&peek);
    }

    /// The same hazard for a delete (a flush, a purge, or the first half of a renewal): the
    /// second request, started from the refused write, expects the version that the other
    /// instance's write made. It must not delete that instance's session.
    #[tokio::test]
    async fn a_delete_in_line_behind_a_refused_write_deletes_nothing() {
        let BehindARefusedWrite {
            store,
            key,
            other_state,
            first,
            first_update,
            second,
            lock,
            _dir,
        } = behind_a_refused_write().await;
        let mut second_delete = std::pin::pin!(second.run(store.delete(&key)));
        assert!(futures_util::poll!(&mut second_delete).is_pending());
        lock.release();

        assert!(first_update.await.is_err() && first.conflicted());
        assert!(second_delete.await.is_err() && second.conflicted());
        assert_eq!(
            stored(&store, &key).await,
            other_state,
            "the other instance's session is kept"
        );
    }
}
