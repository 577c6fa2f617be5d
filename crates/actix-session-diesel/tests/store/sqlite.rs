//! What only SQLite has: a file that someone can delete under the running store.

use std::time::Duration;

use actix_session::storage::{SessionKey, SessionStore as _};
use actix_session_diesel::{DieselSessionStore, RequestScope};

use crate::common::{ManualClock, sqlite_store};

async fn save(store: &DieselSessionStore) -> Result<SessionKey, String> {
    let hour = actix_web::cookie::time::Duration::hours(1);
    let save = store.save([("n".to_owned(), "1".to_owned())].into(), &hour);
    RequestScope::new()
        .run(save)
        .await
        .map_err(|e| format!("{e:?}"))
}

/// Deleted, the file went on taking writes through the open connections (8,270 answers of 200
/// seen), all lost at the next start. Now the store notices within a second, fails its calls as
/// unavailable while it closes the old connections, and carries on with a fresh file.
#[tokio::test]
async fn a_deleted_file_is_noticed_and_replaced_by_a_fresh_one() {
    let (store, dir) = sqlite_store(ManualClock::new()).await;
    let old = save(&store).await.unwrap();
    let path = dir.path().join("sessions.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    // Writes that came before the watch looked went into the deleted file; then, within a
    // second or two, a fresh file takes the place of the old one.
    let mut back = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if path.exists() {
            back = true;
            break;
        }
    }
    assert!(back, "a fresh file within 5 s");
    let new = save(&store).await.unwrap();
    let load = async |key| RequestScope::new().run(store.load(key)).await.unwrap();
    assert!(load(&new).await.is_some());
    assert!(
        load(&old).await.is_none(),
        "the old file's sessions are gone with it"
    );
}
