//! The background purge as a server runs it: started, left alone, stopped.

use std::time::Duration;

use actix_session::storage::SessionStore as _;
use actix_session_diesel::RequestScope;
use chrono::TimeDelta;

use crate::common::{ManualClock, sqlite_store};

/// Saves one session that lasts a second and moves the clock past it.
async fn one_expired_session() -> (actix_session_diesel::DieselSessionStore, tempfile::TempDir) {
    let clock = ManualClock::new();
    let (store, dir) = sqlite_store(clock.clone()).await;
    let second = actix_web::cookie::time::Duration::seconds(1);
    let save = store.save([("a".to_owned(), "1".to_owned())].into(), &second);
    RequestScope::new().run(save).await.unwrap();
    clock.advance(TimeDelta::seconds(2));
    (store, dir)
}

#[tokio::test]
async fn the_background_purge_runs_at_once_and_stops_when_asked() {
    let (store, _dir) = one_expired_session().await;
    let purge = store.spawn_background_purge(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(300)).await;
    purge.stop().await;
    assert_eq!(store.purge_expired().await.unwrap(), 0, "already purged");
}

/// A zero interval (a setting typed wrong) made tokio's interval panic, killing the task.
#[tokio::test]
async fn a_zero_interval_still_purges() {
    let (store, _dir) = one_expired_session().await;
    let purge = store.spawn_background_purge(Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(300)).await;
    purge.stop().await;
    assert_eq!(store.purge_expired().await.unwrap(), 0, "already purged");
}
