//! What only SQLite has: a file that someone can delete under the running store, one writer
//! thread whose commits take every write queued meanwhile, and other processes holding the lock.

use std::time::{Duration, Instant};

use actix_session::storage::{SessionKey, SessionStore as _};
use actix_session_diesel::{DieselSessionStore, RequestScope};
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;

use crate::common::{ManualClock, sqlite_store};

async fn save(store: &DieselSessionStore) -> Result<SessionKey, String> {
    let save = store.save(counter(1), &HOUR);
    RequestScope::new()
        .run(save)
        .await
        .map_err(|e| format!("{e:?}"))
}

/// A connection of the test's own to the store's file.
fn open(dir: &tempfile::TempDir) -> SqliteConnection {
    SqliteConnection::establish(dir.path().join("sessions.sqlite3").to_str().unwrap()).unwrap()
}

/// The one session's `expire_date` and `purge_after`, as stored.
fn expiry_and_purge_after(
    db: &mut SqliteConnection,
) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        expire_date: chrono::NaiveDateTime,
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        purge_after: chrono::NaiveDateTime,
    }
    let row: Stored = diesel::sql_query("SELECT expire_date, purge_after FROM sessions")
        .get_result(db)
        .unwrap();
    (row.expire_date, row.purge_after)
}

/// Deleted, the file went on taking writes through the open connections (8,270 answers of 200
/// seen), all lost at the next start. Now the store notices within a second, fails its calls as
/// unavailable while it closes the old connections, and carries on with a fresh file.
#[tokio::test]
async fn a_deleted_file_is_noticed_and_replaced_by_a_fresh_one() {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let old = save(&store).await.unwrap();
    let load = async |key| RequestScope::new().run(store.load(key)).await.unwrap();
    // The writer thread (which serves reads too) opens its connection to the file.
    for _ in 0..8 {
        assert!(load(&old).await.is_some());
    }
    let path = dir.path().join("sessions.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    // Writes that came before the watch looked went into the deleted file; then, within a
    // second or two, a fresh file takes the place of the old one and saves work again. (Waiting
    // for the file alone raced with its migrations, which end before the store takes calls.)
    let mut new = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if path.exists()
            && let Ok(key) = save(&store).await
        {
            new = Some(key);
            break;
        }
    }
    let new = new.expect("a fresh file, taking saves, within 5 s");
    assert!(load(&new).await.is_some());
    for _ in 0..8 {
        assert!(
            load(&old).await.is_none(),
            "no reader still reads the old file: its sessions are gone with it"
        );
    }
}

/// The store's threads open the file by URI (so that none of them makes an empty file where one
/// was deleted): characters that mean something in a URI must still name the same file.
#[tokio::test]
async fn a_file_whose_path_has_uri_characters_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("100% #1?.sqlite3");
    let url = format!("sqlite://{}", path.display());
    let store = DieselSessionStore::builder(url.parse().unwrap())
        .build()
        .await
        .unwrap();
    let key = save(&store).await.unwrap();
    let loaded = RequestScope::new().run(store.load(&key)).await.unwrap();
    assert_eq!(loaded, Some(counter(1)));
    assert!(path.exists());
}

/// A write that moves the expiry on by less than a minute leaves `purge_after`, and so the purge's
/// index, alone (an index on `expire_date` cost every write a delete and an insert in it); a
/// later one moves it to a minute past the new expiry.
#[tokio::test]
async fn purge_after_moves_only_when_the_expiry_leaves_its_minute() {
    let clock = ManualClock::new();
    let (store, dir) = sqlite_store(clock.clone()).await;
    let key = save(&store).await.unwrap();
    let mut db = open(&dir);
    let mut stored = || expiry_and_purge_after(&mut db);
    let (saved_expiry, first) = stored();
    assert_eq!(first, saved_expiry + chrono::TimeDelta::minutes(1));

    clock.advance(chrono::TimeDelta::seconds(10));
    bump(
        &store,
        SessionKey::try_from(key.as_ref().to_owned()).unwrap(),
        2,
    )
    .await
    .unwrap();
    let (expiry, purge_after) = stored();
    assert_eq!(expiry, saved_expiry + chrono::TimeDelta::seconds(10));
    assert_eq!(purge_after, first, "a 10-second move leaves it alone");

    clock.advance(chrono::TimeDelta::minutes(2));
    bump(&store, key, 3).await.unwrap();
    let (expiry, purge_after) = stored();
    assert_eq!(purge_after, expiry + chrono::TimeDelta::minutes(1));
}

/// A file made before `purge_after` existed (the first two migrations, one live session): the
/// store migrates it when built, the session still loads and updates, and once it has expired
/// the purge finds it.
#[tokio::test]
async fn a_file_made_before_purge_after_keeps_its_sessions() {
    let clock = ManualClock::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.sqlite3");
    let mut db = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    db.batch_execute(include_str!(
        "../../migrations/2026-11-22-000000_create_sessions/up.sql"
    ))
    .unwrap();
    db.batch_execute(include_str!(
        "../../migrations/2026-11-22-000001_session_version/up.sql"
    ))
    .unwrap();
    db.batch_execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP); \
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20261122000000'), ('20261122000001');",
    )
    .unwrap();
    let key = "k".repeat(64);
    let expiry =
        actix_session_diesel::Clock::now(&*clock).naive_utc() + chrono::TimeDelta::hours(1);
    diesel::sql_query(
        "INSERT INTO sessions (session_key, session_data, expire_date) VALUES (?, ?, ?)",
    )
    .bind::<diesel::sql_types::Text, _>(&key)
    .bind::<diesel::sql_types::Text, _>(r#"{"n":"1"}"#)
    .bind::<diesel::sql_types::Timestamp, _>(expiry)
    .execute(&mut db)
    .unwrap();

    let url = format!("sqlite://{}", path.display());
    let store = DieselSessionStore::builder(url.parse().unwrap())
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    let key = SessionKey::try_from(key).unwrap();
    let loaded = RequestScope::new().run(store.load(&key)).await.unwrap();
    assert_eq!(loaded, Some(counter(1)));
    bump(&store, key, 2).await.unwrap();

    clock.advance(chrono::TimeDelta::hours(2));
    assert_eq!(store.purge_expired().await.unwrap(), 1);
}

const HOUR: actix_web::cookie::time::Duration = actix_web::cookie::time::Duration::hours(1);

fn counter(n: usize) -> std::collections::HashMap<String, String> {
    [("n".to_owned(), n.to_string())].into()
}

/// Loads `key` and saves `n` over what it loaded, as one request would.
async fn bump(store: &DieselSessionStore, key: SessionKey, n: usize) -> Result<(), String> {
    let scope = RequestScope::new();
    scope
        .run(async {
            store.load(&key).await.map_err(|e| e.to_string())?;
            store
                .update(key, counter(n), &HOUR)
                .await
                .map_err(|e| format!("{e:?}"))?;
            Ok(())
        })
        .await
}

/// Many writes queued at once share commits; each is answered after its commit, so each is in
/// the file for any other connection (another process) the moment its caller hears of it.
#[tokio::test]
async fn writes_queued_together_are_all_committed_before_they_are_answered() {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let mut keys = Vec::new();
    for _ in 0..200 {
        keys.push(save(&store).await.unwrap());
    }
    let path = dir.path().join("sessions.sqlite3");
    let updates = keys.iter().enumerate().map(|(n, key)| {
        let (store, path) = (&store, &path);
        async move {
            bump(
                store,
                SessionKey::try_from(key.as_ref().to_owned()).unwrap(),
                n,
            )
            .await?;
            // Read back at once through a connection of its own, outside the store.
            let mut other = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            let data: String =
                diesel::sql_query("SELECT session_data FROM sessions WHERE session_key = ?")
                    .bind::<diesel::sql_types::Text, _>(key.as_ref())
                    .get_result::<Data>(&mut other)
                    .map_err(|e| e.to_string())?
                    .session_data;
            Ok::<_, String>((n, data))
        }
    });
    for result in futures_util::future::join_all(updates).await {
        let (n, data) = result.unwrap();
        assert_eq!(data, format!(r#"{{"n":"{n}"}}"#));
    }
}

#[derive(QueryableByName)]
struct Data {
    #[diesel(sql_type = diesel::sql_types::Text)]
    session_data: String,
}

/// Another process holding SQLite's write lock (a `clearsessions`, a second server) stalls
/// writes. They fail as unavailable after the store's timeout, are never applied once the lock
/// is free (their callers were told they failed), reads go on meanwhile, and writes work again
/// by themselves.
#[tokio::test]
async fn a_write_stalled_by_another_process_fails_in_time_and_is_never_applied_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.sqlite3");
    let store =
        DieselSessionStore::builder(format!("sqlite://{}", path.display()).parse().unwrap())
            .timeout(Duration::from_millis(300))
            .build()
            .await
            .unwrap();
    let key = save(&store).await.unwrap();
    let copy = || SessionKey::try_from(key.as_ref().to_owned()).unwrap();

    let mut other = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    // (Waiting for the lock, should the store's first purge hold it for a moment.)
    other
        .batch_execute("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE")
        .unwrap();
    // Reads go to the writer thread while it is idle, and need no lock there.
    let started = Instant::now();
    let loaded = RequestScope::new().run(store.load(&copy())).await.unwrap();
    assert_eq!(loaded, Some(counter(1)), "a read needs no write lock");
    assert!(started.elapsed() < Duration::from_millis(300));
    let started = Instant::now();
    let stalled = bump(&store, copy(), 2).await;
    let waited = started.elapsed();
    let error = stalled.expect_err("the write cannot have the lock");
    assert!(error.contains("no answer within"), "{error}");
    assert!(waited < Duration::from_secs(2), "failed after {waited:?}");
    let started = Instant::now();
    let loaded = RequestScope::new().run(store.load(&copy())).await.unwrap();
    assert_eq!(
        loaded,
        Some(counter(1)),
        "reads do not wait for the stuck writer"
    );
    assert!(started.elapsed() < Duration::from_millis(300));

    other.batch_execute("COMMIT").unwrap();
    // The writer thread, stuck in SQLite's busy wait, now gets the lock: the stalled write must
    // not run, since its caller was told it failed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let loaded = RequestScope::new().run(store.load(&copy())).await.unwrap();
    assert_eq!(loaded, Some(counter(1)), "the failed write stayed undone");
    bump(&store, copy(), 3).await.expect("writes work again");
    let loaded = RequestScope::new().run(store.load(&copy())).await.unwrap();
    assert_eq!(loaded, Some(counter(3)));
}

/// SQLite keeps an expiry as text, which another tool may have written wrong: the session then
/// loads as damaged (actix-session starts it afresh, with a warning), and its next write
/// repairs the row.
#[tokio::test]
async fn a_row_whose_expiry_is_not_a_time_loads_as_damaged_and_is_repaired() {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let key = save(&store).await.unwrap();
    let mut db = open(&dir);
    db.batch_execute("UPDATE sessions SET expire_date = 'tomorrow'")
        .unwrap();
    let request = RequestScope::new();
    let loaded = request.run(store.load(&key)).await;
    assert!(
        matches!(
            loaded,
            Err(actix_session::storage::LoadError::Deserialization(_))
        ),
        "{loaded:?}"
    );
    let key = request
        .run(store.update(key, counter(2), &HOUR))
        .await
        .unwrap();
    let reloaded = RequestScope::new().run(store.load(&key)).await.unwrap();
    assert_eq!(reloaded, Some(counter(2)));
}

/// A `purge_after` that is not a time (only this store writes it, but SQLite keeps any text):
/// the update rewrites it rather than fail, which on the writer thread would also have rolled
/// back every other session's write committed with it.
#[tokio::test]
async fn an_update_rewrites_a_purge_after_that_is_not_a_time() {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let key = save(&store).await.unwrap();
    let mut db = open(&dir);
    db.batch_execute("UPDATE sessions SET purge_after = 'never'")
        .unwrap();
    bump(&store, key, 2).await.unwrap();
    let (expire_date, purge_after) = expiry_and_purge_after(&mut db);
    assert_eq!(purge_after, expire_date + chrono::TimeDelta::minutes(1));
}
