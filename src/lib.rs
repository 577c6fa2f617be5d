//! cookies-vs-sessions: the Rango visit counter kept two ways, in client cookies and in a
//! server-side session, side by side.
//!
//! - [`visits`]: the once-per-period rule and its two storages;
//! - [`sessions`]: the session store, actix-session's middleware stack, per-session turns;
//! - [`web`]: request limits, security headers, the error page, templates, request cookies;
//! - [`routes`]: every route, in one place; [`views`]: what each page shows, as typed contexts;
//! - [`i18n`]: the four languages, Fluent messages and the visitor's choice;
//! - [`startup`], [`config`], [`telemetry`], [`clock`]: building and running the app.

pub mod clock;
pub mod config;
pub mod i18n;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod telemetry;
pub mod views;
pub mod visits;
pub mod web;
