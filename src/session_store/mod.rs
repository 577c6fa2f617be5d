//! A diesel-backed session store for actix-session (SQLite or PostgreSQL), written to be lifted
//! into its own crate: it knows nothing of this site's pages.

pub mod cached_db;
pub mod database;
pub mod diesel_store;
pub mod purge;
pub mod schema;

pub use cached_db::{CachedDbStore, SessionCache};
pub use database::{Database, DatabaseError, DatabaseUrl, redact_password};
pub use diesel_store::DieselSessionStore;
pub use purge::{PURGE_BATCH, Pace, clear_expired, purge_expired, spawn_background_purge};
