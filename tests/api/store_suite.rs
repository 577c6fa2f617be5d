//! One test suite for every session store, in the spirit of actix-session's own acceptance suite
//! (which is private upstream) plus Django's store behaviours. `store_suite!(Harness)` expands to
//! one `#[tokio::test]` per behaviour for that backend.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use actix_session::storage::{LoadError, SessionKey, SessionStore, generate_session_key};
use actix_web::cookie::time::Duration;
use cookies_vs_sessions::session_store::diesel_store::VERSION_KEY;
use cookies_vs_sessions::session_store::{
    Database, PURGE_BATCH, Pace, clear_expired, purge_expired,
};

/// What the suite needs from a backend beyond the `SessionStore` trait.
pub trait StoreHarness: Sized {
    type Store: SessionStore;
    /// A store over fresh, empty storage of its own (panics when its server is not configured:
    /// such suites are `#[ignore]`d unless asked for).
    async fn new() -> Self;
    fn store(&self) -> &Self::Store;
    /// Overwrites the stored data under `key` with bytes that are not a session.
    async fn corrupt(&self, key: &SessionKey);
}

/// A backend whose expired rows are deleted by our purges, not by the storage itself.
pub trait DatabaseHarness: StoreHarness {
    fn database(&self) -> &Database;
}

fn state(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The state under `key`, without the version entry a store may add for its own use.
async fn load<H: StoreHarness>(h: &H, key: &SessionKey) -> Option<HashMap<String, String>> {
    let mut state = h.store().load(key).await.unwrap()?;
    state.remove(VERSION_KEY);
    Some(state)
}

const HOUR: Duration = Duration::hours(1);
const SECOND: Duration = Duration::seconds(1);

/// Long enough for a one-second TTL to have run out on every backend.
async fn let_one_second_pass() {
    tokio::time::sleep(StdDuration::from_millis(1_500)).await;
}

pub async fn round_trip<H: StoreHarness>(h: H) {
    let saved = state(&[("visits", "3"), ("last_visit", "\"2026-03-01T09:30:00Z\"")]);
    let key = h.store().save(saved.clone(), &HOUR).await.unwrap();
    assert_eq!(key.as_ref().len(), 64);
    assert_eq!(load(&h, &key).await, Some(saved));
}

pub async fn unknown_or_malformed_keys_load_nothing<H: StoreHarness>(h: H) {
    h.store().save(state(&[("a", "1")]), &HOUR).await.unwrap();
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
    let key = h.store().save(state(&[("a", "1")]), &SECOND).await.unwrap();
    assert!(load(&h, &key).await.is_some());
    let_one_second_pass().await;
    assert_eq!(load(&h, &key).await, None);
}

pub async fn update_replaces_the_state_under_the_same_key<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &HOUR).await.unwrap();
    let kept = key.as_ref().to_owned();
    let new_state = state(&[("a", "2"), ("b", "3")]);
    let updated = h
        .store()
        .update(key, new_state.clone(), &HOUR)
        .await
        .unwrap();
    assert_eq!(updated.as_ref(), kept);
    assert_eq!(load(&h, &updated).await, Some(new_state));
}

pub async fn update_ttl_extends_the_session<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &SECOND).await.unwrap();
    h.store().update_ttl(&key, &HOUR).await.unwrap();
    let_one_second_pass().await;
    assert!(load(&h, &key).await.is_some());
}

pub async fn update_ttl_does_not_revive_an_expired_session<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &SECOND).await.unwrap();
    let_one_second_pass().await;
    h.store().update_ttl(&key, &HOUR).await.unwrap();
    assert_eq!(load(&h, &key).await, None);
}

pub async fn delete_removes_the_session<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &HOUR).await.unwrap();
    let other = h.store().save(state(&[("b", "2")]), &HOUR).await.unwrap();
    h.store().delete(&key).await.unwrap();
    assert_eq!(load(&h, &key).await, None);
    assert!(load(&h, &other).await.is_some(), "only that one");
    h.store()
        .delete(&key)
        .await
        .expect("deleting twice is fine");
}

/// A session deleted (flushed, or purged) must not come back under its old key when a request
/// that loaded it before the delete finishes and saves.
pub async fn update_after_delete_issues_a_new_key<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &HOUR).await.unwrap();
    let old = SessionKey::try_from(key.as_ref().to_owned()).unwrap();
    h.store().delete(&key).await.unwrap();
    let new_state = state(&[("a", "2")]);
    let new_key = h
        .store()
        .update(key, new_state.clone(), &HOUR)
        .await
        .unwrap();
    assert_ne!(new_key.as_ref(), old.as_ref());
    assert_eq!(load(&h, &old).await, None);
    assert_eq!(load(&h, &new_key).await, Some(new_state));
}

pub async fn update_after_expiry_issues_a_new_key<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &SECOND).await.unwrap();
    let old = SessionKey::try_from(key.as_ref().to_owned()).unwrap();
    let_one_second_pass().await;
    let new_key = h
        .store()
        .update(key, state(&[("a", "2")]), &HOUR)
        .await
        .unwrap();
    assert_ne!(new_key.as_ref(), old.as_ref());
    assert_eq!(load(&h, &old).await, None);
}

pub async fn a_corrupt_session_is_a_deserialization_error<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("a", "1")]), &HOUR).await.unwrap();
    h.corrupt(&key).await;
    // actix-session answers this error with an empty session and a warning, never a 500.
    assert!(matches!(
        h.store().load(&key).await,
        Err(LoadError::Deserialization(_))
    ));
    // The next write replaces the damaged data.
    let repaired = state(&[("a", "2")]);
    let key = h
        .store()
        .update(key, repaired.clone(), &HOUR)
        .await
        .unwrap();
    assert_eq!(load(&h, &key).await, Some(repaired));
}

/// Saves `expired` sessions that expire within a second and `live` ones that last an hour, lets
/// the second pass, and returns the live ones with their states.
async fn expired_beside_live<H: StoreHarness>(
    h: &H,
    expired: usize,
    live: usize,
) -> Vec<(SessionKey, HashMap<String, String>)> {
    for _ in 0..expired {
        h.store()
            .save(state(&[("dead", "1")]), &SECOND)
            .await
            .unwrap();
    }
    let mut kept = Vec::new();
    for i in 0..live {
        let saved = state(&[("live", &i.to_string())]);
        kept.push((h.store().save(saved.clone(), &HOUR).await.unwrap(), saved));
    }
    let_one_second_pass().await;
    kept
}

/// The server's background purge: several batches, every expired row gone, every live one kept.
pub async fn the_background_purge_deletes_only_expired_sessions<H: DatabaseHarness>(h: H) {
    let database = h.database();
    let expired = 2 * PURGE_BATCH as usize + 7;
    let live = expired_beside_live(&h, expired, 3).await;
    let deleted = purge_expired(database, Pace::Gentle).await.unwrap();
    assert_eq!(deleted, expired as u64);
    for (key, saved) in &live {
        assert_eq!(load(&h, key).await.as_ref(), Some(saved));
    }
    assert_eq!(purge_expired(database, Pace::Gentle).await.unwrap(), 0);
}

/// `clearsessions` on a store that is mostly expired (on SQLite it rewrites the table instead of
/// deleting rows): the live sessions keep their data and their versions, so a stale update is
/// still refused afterwards.
pub async fn clearsessions_keeps_live_sessions_whole<H: DatabaseHarness>(h: H) {
    let database = h.database();
    let live = expired_beside_live(&h, 40, 2).await;
    let key = &live[0].0;
    let copy = || SessionKey::try_from(key.as_ref().to_owned()).unwrap();
    let mut updated = h.store().load(key).await.unwrap().unwrap();
    updated.insert("live".into(), "updated".into());
    let stale = h.store().load(key).await.unwrap().unwrap();
    h.store()
        .update(copy(), updated.clone(), &HOUR)
        .await
        .unwrap();

    assert_eq!(clear_expired(database).await.unwrap(), 40);
    assert_eq!(clear_expired(database).await.unwrap(), 0);

    updated.remove(VERSION_KEY);
    assert_eq!(load(&h, key).await, Some(updated));
    assert_eq!(load(&h, &live[1].0).await.as_ref(), Some(&live[1].1));
    assert!(h.store().update(copy(), stale, &HOUR).await.is_err());
}

/// Two requests load the same session; the second to save must not overwrite the first's change.
pub async fn a_stale_update_is_refused<H: StoreHarness>(h: H) {
    let key = h.store().save(state(&[("n", "1")]), &HOUR).await.unwrap();
    let copy = || SessionKey::try_from(key.as_ref().to_owned()).unwrap();
    let mut first = h.store().load(&key).await.unwrap().unwrap();
    let mut second = h.store().load(&key).await.unwrap().unwrap();
    first.insert("n".into(), "2".into());
    second.insert("n".into(), "2".into());
    let kept = h.store().update(copy(), first, &HOUR).await.unwrap();
    assert_eq!(kept.as_ref(), key.as_ref());
    assert!(
        h.store().update(copy(), second, &HOUR).await.is_err(),
        "a stale update went through"
    );
    // A fresh load sees the first change and may build on it.
    let mut third = h.store().load(&key).await.unwrap().unwrap();
    assert_eq!(third["n"], "2");
    third.insert("n".into(), "3".into());
    h.store().update(copy(), third, &HOUR).await.unwrap();
    assert_eq!(load(&h, &key).await, Some(state(&[("n", "3")])));
}

pub async fn concurrent_saves_keep_every_session_apart<H: StoreHarness>(h: H) {
    let saves = (0..50).map(|i| {
        let store = h.store();
        async move {
            let saved = state(&[("n", &i.to_string())]);
            (store.save(saved.clone(), &HOUR).await.unwrap(), saved)
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
/// server the test run may not have):
/// - `core`: what every `SessionStore` must do;
/// - `conflicts`: an update based on an outdated load is refused instead of overwriting;
/// - `purges`: the purges of a [`DatabaseHarness`].
macro_rules! store_suite {
    ($(#[$attr:meta])* $harness:ty: $group:ident $($more:ident)*) => {
        $crate::store_suite::store_suite!(@$group $(#[$attr])* $harness);
        $crate::store_suite::store_suite!($(#[$attr])* $harness: $($more)*);
    };
    ($(#[$attr:meta])* $harness:ty:) => {};
    (@core $(#[$attr:meta])* $harness:ty) => {
        $crate::store_suite::store_suite!(@tests $(#[$attr])* $harness;
            round_trip,
            unknown_or_malformed_keys_load_nothing,
            expired_sessions_never_load,
            update_replaces_the_state_under_the_same_key,
            update_ttl_extends_the_session,
            update_ttl_does_not_revive_an_expired_session,
            delete_removes_the_session,
            update_after_delete_issues_a_new_key,
            update_after_expiry_issues_a_new_key,
            a_corrupt_session_is_a_deserialization_error,
            concurrent_saves_keep_every_session_apart,
        );
    };
    (@conflicts $(#[$attr:meta])* $harness:ty) => {
        $crate::store_suite::store_suite!(@tests $(#[$attr])* $harness; a_stale_update_is_refused);
    };
    (@purges $(#[$attr:meta])* $harness:ty) => {
        $crate::store_suite::store_suite!(@tests $(#[$attr])* $harness;
            the_background_purge_deletes_only_expired_sessions,
            clearsessions_keeps_live_sessions_whole,
        );
    };
    (@tests $(#[$attr:meta])* $harness:ty; $test:ident $(, $more:ident)* $(,)?) => {
        #[tokio::test]
        $(#[$attr])*
        async fn $test() {
            use $crate::store_suite::StoreHarness as _;
            $crate::store_suite::$test(<$harness>::new().await).await;
        }
        $crate::store_suite::store_suite!(@tests $(#[$attr])* $harness; $($more),*);
    };
    (@tests $(#[$attr:meta])* $harness:ty;) => {};
}
pub(crate) use store_suite;
