//! A session store for [actix-session](https://docs.rs/actix-session) on
//! [diesel](https://diesel.rs): SQLite (embedded, the default) or PostgreSQL (several instances
//! sharing one database), with an optional cache in front (Redis or in-process).
//!
//! What it guarantees, beyond storing sessions:
//!
//! - **No lost update.** Two requests of one session that load the same data and both save it
//!   (two tabs, two instances behind a load balancer) do not silently overwrite each other: the
//!   second save is refused and answered with 409, and a retry sees the first one's change.
//! - **No resurrected session.** A session deleted (logged out, flushed, purged) while a request
//!   of it is in flight stays deleted: that request saves nothing, under any key.
//! - **Expired rows go away.** [`DieselSessionStore::clear_expired`] (Django's `clearsessions`)
//!   and a background purge that steps aside for requests.
//! - **Honest failures.** A database that is down gives 503 with `Retry-After`, not a 500, and the
//!   site recovers by itself when it is back.
//! - **No blocked workers.** Nothing waits on the database on an actix worker thread.
//!
//! # Quick start
//!
//! ```no_run
//! use actix_session::SessionMiddleware;
//! use actix_session_diesel::{DieselSessionStore, session_guard};
//! use actix_web::{App, HttpServer, cookie::Key, middleware::from_fn};
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let store = DieselSessionStore::builder("sqlite://data/sessions.sqlite3".parse()?)
//!         .build()
//!         .await?;
//!     let purge = store.spawn_background_purge(std::time::Duration::from_secs(3600));
//!     let key = Key::generate(); // load a fixed key in production: sessions outlive restarts
//!     HttpServer::new(move || {
//!         App::new()
//!             .wrap(SessionMiddleware::new(store.clone(), key.clone()))
//!             .wrap(from_fn(session_guard)) // outside SessionMiddleware: wrapped last
//!     })
//!     .bind("127.0.0.1:8080")?
//!     .run()
//!     .await?;
//!     purge.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! # Features
//!
//! - `sqlite` (default): SQLite, compiled in, in WAL mode.
//! - `postgres` (default): PostgreSQL, with TLS by rustls as the URL's `sslmode` asks.
//! - `moka-cache`, `redis-cache`: [`CachedDbStore`] with a cache in this process or in Redis.
//! - `redis-store`: `RedisSessionStore`, sessions in Redis alone, with the same guarantees.
//!
//! # Schema
//!
//! One table, `sessions(session_key, session_data, expire_date, version, purge_after)`, created
//! by the migrations the store applies when built (or by [`migrate`]). Times are UTC; the data is
//! the JSON actix-session hands over. The purge finds expired rows through an index on
//! `purge_after`, which the store keeps within a minute after `expire_date`: a write that moves
//! the expiry on by less than that (every write, with sliding expiry) leaves the index alone.
#![warn(missing_docs)]

mod builder;
#[cfg(any(feature = "moka-cache", feature = "redis-cache"))]
mod cached;
mod clock;
mod database;
mod error;
mod guard;
mod protocol;
mod purge;
#[cfg(feature = "redis-store")]
mod redis_store;
mod schema;
mod sql_time;
mod store;
mod update;
mod url;
#[cfg(feature = "postgres")]
mod write_line;

pub use builder::{DEFAULT_MIGRATION_LOCK_ID, StoreBuilder, migrate};
#[cfg(any(feature = "moka-cache", feature = "redis-cache"))]
pub use cached::{CachedDbStore, SessionCache};
pub use clock::{Clock, SystemClock};
pub use database::Backend;
pub use error::Error;
pub use guard::{RequestScope, SessionConflict, SessionStoreUnavailable, session_guard};
pub use purge::{Pace, PurgeHandle};
#[cfg(feature = "redis-store")]
pub use redis_store::RedisSessionStore;
pub use store::DieselSessionStore;
pub use url::{DatabaseUrl, redact_password};
