//! The store suite on each backend.

mod sqlite {
    use actix_session::storage::SessionKey;
    use cookies_vs_sessions::session_store::{Database, DieselSessionStore, purge_expired};
    use diesel::prelude::*;
    use tempfile::TempDir;

    use crate::store_suite::{StoreHarness, store_suite};

    pub struct Sqlite {
        store: DieselSessionStore,
        path: String,
        _dir: TempDir,
    }

    impl StoreHarness for Sqlite {
        type Store = DieselSessionStore;

        async fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store.sqlite3").display().to_string();
            let url = format!("sqlite://{path}").parse().unwrap();
            let database = Database::connect(&url, 4).await.unwrap();
            Self {
                store: DieselSessionStore::new(database),
                path,
                _dir: dir,
            }
        }

        fn store(&self) -> &DieselSessionStore {
            &self.store
        }

        async fn corrupt(&self, key: &SessionKey) {
            let mut connection = SqliteConnection::establish(&self.path).unwrap();
            let changed = diesel::sql_query(
                "UPDATE sessions SET session_data = '{not json' WHERE session_key = ?",
            )
            .bind::<diesel::sql_types::Text, _>(key.as_ref())
            .execute(&mut connection)
            .unwrap();
            assert_eq!(changed, 1);
        }

        async fn purge(&self) -> Option<u64> {
            Some(purge_expired(self.store.database()).await.unwrap())
        }
    }

    store_suite!(Sqlite);
}
