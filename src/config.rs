//! Command line and environment settings. Every option has an environment fallback.

use std::fmt;
use std::time::Duration;

use actix_web::cookie::Key;
use chrono::TimeDelta;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::telemetry::LogFormat;
use actix_session_diesel::DatabaseUrl;

pub const DEFAULT_BIND: &str = "127.0.0.1:8000";
pub const DEFAULT_VISIT_PERIOD: &str = "1d";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/sessions.sqlite3";
/// Django's default cookie and session age.
pub const TWO_WEEKS_IN_SECONDS: u32 = 1_209_600;

#[derive(Debug, Parser)]
#[command(
    name = "cookies-vs-sessions",
    version,
    about = "Client cookies and server-side sessions side by side: the Rango visit counter two ways.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Settings for `serve` when no subcommand is given.
    #[command(flatten)]
    serve: Settings,
    /// How log lines are written: `text` (coloured on a terminal) or `json` (one object per line).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "made once, at start")]
pub enum Command {
    /// Run the web site (the default when no subcommand is given).
    Serve(Settings),
    /// Apply pending database migrations (the server also applies them at start).
    Migrate(DatabaseSettings),
    /// Delete expired sessions, as Django's `clearsessions`, and print how many.
    Clearsessions(DatabaseSettings),
}

impl Cli {
    /// The subcommand to run; `serve` when none was named.
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "BIND", default_value = DEFAULT_BIND)]
    pub bind: String,

    /// How long after a counted visit the next one counts, as a human duration (`24h`, `10s`, `1d`).
    #[arg(long, env = "VISIT_PERIOD", default_value = DEFAULT_VISIT_PERIOD, value_parser = parse_period)]
    pub visit_period: TimeDelta,

    /// Max-Age of the `visits` and `last_visit` cookies, in seconds (two weeks, as Django's default).
    #[arg(long, env = "COOKIE_AGE", default_value_t = TWO_WEEKS_IN_SECONDS, value_parser = clap::value_parser!(u32).range(1..))]
    pub cookie_age: u32,

    #[command(flatten)]
    pub database: DatabaseSettings,

    #[command(flatten)]
    pub session: SessionSettings,

    /// How often the server deletes expired sessions in the background (`1h`, `10m`).
    #[arg(long, env = "PURGE_INTERVAL", default_value = "1h", value_parser = parse_interval)]
    pub purge_interval: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// Where sessions are stored: `sqlite://PATH` (the directory is created) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: DatabaseUrl,

    /// PostgreSQL: connections in each worker's pool. SQLite: reader threads, each with its connection, for
    /// reads while another process's write lock holds up the writer thread (which commits writes
    /// in groups and otherwise serves the reads too).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub database_pool_size: u16,
}

/// Django's session engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionBackendKind {
    /// The database of `--database-url` (Django's `db`).
    Db,
    /// Redis alone, through actix-session's own store (Django's `cache`).
    Redis,
    /// The database, with Redis (or, without `--redis-url`, this process's memory) as a cache.
    CachedDb,
    /// The whole session in the signed `sessionid` cookie (Django's `signed_cookies`).
    SignedCookie,
}

/// Django's session settings, under Django's names and defaults.
#[derive(Debug, Clone, Args)]
pub struct SessionSettings {
    /// Where session data lives.
    #[arg(long, env = "SESSION_BACKEND", value_enum, default_value_t = SessionBackendKind::Db)]
    pub session_backend: SessionBackendKind,

    /// Redis for the `redis` backend and the `cached-db` cache: `redis://host:6379/0`.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key this site writes, so several sites can share one Redis.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "session:")]
    pub redis_key_prefix: String,

    /// Lifetime of a session and of its `sessionid` cookie, in seconds (two weeks).
    #[arg(long, env = "SESSION_COOKIE_AGE", default_value_t = TWO_WEEKS_IN_SECONDS, value_parser = clap::value_parser!(u32).range(1..))]
    pub session_cookie_age: u32,

    /// Send `sessionid` over HTTPS only. Off by default so that http://127.0.0.1 works.
    #[arg(long, env = "SESSION_COOKIE_SECURE", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub session_cookie_secure: bool,

    /// Make `sessionid` a browser-session cookie (no Max-Age); the server still expires the data
    /// after the session cookie age.
    #[arg(long, env = "SESSION_EXPIRE_AT_BROWSER_CLOSE", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub session_expire_at_browser_close: bool,

    /// Refresh the session's expiry (and cookie) on every request, not only when it changes.
    #[arg(long, env = "SESSION_SAVE_EVERY_REQUEST", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub session_save_every_request: bool,

    /// Signs the session cookie: 64 bytes or more. Without it, the key in `--secret-key-file` is
    /// used, made there on first start. Instances that share sessions must share the key.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretKey>,

    /// Where the key is kept when `--secret-key` is not given [default: beside an SQLite
    /// database, else data/secret_key].
    #[arg(long, env = "SECRET_KEY_FILE")]
    pub secret_key_file: Option<std::path::PathBuf>,
}

/// The cookie-signing key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey(pub Key);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(********)")
    }
}

impl std::str::FromStr for SecretKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.len() < 64 {
            return Err(format!("is {} bytes long; use 64 or more", text.len()));
        }
        // Derived through HKDF so that every byte of a long secret counts.
        Ok(Self(Key::derive_from(text.as_bytes())))
    }
}

/// A human duration (`10s`, `30m`, `24h`, `1d`), refused with a message a person can act on
/// (humantime's own says "expected number at 0").
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|_| {
        format!(
            "`{text}` is not a duration: write a number and a unit, such as 10s, 30m, 24h or 1d"
        )
    })
}

/// The longest visit period: a century is already longer than any cookie lives, and dates stay in
/// the years every browser and parser handles.
const LONGEST_PERIOD: TimeDelta = TimeDelta::days(36_525);

pub fn parse_period(text: &str) -> Result<TimeDelta, String> {
    let period = TimeDelta::from_std(parse_duration(text)?).unwrap_or(TimeDelta::MAX);
    if period > LONGEST_PERIOD {
        return Err(format!("`{text}` is too long a period: at most 100 years"));
    }
    Ok(period)
}

/// A purge interval: any duration but zero, which would purge without pause.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!("`{text}` is no interval: use at least 1s")),
        interval => Ok(interval),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_settings(args: &[&str]) -> Settings {
        let cli =
            Cli::try_parse_from(std::iter::once("cookies-vs-sessions").chain(args.iter().copied()));
        match cli.unwrap().command() {
            Command::Serve(settings) => settings,
            other => panic!("serve expected, got {other:?}"),
        }
    }

    #[test]
    fn no_subcommand_means_serve_with_the_documented_defaults() {
        let settings = serve_settings(&[]);
        assert_eq!(settings.bind, "127.0.0.1:8000");
        assert_eq!(settings.visit_period, TimeDelta::days(1));
        assert_eq!(settings.cookie_age, 1_209_600);
        let database = settings.database;
        assert_eq!(
            database.database_url,
            DatabaseUrl::Sqlite("data/sessions.sqlite3".into())
        );
        let session = settings.session;
        assert_eq!(session.session_cookie_age, 1_209_600);
        assert!(!session.session_cookie_secure);
        assert!(!session.session_expire_at_browser_close);
        assert!(!session.session_save_every_request);
        assert!(session.secret_key.is_none());
        assert!(session.secret_key_file.is_none());
        assert_eq!(session.session_backend, SessionBackendKind::Db);
        assert_eq!(session.redis_url, None);
        assert_eq!(settings.purge_interval, Duration::from_secs(3600));
    }

    #[test]
    fn visit_period_takes_human_durations() {
        let cli = Cli::try_parse_from(["cookies-vs-sessions", "serve", "--visit-period", "10s"]);
        let Command::Serve(settings) = cli.unwrap().command() else {
            panic!("serve expected")
        };
        assert_eq!(settings.visit_period, TimeDelta::seconds(10));
        assert!(parse_period("1d").is_ok_and(|p| p == TimeDelta::days(1)));
        assert!(parse_period("-3s").is_err());
        let banana = parse_period("banana").unwrap_err();
        assert!(banana.contains("`banana` is not a duration"), "{banana}");
        assert!(banana.contains("10s, 30m, 24h or 1d"), "{banana}");
    }

    #[test]
    fn logs_are_text_unless_json_is_asked_for() {
        let format = |args: &[&str]| {
            let args = std::iter::once("cookies-vs-sessions").chain(args.iter().copied());
            Cli::try_parse_from(args).unwrap().log_format
        };
        assert_eq!(format(&[]), LogFormat::Text);
        assert_eq!(format(&["--log-format", "json"]), LogFormat::Json);
        assert_eq!(
            format(&["migrate", "--log-format", "json"]),
            LogFormat::Json
        );
    }

    #[test]
    fn nonsense_settings_are_refused_with_a_reason() {
        let refused = |args: &[&str]| {
            let args = std::iter::once("cookies-vs-sessions").chain(args.iter().copied());
            Cli::try_parse_from(args).unwrap_err().to_string()
        };
        assert!(refused(&["--purge-interval", "0s"]).contains("use at least 1s"));
        assert!(refused(&["--session-cookie-age", "0"]).contains("--session-cookie-age"));
        assert!(refused(&["--cookie-age", "0"]).contains("--cookie-age"));
        assert!(refused(&["--visit-period", "1000years"]).contains("at most 100 years"));
        assert!(parse_period("100years").is_ok());
    }

    #[test]
    fn database_subcommands_take_a_url() {
        let cli = Cli::try_parse_from(["x", "clearsessions", "--database-url", "sqlite://a.db"]);
        let Command::Clearsessions(database) = cli.unwrap().command() else {
            panic!("clearsessions expected")
        };
        assert_eq!(database.database_url, DatabaseUrl::Sqlite("a.db".into()));
        assert!(Cli::try_parse_from(["x", "migrate", "--database-url", "ftp://x"]).is_err());
    }

    #[test]
    fn secret_keys_shorter_than_64_bytes_are_refused() {
        assert!("k".repeat(63).parse::<SecretKey>().is_err());
        let key: SecretKey = "k".repeat(64).parse().unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(********)");
    }
}
