//! The key that signs `sessionid`. Data in a database outlives the process, so the key must too:
//! without `SECRET_KEY`, the first start makes one and keeps it in a file beside the database
//! (readable by its owner only), as Django keeps its key in its settings.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use actix_session_diesel::DatabaseUrl;
use actix_web::cookie::Key;
use anyhow::Context as _;
use rand::RngCore as _;

use crate::config::SecretKey;

/// Where the key is kept when no `SECRET_KEY` is given: beside an SQLite database, else in
/// `data/`.
pub fn default_key_file(database: &DatabaseUrl) -> PathBuf {
    let dir = match database {
        DatabaseUrl::Sqlite(path) => path.parent().map(Path::to_owned).unwrap_or_default(),
        _ => PathBuf::from("data"),
    };
    dir.join("secret_key")
}

/// `secret` if given; else the key in `file`, made there (mode 0600) on first use.
pub fn signing_key(secret: Option<&SecretKey>, file: &Path) -> anyhow::Result<Key> {
    if let Some(secret) = secret {
        return Ok(secret.0.clone());
    }
    let unusable = || format!("the key file {} cannot be used", file.display());
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let key: SecretKey = text
                .trim()
                .parse()
                .map_err(anyhow::Error::msg)
                .with_context(unusable)?;
            Ok(key.0)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let text = new_secret();
            match write_private(file, &text) {
                // Another instance, starting at the same moment, made it first: use its key.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    return signing_key(None, file);
                }
                written => written.with_context(unusable)?,
            }
            tracing::info!(
                file = %file.display(),
                "made a key to sign session cookies and kept it here, so sessions outlive a \
                 restart; give every instance the same one (SECRET_KEY or this file)"
            );
            Ok(text.parse::<SecretKey>().map_err(anyhow::Error::msg)?.0)
        }
        Err(error) => Err(error).with_context(unusable),
    }
}

/// 64 random bytes, as 128 hexadecimal digits.
fn new_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `text` to a new file only its owner can read.
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    let mut out = options.open(file)?;
    writeln!(out, "{text}")
}
