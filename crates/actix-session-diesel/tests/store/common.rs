//! What the tests share: a clock they move by hand, and the servers of the ignored tests.

use std::sync::{Arc, Mutex};

use actix_session_diesel::{Clock, DieselSessionStore};
use chrono::{DateTime, TimeDelta, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

/// A session's state as actix-session hands it to the store.
pub type State = std::collections::HashMap<String, String>;

/// The time to live the tests give sessions.
pub const HOUR: actix_web::cookie::time::Duration = actix_web::cookie::time::Duration::hours(1);

/// Another handle on `key`: actix-session's `update` takes the key by value.
pub fn copy(key: &actix_session::storage::SessionKey) -> actix_session::storage::SessionKey {
    actix_session::storage::SessionKey::try_from(key.as_ref().to_owned()).unwrap()
}

/// A session holding the counter `n`.
pub fn counter(n: &str) -> State {
    State::from([("n".into(), n.into())])
}

/// A clock that moves only when told to.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(Utc::now())))
    }

    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The URL in `variable`; a test that needs it is ignored unless asked for, and then fails
/// without it.
pub fn service_url(variable: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("{variable} is not set: run this test under scripts/test-services.sh"),
    }
}

/// A random lowercase name, unique per test, under the prefix the test script cleans up.
pub fn unique_name() -> String {
    use rand::distr::{Alphanumeric, SampleString as _};
    let suffix = Alphanumeric.sample_string(&mut rand::rng(), 12);
    format!("cvs_test_{}", suffix.to_lowercase())
}

/// An SQLite store on a file of its own.
pub async fn sqlite_store(clock: Arc<ManualClock>) -> (DieselSessionStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sessions.sqlite3", dir.path().display());
    let store = DieselSessionStore::builder(url.parse().unwrap())
        .pool_size(4)
        .clock(clock)
        .build()
        .await
        .unwrap();
    (store, dir)
}

/// A PostgreSQL schema of its own for one test, dropped when the test ends. The store reaches it
/// through `url`; the schema is made and dropped through `admin_url`.
pub struct PgSchema {
    admin_url: String,
    base_url: String,
    pub name: String,
}

impl PgSchema {
    pub async fn create(admin_url: String, base_url: String) -> Self {
        let name = unique_name();
        let mut admin = AsyncPgConnection::establish(&admin_url).await.unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        Self {
            admin_url,
            base_url,
            name,
        }
    }

    /// The database URL with this schema first on the search path: the store and its migrations
    /// work inside it without knowing.
    pub fn url(&self) -> String {
        // Spelled by hand: tokio-postgres reads `%20` as a space but not the `+` of form encoding.
        let separator = if self.base_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let name = &self.name;
        format!(
            "{}{separator}options=-c%20search_path%3D{name}",
            self.base_url
        )
    }

    pub async fn admin(&self) -> AsyncPgConnection {
        let mut admin = AsyncPgConnection::establish(&self.admin_url).await.unwrap();
        let search_path = format!("SET search_path TO {}", self.name);
        admin.batch_execute(&search_path).await.unwrap();
        admin
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut connection = AsyncPgConnection::establish(&url).await.ok()?;
                let drop_schema = format!("DROP SCHEMA {name} CASCADE");
                connection.batch_execute(&drop_schema).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test schema {}", self.name);
        }
    }
}

/// A schema on the plain PostgreSQL of `TEST_DATABASE_URL`.
pub async fn postgres_schema() -> PgSchema {
    let url = service_url("TEST_DATABASE_URL");
    PgSchema::create(url.clone(), url).await
}

/// A schema on the TLS-only PostgreSQL the test script starts: the store connects with
/// `TEST_DATABASE_TLS_URL` (over TLS, `sslmode=verify-full`), the schema is made through
/// `TEST_DATABASE_TLS_ADMIN_URL` (its Unix socket).
pub async fn postgres_tls_schema() -> PgSchema {
    let admin = service_url("TEST_DATABASE_TLS_ADMIN_URL");
    PgSchema::create(admin, service_url("TEST_DATABASE_TLS_URL")).await
}
