//! Database URLs: `sqlite://PATH` or `postgres://…`, shown in logs and errors without a password.

use std::fmt;
use std::path::PathBuf;

use crate::Error;

/// Where the sessions live: `sqlite://PATH` (relative, or absolute as `sqlite:///abs/path`) or
/// `postgres://user:password@host/db` (`postgresql://` too). Its `Display` and `Debug` hide the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file, created with its directory if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL; `sslmode` may be `disable`, `prefer`, `require`, `verify-ca` or
    /// `verify-full`, and `sslrootcert` names a PEM file of trusted roots.
    Postgres(String),
}

impl std::str::FromStr for DatabaseUrl {
    type Err = Error;

    fn from_str(url: &str) -> Result<Self, Error> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::Config(
                    "the SQLite URL names no file (expected sqlite://PATH)".into(),
                ));
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(Error::Config(
                "unsupported database URL: expected sqlite://PATH or postgres://…".into(),
            ))
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A connection URL fit for a log line: any password replaced by asterisks.
pub fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("********"));
            }
            parsed.to_string()
        }
        Err(_) => "(a URL that does not parse)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_display_without_password() {
        let sqlite: DatabaseUrl = "sqlite://data/sessions.sqlite3".parse().unwrap();
        assert_eq!(sqlite, DatabaseUrl::Sqlite("data/sessions.sqlite3".into()));
        let absolute: DatabaseUrl = "sqlite:///tmp/x.db".parse().unwrap();
        assert_eq!(absolute, DatabaseUrl::Sqlite("/tmp/x.db".into()));
        let postgres: DatabaseUrl = "postgres://app:hunter2@db.local:5432/sessions"
            .parse()
            .unwrap();
        let shown = postgres.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app:") && shown.contains("db.local:5432/sessions"));
        assert!(!format!("{postgres:?}").contains("hunter2"));
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }
}
