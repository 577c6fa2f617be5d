//! The store suite on every backend: SQLite always; PostgreSQL and Redis when their test URLs are
//! set; cached-db with its in-process cache always and with Redis when it is there.

use std::time::Duration;

use actix_session::storage::{RedisSessionStore, SessionKey};
use cookies_vs_sessions::session_store::{
    CachedDbStore, Database, DieselSessionStore, SessionCache,
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use redis::AsyncCommands as _;
use tempfile::TempDir;

use crate::services::{PgSchema, redis_url, unique_name};
use crate::store_suite::{DatabaseHarness, StoreHarness};

const NOT_A_SESSION: &str = "{not json";
const CORRUPT_ROW: &str = "UPDATE sessions SET session_data = '{not json' WHERE session_key = ";

/// A SQLite database file in a directory of its own.
pub struct SqliteFile {
    path: String,
    _dir: TempDir,
}

impl SqliteFile {
    pub async fn open() -> (Self, Database) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite3").display().to_string();
        let database = Database::connect(&format!("sqlite://{path}").parse().unwrap(), 4)
            .await
            .unwrap();
        (Self { path, _dir: dir }, database)
    }

    fn corrupt(&self, key: &SessionKey) {
        let mut connection = SqliteConnection::establish(&self.path).unwrap();
        let changed = diesel::sql_query(format!("{CORRUPT_ROW}?"))
            .bind::<diesel::sql_types::Text, _>(key.as_ref())
            .execute(&mut connection)
            .unwrap();
        assert_eq!(changed, 1);
    }
}

pub struct Sqlite {
    store: DieselSessionStore,
    file: SqliteFile,
}

impl StoreHarness for Sqlite {
    type Store = DieselSessionStore;

    async fn new() -> Self {
        let (file, database) = SqliteFile::open().await;
        Self {
            store: DieselSessionStore::new(database),
            file,
        }
    }

    fn store(&self) -> &DieselSessionStore {
        &self.store
    }

    async fn corrupt(&self, key: &SessionKey) {
        self.file.corrupt(key);
    }
}

impl DatabaseHarness for Sqlite {
    fn database(&self) -> &Database {
        self.store.database()
    }
}

pub struct Postgres {
    store: DieselSessionStore,
    schema: PgSchema,
}

impl StoreHarness for Postgres {
    type Store = DieselSessionStore;

    async fn new() -> Self {
        let schema = PgSchema::create().await;
        let database = Database::connect(&schema.url().parse().unwrap(), 4)
            .await
            .unwrap();
        Self {
            store: DieselSessionStore::new(database),
            schema,
        }
    }

    fn store(&self) -> &DieselSessionStore {
        &self.store
    }

    async fn corrupt(&self, key: &SessionKey) {
        let mut connection = AsyncPgConnection::establish(&self.schema.url())
            .await
            .unwrap();
        let query = diesel::sql_query(format!("{CORRUPT_ROW}$1"))
            .bind::<diesel::sql_types::Text, _>(key.as_ref());
        let changed = diesel_async::RunQueryDsl::execute(query, &mut connection)
            .await
            .unwrap();
        assert_eq!(changed, 1);
    }
}

impl DatabaseHarness for Postgres {
    fn database(&self) -> &Database {
        self.store.database()
    }
}

/// A Redis connection and a key prefix no other test uses.
pub struct RedisSpace {
    pub url: String,
    pub prefix: String,
    connection: redis::aio::ConnectionManager,
}

impl RedisSpace {
    pub async fn open() -> Self {
        let url = redis_url();
        let client = redis::Client::open(url.as_str()).unwrap();
        Self {
            prefix: format!("{}:", unique_name("cvs_test")),
            connection: client.get_connection_manager().await.unwrap(),
            url,
        }
    }

    pub async fn set(&self, key: &str, value: &str) {
        let _: () = self.connection.clone().set(key, value).await.unwrap();
    }
}

pub struct Redis {
    store: RedisSessionStore,
    space: RedisSpace,
}

/// actix-session's Redis store overwrites, so it runs without the `conflicts` group: instances
/// sharing Redis rely on each serialising its own requests, and a cross-instance race can still
/// lose an update.
impl StoreHarness for Redis {
    type Store = RedisSessionStore;

    async fn new() -> Self {
        let space = RedisSpace::open().await;
        let prefix = space.prefix.clone();
        let store = RedisSessionStore::builder(space.url.clone())
            .cache_keygen(move |key| format!("{prefix}{key}"))
            .build()
            .await
            .unwrap();
        Self { store, space }
    }

    fn store(&self) -> &RedisSessionStore {
        &self.store
    }

    async fn corrupt(&self, key: &SessionKey) {
        let cache_key = format!("{}{}", self.space.prefix, key.as_ref());
        self.space.set(&cache_key, NOT_A_SESSION).await;
    }
}

pub struct CachedDb {
    store: CachedDbStore,
    cache: SessionCache,
    file: SqliteFile,
    /// Keeps the test's Redis key prefix for as long as the store lives.
    _redis: Option<RedisSpace>,
}

/// The cache a cached-db harness puts in front of its database.
pub trait CacheKind {
    async fn open() -> (SessionCache, Option<RedisSpace>);
}

/// This process's memory.
pub struct InProcess;

impl CacheKind for InProcess {
    async fn open() -> (SessionCache, Option<RedisSpace>) {
        (SessionCache::in_process(1024 * 1024), None)
    }
}

/// Redis, under a key prefix of the test's own.
pub struct RedisCache;

impl CacheKind for RedisCache {
    async fn open() -> (SessionCache, Option<RedisSpace>) {
        let space = RedisSpace::open().await;
        let client = redis::Client::open(space.url.as_str()).unwrap();
        let cache = SessionCache::Redis {
            connection: client.get_connection_manager().await.unwrap(),
            prefix: space.prefix.clone(),
        };
        (cache, Some(space))
    }
}

/// cached-db over SQLite with the cache `K`.
pub struct CachedDbWith<K>(CachedDb, std::marker::PhantomData<K>);

impl<K: CacheKind> StoreHarness for CachedDbWith<K> {
    type Store = CachedDbStore;

    async fn new() -> Self {
        let (cache, redis) = K::open().await;
        let (file, database) = SqliteFile::open().await;
        let store = CachedDbStore::new(DieselSessionStore::new(database), cache.clone());
        let inner = CachedDb {
            store,
            cache,
            file,
            _redis: redis,
        };
        Self(inner, std::marker::PhantomData)
    }

    fn store(&self) -> &CachedDbStore {
        &self.0.store
    }

    async fn corrupt(&self, key: &SessionKey) {
        // The database row and its cached copy both damaged, as after a bad write.
        self.0.file.corrupt(key);
        let hour = Duration::from_secs(3600);
        self.0
            .cache
            .put(key.as_ref(), NOT_A_SESSION, hour)
            .await
            .unwrap();
    }
}

impl<K: CacheKind> DatabaseHarness for CachedDbWith<K> {
    fn database(&self) -> &Database {
        self.0.store.database().database()
    }
}

mod sqlite {
    crate::store_suite::store_suite!(super::Sqlite: core conflicts purges);
}

mod postgres {
    crate::store_suite::store_suite!(
        #[ignore = "needs TEST_DATABASE_URL"] super::Postgres: core conflicts purges
    );
}

mod redis_store {
    crate::store_suite::store_suite!(#[ignore = "needs TEST_REDIS_URL"] super::Redis: core);
}

mod cached_db_in_process {
    crate::store_suite::store_suite!(
        super::CachedDbWith<super::InProcess>: core conflicts purges
    );
}

mod cached_db_redis {
    crate::store_suite::store_suite!(
        #[ignore = "needs TEST_REDIS_URL"] super::CachedDbWith<super::RedisCache>: core conflicts purges
    );
}

/// What makes cached-db a cache: reads that need not touch the database.
mod cached_db_reads {
    use actix_session::storage::SessionStore;
    use actix_web::cookie::time::Duration;

    use super::*;

    impl CachedDb {
        /// Deletes the row behind the store's back, so only the cache can still answer.
        fn delete_row(&self, key: &SessionKey) {
            let mut connection = SqliteConnection::establish(&self.file.path).unwrap();
            diesel::sql_query("DELETE FROM sessions WHERE session_key = ?")
                .bind::<diesel::sql_types::Text, _>(key.as_ref())
                .execute(&mut connection)
                .unwrap();
        }
    }

    fn state() -> std::collections::HashMap<String, String> {
        [("visits".to_owned(), "7".to_owned())].into()
    }

    /// The state as loaded: with the version the cache keeps beside it.
    fn loaded() -> std::collections::HashMap<String, String> {
        let mut state = state();
        state.insert("__version".to_owned(), "0".to_owned());
        state
    }

    #[tokio::test]
    async fn reads_are_served_from_the_cache() {
        let CachedDbWith::<InProcess>(harness, _) = CachedDbWith::new().await;
        let key = harness
            .store
            .save(state(), &Duration::hours(1))
            .await
            .unwrap();
        harness.delete_row(&key);
        assert_eq!(harness.store.load(&key).await.unwrap(), Some(loaded()));
    }

    #[tokio::test]
    async fn a_miss_falls_back_to_the_database_and_refills_the_cache() {
        let CachedDbWith::<InProcess>(harness, _) = CachedDbWith::new().await;
        let key = harness
            .store
            .save(state(), &Duration::hours(1))
            .await
            .unwrap();
        harness.cache.remove(key.as_ref()).await.unwrap();
        assert_eq!(harness.store.load(&key).await.unwrap(), Some(loaded()));
        harness.delete_row(&key);
        assert_eq!(
            harness.store.load(&key).await.unwrap(),
            Some(loaded()),
            "the load refilled the cache"
        );
    }
}
