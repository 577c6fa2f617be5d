//! One suite for every backend: actix-session's store contract, Django's store behaviours, and this
//! crate's guarantees (no lost update, no resurrected session). `store_suite!(Harness)` expands to
//! one `#[tokio::test]` per behaviour for that backend. Time moves by the harness's clock: no test
//! sleeps.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SessionKey, SessionStore, generate_session_key};
use actix_session_diesel::{DieselSessionStore, Error, RequestScope};
use actix_web::cookie::time::Duration;
use chrono::TimeDelta;

/// What the suite needs from a backend beyond the `SessionStore` trait.
pub trait StoreHarness: Sized {
    type Store: SessionStore;
    /// A store over fresh, empty storage of its own (panics when its server is not configured:
    /// such suites are `#[ignore]`d unless asked for).
    async fn new() -> Self;
    fn store(&self) -> &Self::Store;
    /// Lets `by` pass for the store: its clock moved, or (Redis, whose expiry is its own) a
    /// real wait.
    async fn let_time_pass(&self, by: TimeDelta);
    /// Overwrites the stored data under `key` with bytes that are not a session.
    async fn corrupt(&self, key: &SessionKey);
    /// Sessions stored, expired ones not yet removed included: what a request saved, under
    /// whatever key.
    async fn rows(&self) -> i64;
}

/// A backend on a database, whose expired rows the store's purges delete.
pub trait DatabaseHarness: StoreHarness {
    /// The database store, whose purges the suite runs.
    fn database_store(&self) -> &DieselSessionStore;
}

type State = HashMap<String, String>;

fn state(pairs: &[(&str, &str)]) -> State {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn copy(key: &SessionKey) -> SessionKey {
    SessionKey::try_from(key.as_ref().to_owned()).unwrap()
}

/// What a fresh request would load under `key`.
async fn load<H: StoreHarness>(h: &H, key: &SessionKey) -> Option<State> {
    RequestScope::new().run(h.store().load(key)).await.unwrap()
}

/// Saves `state` for `ttl` as a request of its own would.
async fn save<H: StoreHarness>(h: &H, saved: State, ttl: Duration) -> SessionKey {
    RequestScope::new()
        .run(h.store().save(saved, &ttl))
        .await
        .unwrap()
}

const HOUR: Duration = Duration::hours(1);
const SECOND: Duration = Duration::seconds(1);

/// Lets a one-second TTL run out.
async fn let_two_seconds_pass<H: StoreHarness>(h: &H) {
    h.let_time_pass(TimeDelta::seconds(2)).await;
}

pub async fn round_trip<H: StoreHarness>(h: H) {
    let saved = state(&[("visits", "3"), ("last_visit", "\"2026-03-01T09:30:00Z\"")]);
    let key = save(&h, saved.clone(), HOUR).await;
    assert_eq!(key.as_ref().len(), 64);
    assert_eq!(load(&h, &key).await, Some(saved));
}

pub async fn unknown_or_malformed_keys_load_nothing<H: StoreHarness>(h: H) {
    save(&h, state(&[("a", "1")]), HOUR).await;
    for key in [
        generate_session_key().as_ref().to_owned(),
        "short".to_owned(),
        "' OR '1'='1".to_owned(),
        "x".repeat(4000),
    ] {
        let key = SessionKey::try_from(key).unwrap();
        assert_eq!(load(&h, &key).await, None);
    }
}

pub async fn expired_sessions_never_load<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), SECOND).await;
    assert!(load(&h, &key).await.is_some());
    let_two_seconds_pass(&h).await;
    assert_eq!(load(&h, &key).await, None);
}

pub async fn update_replaces_the_state_under_the_same_key<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), HOUR).await;
    let request = RequestScope::new();
    request.run(h.store().load(&key)).await.unwrap();
    let new_state = state(&[("a", "2"), ("b", "3")]);
    let update = h.store().update(copy(&key), new_state.clone(), &HOUR);
    let updated = request.run(update).await.unwrap();
    assert_eq!(updated.as_ref(), key.as_ref());
    assert_eq!(load(&h, &updated).await, Some(new_state));
}

pub async fn update_ttl_extends_the_session<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), SECOND).await;
    h.store().update_ttl(&key, &HOUR).await.unwrap();
    let_two_seconds_pass(&h).await;
    assert!(load(&h, &key).await.is_some());
}

pub async fn update_ttl_does_not_revive_an_expired_session<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), SECOND).await;
    let_two_seconds_pass(&h).await;
    h.store().update_ttl(&key, &HOUR).await.unwrap();
    assert_eq!(load(&h, &key).await, None);
}

pub async fn delete_removes_the_session<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), HOUR).await;
    let other = save(&h, state(&[("b", "2")]), HOUR).await;
    h.store().delete(&key).await.unwrap();
    assert_eq!(load(&h, &key).await, None);
    assert!(load(&h, &other).await.is_some(), "only that one");
    h.store()
        .delete(&key)
        .await
        .expect("deleting twice is fine");
}

/// A session deleted (flushed, purged, logged out) while a request of it was in flight stays
/// deleted: that request's save is refused, and nothing is stored under any key.
pub async fn a_session_deleted_during_a_request_stays_deleted<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), HOUR).await;
    let in_flight = RequestScope::new();
    in_flight.run(h.store().load(&key)).await.unwrap();
    RequestScope::new()
        .run(h.store().delete(&key))
        .await
        .unwrap();
    let update = h.store().update(copy(&key), state(&[("a", "2")]), &HOUR);
    assert!(in_flight.run(update).await.is_err());
    assert!(in_flight.conflicted());
    assert_eq!(load(&h, &key).await, None);
    assert_eq!(h.rows().await, 0, "nothing saved under another key");
}

/// The same for a session that expired while its request ran: it is not brought back.
pub async fn a_session_that_expires_during_a_request_is_not_revived<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), SECOND).await;
    let in_flight = RequestScope::new();
    in_flight.run(h.store().load(&key)).await.unwrap();
    let_two_seconds_pass(&h).await;
    let before = h.rows().await; // the expired row, until a purge (Redis drops it itself)
    let update = h.store().update(copy(&key), state(&[("a", "2")]), &HOUR);
    assert!(in_flight.run(update).await.is_err());
    assert_eq!(load(&h, &key).await, None);
    assert_eq!(h.rows().await, before, "nothing saved under another key");
}

pub async fn a_corrupt_session_is_a_deserialization_error<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("a", "1")]), HOUR).await;
    h.corrupt(&key).await;
    let request = RequestScope::new();
    // actix-session answers this error with an empty session and a warning, never a 500...
    assert!(matches!(
        request.run(h.store().load(&key)).await,
        Err(LoadError::Deserialization(_))
    ));
    // ...and then updates the damaged row with the fresh data.
    let repaired = state(&[("a", "2")]);
    let update = h.store().update(copy(&key), repaired.clone(), &HOUR);
    let key = request.run(update).await.unwrap();
    assert_eq!(load(&h, &key).await, Some(repaired));
}

/// Saves `expired` sessions that expire within a second and `live` ones that last an hour, moves
/// the clock past the second, and returns the live ones with their states.
async fn expired_beside_live<H: StoreHarness>(
    h: &H,
    expired: usize,
    live: usize,
) -> Vec<(SessionKey, State)> {
    for _ in 0..expired {
        save(h, state(&[("dead", "1")]), SECOND).await;
    }
    let mut kept = Vec::new();
    for i in 0..live {
        let saved = state(&[("live", &i.to_string())]);
        kept.push((save(h, saved.clone(), HOUR).await, saved));
    }
    let_two_seconds_pass(h).await;
    kept
}

/// The server's background purge: several batches, every expired row gone, every live one kept.
pub async fn the_purge_deletes_only_expired_sessions<H: DatabaseHarness>(h: H) {
    let live = expired_beside_live(&h, 57, 3).await;
    let store = h.database_store();
    assert_eq!(store.purge_expired().await.unwrap(), 57);
    for (key, saved) in &live {
        assert_eq!(load(&h, key).await.as_ref(), Some(saved));
    }
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    assert_eq!(h.rows().await, 3);
}

/// The purge finds expired rows through an index on `purge_after`, which writes leave alone while
/// the expiry moves on by less than a minute. A session whose expiry moved back (a shorter TTL),
/// by an update or by `update_ttl`, is still purged as soon as it has expired.
pub async fn a_session_whose_expiry_moved_back_is_purged_once_expired<H: DatabaseHarness>(h: H) {
    let updated = save(&h, state(&[("n", "1")]), HOUR).await;
    let scope = RequestScope::new();
    let loaded = scope.run(h.store().load(&updated)).await.unwrap().unwrap();
    let update = h.store().update(copy(&updated), loaded, &SECOND);
    scope.run(update).await.unwrap();
    let extended = save(&h, state(&[("n", "1")]), HOUR).await;
    let extend = h.store().update_ttl(&extended, &SECOND);
    RequestScope::new().run(extend).await.unwrap();
    let_two_seconds_pass(&h).await;
    assert_eq!(h.database_store().purge_expired().await.unwrap(), 2);
    assert_eq!(h.rows().await, 0);
}

/// `clear_expired` on a store that is mostly expired (on SQLite it rewrites the table instead of
/// deleting rows): the live sessions keep their data and their versions, so a stale update is
/// still refused afterwards.
pub async fn clear_expired_keeps_live_sessions_whole<H: DatabaseHarness>(h: H) {
    let live = expired_beside_live(&h, 40, 2).await;
    let key = &live[0].0;
    let (stale, fresh) = (RequestScope::new(), RequestScope::new());
    let loaded = stale.run(h.store().load(key)).await.unwrap().unwrap();
    let mut updated = fresh.run(h.store().load(key)).await.unwrap().unwrap();
    updated.insert("live".into(), "updated".into());
    let update = h.store().update(copy(key), updated.clone(), &HOUR);
    fresh.run(update).await.unwrap();

    assert_eq!(h.database_store().clear_expired().await.unwrap(), 40);
    assert_eq!(h.database_store().clear_expired().await.unwrap(), 0);

    assert_eq!(load(&h, key).await, Some(updated));
    assert_eq!(load(&h, &live[1].0).await.as_ref(), Some(&live[1].1));
    let late = h.store().update(copy(key), loaded, &HOUR);
    assert!(stale.run(late).await.is_err(), "the version survived");
}

/// Two requests load the same session; the second to save must not overwrite the first's change.
pub async fn a_stale_update_is_refused<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("n", "1")]), HOUR).await;
    let (first, second) = (RequestScope::new(), RequestScope::new());
    let mut first_state = first.run(h.store().load(&key)).await.unwrap().unwrap();
    let mut second_state = second.run(h.store().load(&key)).await.unwrap().unwrap();
    first_state.insert("n".into(), "2".into());
    second_state.insert("n".into(), "2".into());
    let update = h.store().update(copy(&key), first_state, &HOUR);
    assert_eq!(first.run(update).await.unwrap().as_ref(), key.as_ref());
    let late = h.store().update(copy(&key), second_state, &HOUR);
    assert!(
        second.run(late).await.is_err(),
        "a stale update went through"
    );
    assert!(second.conflicted());
    // A fresh load sees the first change and may build on it.
    let third = RequestScope::new();
    let mut third_state = third.run(h.store().load(&key)).await.unwrap().unwrap();
    assert_eq!(third_state["n"], "2");
    third_state.insert("n".into(), "3".into());
    third
        .run(h.store().update(copy(&key), third_state, &HOUR))
        .await
        .unwrap();
    assert_eq!(load(&h, &key).await, Some(state(&[("n", "3")])));
}

/// actix-session's `renew()` deletes the old row, then saves the data under a new key. On an
/// outdated load, the delete is refused and nothing is lost: the newer change stays.
pub async fn a_renewal_of_outdated_data_deletes_nothing<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("n", "1")]), HOUR).await;
    let (stale, fresh) = (RequestScope::new(), RequestScope::new());
    stale.run(h.store().load(&key)).await.unwrap();
    fresh.run(h.store().load(&key)).await.unwrap();
    let newer = state(&[("n", "2")]);
    fresh
        .run(h.store().update(copy(&key), newer.clone(), &HOUR))
        .await
        .unwrap();
    assert!(stale.run(h.store().delete(&key)).await.is_err());
    assert!(stale.conflicted());
    assert_eq!(load(&h, &key).await, Some(newer));
}

/// A renewal of a session revoked meanwhile saves nothing: revoked stays revoked.
pub async fn a_renewal_of_a_revoked_session_saves_nothing<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("n", "1")]), HOUR).await;
    let renewing = RequestScope::new();
    let loaded = renewing.run(h.store().load(&key)).await.unwrap().unwrap();
    RequestScope::new()
        .run(h.store().delete(&key))
        .await
        .unwrap();
    renewing.run(h.store().delete(&key)).await.unwrap();
    assert!(renewing.run(h.store().save(loaded, &HOUR)).await.is_err());
    assert_eq!(h.rows().await, 0);
}

/// Without a request scope the store cannot check an update, so it refuses it and says why.
pub async fn an_update_outside_a_request_scope_says_what_is_missing<H: StoreHarness>(h: H) {
    let key = save(&h, state(&[("n", "1")]), HOUR).await;
    let error = h
        .store()
        .update(copy(&key), state(&[("n", "2")]), &HOUR)
        .await
        .unwrap_err();
    let mut causes = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source());
    let expected = Error::NoScope.to_string();
    assert!(expected.contains("session_guard"), "{expected}");
    assert!(
        causes.any(|cause| cause.to_string() == expected),
        "{error:?}"
    );
}

pub async fn concurrent_saves_keep_every_session_apart<H: StoreHarness>(h: H) {
    let saves = (0..50).map(|i| {
        let h = &h;
        async move {
            let saved = state(&[("n", &i.to_string())]);
            (save(h, saved.clone(), HOUR).await, saved)
        }
    });
    let sessions = futures_util::future::join_all(saves).await;
    let mut keys: Vec<&str> = sessions.iter().map(|(k, _)| k.as_ref()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 50, "every save gets its own key");
    for (key, saved) in &sessions {
        assert_eq!(load(&h, key).await.as_ref(), Some(saved));
    }
}

/// Expands to one `#[tokio::test]` per behaviour of the named groups, for one backend's harness,
/// each test carrying the attributes given first (`#[ignore = "needs …"]` for a backend whose
/// server the run may lack): `core`, what every store must do; `purges`, the purges of a
/// [`DatabaseHarness`].
macro_rules! store_suite {
    ($(#[$attr:meta])* $harness:ty: $group:ident $($more:ident)*) => {
        $crate::suite::store_suite!(@$group $(#[$attr])* $harness);
        $crate::suite::store_suite!($(#[$attr])* $harness: $($more)*);
    };
    ($(#[$attr:meta])* $harness:ty:) => {};
    (@core $(#[$attr:meta])* $harness:ty) => {
        $crate::suite::store_suite!(@tests $(#[$attr])* $harness;
            round_trip,
            unknown_or_malformed_keys_load_nothing,
            expired_sessions_never_load,
            update_replaces_the_state_under_the_same_key,
            update_ttl_extends_the_session,
            update_ttl_does_not_revive_an_expired_session,
            delete_removes_the_session,
            a_session_deleted_during_a_request_stays_deleted,
            a_session_that_expires_during_a_request_is_not_revived,
            a_corrupt_session_is_a_deserialization_error,
            a_stale_update_is_refused,
            a_renewal_of_outdated_data_deletes_nothing,
            a_renewal_of_a_revoked_session_saves_nothing,
            an_update_outside_a_request_scope_says_what_is_missing,
            concurrent_saves_keep_every_session_apart,
        );
    };
    (@purges $(#[$attr:meta])* $harness:ty) => {
        $crate::suite::store_suite!(@tests $(#[$attr])* $harness;
            the_purge_deletes_only_expired_sessions,
            a_session_whose_expiry_moved_back_is_purged_once_expired,
            clear_expired_keeps_live_sessions_whole,
        );
    };
    (@tests $(#[$attr:meta])* $harness:ty; $test:ident $(, $more:ident)* $(,)?) => {
        #[tokio::test]
        $(#[$attr])*
        async fn $test() {
            use $crate::suite::StoreHarness as _;
            $crate::suite::$test(<$harness>::new().await).await;
        }
        $crate::suite::store_suite!(@tests $(#[$attr])* $harness; $($more),*);
    };
    (@tests $(#[$attr:meta])* $harness:ty;) => {};
}
pub(crate) use store_suite;
