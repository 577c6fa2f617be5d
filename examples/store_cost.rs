//! What one request costs in each session backend: `cargo run --release --example store_cost`.
//!
//! SQLite and signed-cookie always run (SQLite in a temporary file); PostgreSQL and Redis run when
//! `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set. PostgreSQL gets a schema of its own, dropped at the end; Redis keys get
//! a prefix of their own and are deleted at the end. Prints a markdown table (times in µs).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_session::storage::{SessionKey, SessionStore};
use actix_session_diesel::{
    CachedDbStore, DatabaseUrl, DieselSessionStore, RedisSessionStore, RequestScope, SessionCache,
};
use actix_web::cookie::time::Duration as Ttl;
use anyhow::Context as _;
use cookies_vs_sessions::clock::SystemClock;
use cookies_vs_sessions::sessions::signed_cookie::SignedCookieStore;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use rand::distr::{Alphanumeric, SampleString as _};

const WARM_UP: usize = 200;
const ITERATIONS: usize = 2_000;
const TASKS: usize = 16;
const POOL_SIZE: usize = 8;
const TWO_WEEKS: Ttl = Ttl::seconds(1_209_600);

/// What `/session/` keeps for a returning visitor: each value is JSON, as actix-session hands it over.
fn state(num_visits: usize) -> HashMap<String, String> {
    HashMap::from([
        ("visits".into(), "3".into()),
        ("last_visit".into(), "\"2026-03-01T09:30:00Z\"".into()),
        ("num_visits".into(), num_visits.to_string()),
        ("testcookie".into(), "\"worked\"".into()),
    ])
}

/// Latencies of one kind of request, after the warm-up.
struct Stats {
    samples: Vec<Duration>,
    wall: Duration,
}

impl Stats {
    /// Mean / p50 / p99 in µs, with a decimal below 10 µs.
    fn cell(&self) -> String {
        let n = self.samples.len();
        let mean = self.samples.iter().sum::<Duration>() / n as u32;
        let micros = |d: Duration| match d.as_secs_f64() * 1e6 {
            us if us < 10.0 => format!("{us:.1}"),
            us => format!("{us:.0}"),
        };
        let (p50, p99) = (self.samples[n / 2], self.samples[n * 99 / 100]);
        format!("{} / {} / {}", micros(mean), micros(p50), micros(p99))
    }

    fn per_second(&self) -> f64 {
        self.samples.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `op(i)` `WARM_UP` times untimed, then `ITERATIONS` times timed.
async fn timed(mut op: impl AsyncFnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<Stats> {
    for i in 0..WARM_UP {
        op(i).await?;
    }
    let mut samples = Vec::with_capacity(ITERATIONS);
    let start = Instant::now();
    for i in WARM_UP..WARM_UP + ITERATIONS {
        let began = Instant::now();
        op(i).await?;
        samples.push(began.elapsed());
    }
    let wall = start.elapsed();
    samples.sort_unstable();
    Ok(Stats { samples, wall })
}

/// A returning visitor whose data changes (`GET /session/`): load, then update, in one request's
/// scope as `session_guard` gives it. Returns the key, which a store may replace.
async fn revisit(store: &impl SessionStore, key: String, visit: usize) -> anyhow::Result<String> {
    let request = async {
        let key = SessionKey::try_from(key)?;
        let mut state = store.load(&key).await?.context("the session vanished")?;
        state.insert("num_visits".into(), visit.to_string());
        Ok(store.update(key, state, &TWO_WEEKS).await?.into())
    };
    RequestScope::new().run(request).await
}

/// `TASKS` visitors at once, each revisiting its own session `rounds` times; returns the wall time.
/// SessionStore futures are not `Send`, so they run concurrently on one task, as in one actix worker.
async fn concurrent(
    store: &impl SessionStore,
    keys: &[String],
    rounds: usize,
) -> anyhow::Result<Duration> {
    let visitor = async |mut key: String| {
        for visit in 0..rounds {
            key = revisit(store, key, visit).await?;
        }
        anyhow::Ok(())
    };
    let start = Instant::now();
    futures_util::future::try_join_all(keys[..TASKS].iter().cloned().map(visitor)).await?;
    Ok(start.elapsed())
}

struct Row {
    new_visitor: Stats,
    changed: Stats,
    unchanged: Stats,
    concurrent_per_second: f64,
}

async fn measure(store: &impl SessionStore) -> anyhow::Result<Row> {
    let mut keys: Vec<String> = Vec::new();
    let new_visitor = timed(async |i| {
        keys.push(store.save(state(i), &TWO_WEEKS).await?.into());
        Ok(())
    })
    .await?;
    let changed = timed(async |i| {
        let slot = i % keys.len();
        keys[slot] = revisit(store, keys[slot].clone(), i).await?;
        Ok(())
    })
    .await?;
    let unchanged = timed(async |i| {
        let key = SessionKey::try_from(keys[i % keys.len()].clone())?;
        store.load(&key).await?.context("the session vanished")?;
        Ok(())
    })
    .await?;
    concurrent(store, &keys, WARM_UP / TASKS).await?;
    let wall = concurrent(store, &keys, ITERATIONS / TASKS).await?;
    let concurrent_per_second = (ITERATIONS / TASKS * TASKS) as f64 / wall.as_secs_f64();
    for key in keys {
        store.delete(&SessionKey::try_from(key)?).await?;
    }
    Ok(Row {
        new_visitor,
        changed,
        unchanged,
        concurrent_per_second,
    })
}

fn service_url(variable: &str, backend: &str) -> Option<String> {
    let url = std::env::var(variable).ok().filter(|url| !url.is_empty());
    if url.is_none() {
        println!("> {variable} is not set: {backend} skipped.\n");
    }
    url
}

fn unique_name() -> String {
    let suffix = Alphanumeric.sample_string(&mut rand::rng(), 12);
    format!("cvs_bench_{}", suffix.to_lowercase())
}

/// Measures every backend whose server is configured, in the table's order.
async fn measure_all(
    sqlite: &DatabaseUrl,
    postgres: Option<&DatabaseUrl>,
    redis: Option<&str>,
) -> anyhow::Result<Vec<(&'static str, Row)>> {
    let database = async |url: &DatabaseUrl| {
        let store = DieselSessionStore::builder(url.clone()).pool_size(POOL_SIZE);
        anyhow::Ok(store.build().await?)
    };
    let mut rows = vec![("db, SQLite", measure(&database(sqlite).await?).await?)];
    if let Some(url) = postgres {
        rows.push(("db, PostgreSQL", measure(&database(url).await?).await?));
    }
    if let Some(url) = redis {
        let prefix = format!("{}:", unique_name());
        let store = RedisSessionStore::connect(url, prefix, Duration::from_millis(500)).await?;
        rows.push(("redis", measure(&store).await?));
    }
    let in_process = CachedDbStore::new(database(sqlite).await?, SessionCache::in_process(100_000));
    rows.push((
        "cached-db, in-process cache, SQLite",
        measure(&in_process).await?,
    ));
    if let (Some(postgres), Some(redis)) = (postgres, redis) {
        let connection = redis::Client::open(redis)?.get_connection_manager().await?;
        let cache = SessionCache::redis(connection, format!("{}:", unique_name()));
        let store = CachedDbStore::new(database(postgres).await?, cache);
        rows.push(("cached-db, Redis cache, PostgreSQL", measure(&store).await?));
    }
    // The "key" is the session itself, as JSON; the middleware signs it as it signs every key.
    let signed_cookie = SignedCookieStore::new(std::sync::Arc::new(SystemClock));
    rows.push(("signed-cookie", measure(&signed_cookie).await?));
    Ok(rows)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split(':').nth(1));
    // The load average tells whether something else was busy on the machine meanwhile.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').take(3).collect::<Vec<_>>().join(" ");
    println!(
        "{} · {} CPUs ({}) · load average {load} · {WARM_UP} warm-up then {ITERATIONS} requests each \
         · database pool {POOL_SIZE}\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism()?,
        cpu.unwrap_or("unknown").trim(),
    );
    let dir = tempfile::tempdir()?;
    let sqlite = DatabaseUrl::Sqlite(dir.path().join("sessions.sqlite3"));
    let redis = service_url("TEST_REDIS_URL", "Redis");
    let schema = match service_url("TEST_DATABASE_URL", "PostgreSQL") {
        Some(url) => {
            let name = unique_name();
            let mut connection = AsyncPgConnection::establish(&url).await?;
            connection
                .batch_execute(&format!("CREATE SCHEMA {name}"))
                .await?;
            Some((connection, url, name))
        }
        None => None,
    };
    // The schema first on the search path: the store and its migrations work inside it.
    let postgres = schema.as_ref().map(|(_, url, name)| {
        let separator = if url.contains('?') { '&' } else { '?' };
        DatabaseUrl::Postgres(format!("{url}{separator}options=-c%20search_path%3D{name}"))
    });
    let rows = measure_all(&sqlite, postgres.as_ref(), redis.as_deref()).await;
    if let Some((mut connection, _, name)) = schema {
        connection
            .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
            .await?;
    }
    let rows = rows?;

    println!("Times in µs: mean / p50 / p99. One request = the store calls that request makes.\n");
    println!(
        "| backend | new visitor: save | returning, data changed: load + update \
         | returning, nothing changed: load | sequential load + update/s | {TASKS} concurrent load + update/s |"
    );
    println!("| --- | --- | --- | --- | ---: | ---: |");
    for (name, row) in rows {
        println!(
            "| {name} | {} | {} | {} | {:.0} | {:.0} |",
            row.new_visitor.cell(),
            row.changed.cell(),
            row.unchanged.cell(),
            row.changed.per_second(),
            row.concurrent_per_second,
        );
    }
    Ok(())
}
