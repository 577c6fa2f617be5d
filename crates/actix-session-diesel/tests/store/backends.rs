//! The suite on every backend: SQLite always; PostgreSQL (plain and over TLS) when the test
//! script has started them; cached-db with its in-process cache always and with Redis when it is
//! there.

use std::sync::Arc;

use actix_session::storage::SessionKey;
use actix_session_diesel::DieselSessionStore;
use chrono::TimeDelta;
use diesel::prelude::*;

use crate::common::{ManualClock, PgSchema, postgres_schema, postgres_tls_schema, sqlite_store};
use crate::suite::{DatabaseHarness, StoreHarness};

const CORRUPT_ROW: &str = "UPDATE sessions SET session_data = '{not json' WHERE session_key = ";
const COUNT_ROWS: &str = "SELECT COUNT(*) AS count FROM sessions";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// A store on an SQLite file of its own.
pub struct Sqlite {
    store: DieselSessionStore,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
}

impl Sqlite {
    fn connection(&self) -> SqliteConnection {
        let path = self.dir.path().join("sessions.sqlite3");
        SqliteConnection::establish(path.to_str().unwrap()).unwrap()
    }
}

impl StoreHarness for Sqlite {
    type Store = DieselSessionStore;

    async fn new() -> Self {
        let clock = ManualClock::new();
        let (store, dir) = sqlite_store(clock.clone()).await;
        Self { store, clock, dir }
    }

    fn store(&self) -> &DieselSessionStore {
        &self.store
    }

    async fn let_time_pass(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    async fn corrupt(&self, key: &SessionKey) {
        let changed = diesel::sql_query(format!("{CORRUPT_ROW}?"))
            .bind::<diesel::sql_types::Text, _>(key.as_ref())
            .execute(&mut self.connection())
            .unwrap();
        assert_eq!(changed, 1);
    }

    async fn rows(&self) -> i64 {
        let count: Count = diesel::sql_query(COUNT_ROWS)
            .get_result(&mut self.connection())
            .unwrap();
        count.count
    }
}

impl DatabaseHarness for Sqlite {
    fn database_store(&self) -> &DieselSessionStore {
        &self.store
    }
}

/// A store in a PostgreSQL schema of its own.
pub struct Postgres {
    store: DieselSessionStore,
    clock: Arc<ManualClock>,
    schema: PgSchema,
}

impl Postgres {
    async fn on(schema: PgSchema) -> Self {
        let clock = ManualClock::new();
        let store = DieselSessionStore::builder(schema.url().parse().unwrap())
            .pool_size(4)
            .clock(clock.clone())
            .build()
            .await
            .unwrap();
        Self {
            store,
            clock,
            schema,
        }
    }
}

impl StoreHarness for Postgres {
    type Store = DieselSessionStore;

    async fn new() -> Self {
        Self::on(postgres_schema().await).await
    }

    fn store(&self) -> &DieselSessionStore {
        &self.store
    }

    async fn let_time_pass(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    async fn corrupt(&self, key: &SessionKey) {
        let query = diesel::sql_query(format!("{CORRUPT_ROW}$1"))
            .bind::<diesel::sql_types::Text, _>(key.as_ref());
        let changed = diesel_async::RunQueryDsl::execute(query, &mut self.schema.admin().await)
            .await
            .unwrap();
        assert_eq!(changed, 1);
    }

    async fn rows(&self) -> i64 {
        let query = diesel::sql_query(COUNT_ROWS);
        let count: Count =
            diesel_async::RunQueryDsl::get_result(query, &mut self.schema.admin().await)
                .await
                .unwrap();
        count.count
    }
}

impl DatabaseHarness for Postgres {
    fn database_store(&self) -> &DieselSessionStore {
        &self.store
    }
}

/// The same, on the PostgreSQL that accepts TLS connections only, verified (`sslmode=verify-full`
/// against the test script's self-signed certificate).
pub struct PostgresTls(Postgres);

impl StoreHarness for PostgresTls {
    type Store = DieselSessionStore;

    async fn new() -> Self {
        Self(Postgres::on(postgres_tls_schema().await).await)
    }

    fn store(&self) -> &DieselSessionStore {
        self.0.store()
    }

    async fn let_time_pass(&self, by: TimeDelta) {
        self.0.let_time_pass(by).await;
    }

    async fn corrupt(&self, key: &SessionKey) {
        self.0.corrupt(key).await;
    }

    async fn rows(&self) -> i64 {
        self.0.rows().await
    }
}

impl DatabaseHarness for PostgresTls {
    fn database_store(&self) -> &DieselSessionStore {
        self.0.database_store()
    }
}

mod sqlite {
    crate::suite::store_suite!(super::Sqlite: core purges);
}

mod postgres {
    crate::suite::store_suite!(
        #[ignore = "needs TEST_DATABASE_URL"]
        super::Postgres: core purges
    );
}

mod postgres_tls {
    crate::suite::store_suite!(
        #[ignore = "needs TEST_DATABASE_TLS_URL"]
        super::PostgresTls: core purges
    );
}

#[cfg(any(feature = "moka-cache", feature = "redis-cache"))]
pub mod cached {
    use actix_session_diesel::{CachedDbStore, SessionCache};

    use super::*;

    /// cached-db over SQLite, with the cache `K`.
    pub struct CachedDb<K> {
        store: CachedDbStore,
        sqlite: Sqlite,
        kind: std::marker::PhantomData<K>,
    }

    /// The cache a cached-db harness puts in front of its database.
    pub trait CacheKind {
        async fn open() -> SessionCache;
    }

    /// This process's memory.
    #[cfg(feature = "moka-cache")]
    pub struct InProcess;

    #[cfg(feature = "moka-cache")]
    impl CacheKind for InProcess {
        async fn open() -> SessionCache {
            SessionCache::in_process(1024 * 1024)
        }
    }

    /// Redis, under a key prefix of the test's own.
    #[cfg(feature = "redis-cache")]
    pub struct Redis;

    #[cfg(feature = "redis-cache")]
    impl CacheKind for Redis {
        async fn open() -> SessionCache {
            let url = crate::common::service_url("TEST_REDIS_URL");
            let client = redis::Client::open(url).unwrap();
            let connection = client.get_connection_manager().await.unwrap();
            SessionCache::redis(connection, format!("{}:", crate::common::unique_name()))
        }
    }

    impl<K: CacheKind> StoreHarness for CachedDb<K> {
        type Store = CachedDbStore;

        async fn new() -> Self {
            let sqlite = Sqlite::new().await;
            let store = CachedDbStore::new(sqlite.store.clone(), K::open().await);
            Self {
                store,
                sqlite,
                kind: std::marker::PhantomData,
            }
        }

        fn store(&self) -> &CachedDbStore {
            &self.store
        }

        async fn let_time_pass(&self, by: TimeDelta) {
            self.sqlite.let_time_pass(by).await;
        }

        /// The row damaged behind the store's back; `update_ttl` drops the cached copy, so the
        /// next load reads the damaged row.
        async fn corrupt(&self, key: &SessionKey) {
            self.sqlite.corrupt(key).await;
            let hour = actix_web::cookie::time::Duration::hours(1);
            actix_session::storage::SessionStore::update_ttl(&self.store, key, &hour)
                .await
                .unwrap();
        }

        async fn rows(&self) -> i64 {
            self.sqlite.rows().await
        }
    }

    impl<K: CacheKind> DatabaseHarness for CachedDb<K> {
        fn database_store(&self) -> &DieselSessionStore {
            self.sqlite.database_store()
        }
    }

    #[cfg(feature = "moka-cache")]
    mod in_process {
        use actix_session::storage::SessionStore as _;
        use actix_session_diesel::RequestScope;

        use super::*;

        crate::suite::store_suite!(super::CachedDb<super::InProcess>: core purges);

        fn visits() -> std::collections::HashMap<String, String> {
            [("visits".to_owned(), "7".to_owned())].into()
        }

        impl CachedDb<InProcess> {
            /// Deletes the row behind the store's back, so only the cache can still answer.
            fn delete_row(&self, key: &SessionKey) {
                diesel::sql_query("DELETE FROM sessions WHERE session_key = ?")
                    .bind::<diesel::sql_types::Text, _>(key.as_ref())
                    .execute(&mut self.sqlite.connection())
                    .unwrap();
            }

            async fn load(
                &self,
                key: &SessionKey,
            ) -> Option<std::collections::HashMap<String, String>> {
                RequestScope::new().run(self.store.load(key)).await.unwrap()
            }
        }

        #[tokio::test]
        async fn reads_are_served_from_the_cache() {
            let harness = CachedDb::<InProcess>::new().await;
            let hour = actix_web::cookie::time::Duration::hours(1);
            let key = RequestScope::new()
                .run(harness.store.save(visits(), &hour))
                .await
                .unwrap();
            harness.delete_row(&key);
            assert_eq!(harness.load(&key).await, Some(visits()));
        }

        #[tokio::test]
        async fn a_miss_falls_back_to_the_database_and_refills_the_cache() {
            let harness = CachedDb::<InProcess>::new().await;
            let hour = actix_web::cookie::time::Duration::hours(1);
            let key = RequestScope::new()
                .run(harness.store.save(visits(), &hour))
                .await
                .unwrap();
            harness.store.update_ttl(&key, &hour).await.unwrap(); // drops the cached copy
            assert_eq!(harness.load(&key).await, Some(visits()));
            harness.delete_row(&key);
            assert_eq!(
                harness.load(&key).await,
                Some(visits()),
                "the load refilled the cache"
            );
        }
    }

    #[cfg(feature = "redis-cache")]
    mod redis_cache {
        crate::suite::store_suite!(
            #[ignore = "needs TEST_REDIS_URL"] super::CachedDb<super::Redis>: core purges
        );
    }
}

/// Sessions in Redis alone, under a key prefix of the test's own. Expiry is Redis's own, so
/// letting time pass is a real wait.
#[cfg(feature = "redis-store")]
pub struct Redis {
    store: actix_session_diesel::RedisSessionStore,
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

#[cfg(feature = "redis-store")]
impl StoreHarness for Redis {
    type Store = actix_session_diesel::RedisSessionStore;

    async fn new() -> Self {
        let url = crate::common::service_url("TEST_REDIS_URL");
        let prefix = format!("{}:", crate::common::unique_name());
        let timeout = std::time::Duration::from_millis(500);
        let store = actix_session_diesel::RedisSessionStore::connect(&url, prefix.clone(), timeout)
            .await
            .unwrap();
        let client = redis::Client::open(url).unwrap();
        let connection = client.get_connection_manager().await.unwrap();
        Self {
            store,
            connection,
            prefix,
        }
    }

    fn store(&self) -> &actix_session_diesel::RedisSessionStore {
        &self.store
    }

    async fn let_time_pass(&self, by: TimeDelta) {
        tokio::time::sleep(by.to_std().unwrap()).await;
    }

    async fn corrupt(&self, key: &SessionKey) {
        use redis::AsyncCommands as _;
        let key = format!("{}{}", self.prefix, key.as_ref());
        let _: () = self
            .connection
            .clone()
            .hset(key, "d", "{not json")
            .await
            .unwrap();
    }

    async fn rows(&self) -> i64 {
        use redis::AsyncCommands as _;
        let keys: Vec<String> = self
            .connection
            .clone()
            .keys(format!("{}*", self.prefix))
            .await
            .unwrap();
        keys.len() as i64
    }
}

#[cfg(feature = "redis-store")]
mod redis_store {
    crate::suite::store_suite!(#[ignore = "needs TEST_REDIS_URL"] super::Redis: core);
}
