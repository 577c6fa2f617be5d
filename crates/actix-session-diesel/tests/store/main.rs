//! The store's tests: one suite run against every backend (`suite`, `backends`), the guard in a
//! real actix-web app (`guard`), and what only PostgreSQL does (`postgres`).
//!
//! Backends whose server the run may not have are `#[ignore = "needs …"]`: the project's
//! `scripts/test-services.sh` starts them and runs these with `--include-ignored`.

mod backends;
mod common;
mod guard;
mod postgres;
mod purge;
mod sqlite;
mod suite;
