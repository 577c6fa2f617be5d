//! PostgreSQL, Redis and chromedriver for the tests that need a real server: `TEST_DATABASE_URL`,
//! `TEST_REDIS_URL` and `WEBDRIVER_URL`. Those tests are `#[ignore = "needs …"]`, so a plain
//! `cargo test` reports them as ignored, never as passed; `scripts/test-services.sh` starts the
//! servers, sets the URLs and runs them with `--include-ignored`. A test run without its URL fails.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

fn service_url(variable: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("{variable} is not set: run this test under scripts/test-services.sh"),
    }
}

/// chromedriver, for the real-browser tests.
pub fn webdriver_url() -> String {
    service_url("WEBDRIVER_URL")
}

pub fn redis_url() -> String {
    service_url("TEST_REDIS_URL")
}

/// A random lowercase name, unique per test.
pub fn unique_name(prefix: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString as _};
    let suffix = Alphanumeric
        .sample_string(&mut rand::rng(), 12)
        .to_lowercase();
    format!("{prefix}_{suffix}")
}

/// A PostgreSQL schema of its own for one test, dropped when the test ends.
pub struct PgSchema {
    base_url: String,
    name: String,
}

impl PgSchema {
    pub async fn create() -> Self {
        let base_url = service_url("TEST_DATABASE_URL");
        let name = unique_name("cvs_test");
        let mut connection = AsyncPgConnection::establish(&base_url).await.unwrap();
        connection
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        Self { base_url, name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database URL with this schema first on the search path: the app and its migrations
    /// work inside it without knowing.
    pub fn url(&self) -> String {
        // Spelled by hand: tokio-postgres reads `%20` as a space but not the `+` of form encoding.
        let separator = if self.base_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options=-c%20search_path%3D{}",
            self.base_url, self.name
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.base_url.clone(), self.name.clone());
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
