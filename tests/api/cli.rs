//! The binary's subcommands, run as a user would.

use std::process::{Command, Output};

use diesel::prelude::*;

use crate::helpers::{ServerProcess, eventually, set_cookie, spawn_app_on_real_time, views_shown};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cookies-vs-sessions"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("SESSION_BACKEND")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn migrate_creates_the_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/new/dir/sessions.sqlite3", dir.path().display());
    let first = run(&["migrate", "--database-url", &url]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).starts_with("Applied migrations: "));
    let again = run(&["migrate", "--database-url", &url]);
    assert_eq!(stdout(&again).trim(), "No migrations to apply.");
    // Readers must not wait for the writer: the file is in WAL mode for every later connection.
    let path = dir.path().join("new/dir/sessions.sqlite3");
    let mut db = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let mode: String = diesel::dsl::sql::<diesel::sql_types::Text>("PRAGMA journal_mode")
        .get_result(&mut db)
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn clearsessions_deletes_only_expired_sessions_and_says_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.sqlite3").display().to_string();
    let url = format!("sqlite://{path}");
    assert!(run(&["migrate", "--database-url", &url]).status.success());
    let mut db = SqliteConnection::establish(&path).unwrap();
    let insert =
        "INSERT INTO sessions (session_key, session_data, expire_date) VALUES (?, '{}', ?)";
    for (key, expire) in [
        ("expired1", "2000-01-01 00:00:00"),
        ("expired2", "2020-05-05 12:00:00"),
        ("live", "2999-01-01 00:00:00"),
    ] {
        diesel::sql_query(insert)
            .bind::<diesel::sql_types::Text, _>(key)
            .bind::<diesel::sql_types::Text, _>(expire)
            .execute(&mut db)
            .unwrap();
    }
    let output = run(&["clearsessions", "--database-url", &url]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "Deleted 2 expired sessions.");
    let left: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT COUNT(*) FROM sessions")
        .get_result(&mut db)
        .unwrap();
    assert_eq!(left, 1);
}

/// `clearsessions` run (by cron, say) beside a live server on the same SQLite file, with most rows
/// expired so that it rewrites the table in one transaction: the server's requests wait for that
/// write lock instead of failing, and no visit is lost. Both read the wall clock, as in production.
#[tokio::test(flavor = "multi_thread")]
async fn clearsessions_beside_a_running_server_loses_no_visit() {
    const EXPIRED: usize = 100_000;
    let app = spawn_app_on_real_time(|_| {}).await;
    diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {EXPIRED}) \
         INSERT INTO sessions (session_key, session_data, expire_date) \
         SELECT lower(hex(randomblob(32))), '{{}}', '2000-01-01 00:00:00' FROM n"
    ))
    .execute(&mut app.sqlite())
    .unwrap();
    let browser = app.browser();
    let first = browser.get("/session/").await.text().await.unwrap();
    assert_eq!(views_shown(&first), 1);

    let url = app.settings.database.database_url.to_string();
    let clear =
        tokio::task::spawn_blocking(move || run(&["clearsessions", "--database-url", &url]));
    let mut views = 1;
    let mut views_while_clearing = 0;
    while !clear.is_finished() || views < 20 {
        if !clear.is_finished() {
            views_while_clearing += 1;
        }
        let response = browser.get("/session/").await;
        assert_eq!(
            response.status(),
            200,
            "visit {} during clearsessions",
            views + 1
        );
        views += 1;
        assert_eq!(views_shown(&response.text().await.unwrap()), views);
    }
    let output = clear.await.unwrap();
    // The process takes tens of milliseconds to start and connect, so visits do overlap it.
    assert!(views_while_clearing > 0);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        format!("Deleted {EXPIRED} expired sessions.")
    );
    let after = browser.get("/session/").await.text().await.unwrap();
    assert_eq!(views_shown(&after), views + 1);
}

#[test]
fn an_unreachable_database_stops_the_server_with_a_clear_error() {
    let url = "postgres://app:hunter2@127.0.0.1:1/sessions";
    let output = run(&["serve", "--bind", "127.0.0.1:0", "--database-url", url]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains(
            "cannot open the session database at postgres://app:********@127.0.0.1:1/sessions"
        ),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "the password leaked: {error}");
    assert!(error.contains("Connection refused"), "not why: {error}");
}

#[test]
fn a_busy_port_and_a_bad_database_are_reported_together() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = busy.local_addr().unwrap().to_string();
    let url = "postgres://app@127.0.0.1:1/sessions";
    let output = run(&["serve", "--bind", &bind, "--database-url", url]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains(&format!("cannot listen on {bind}")),
        "{error}"
    );
    assert!(
        error.contains("cannot open the session database"),
        "{error}"
    );
}

#[test]
fn an_unusable_sqlite_path_stops_the_server_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let url = format!("sqlite://{}/sessions.sqlite3", blocker.display());
    let output = run(&["serve", "--bind", "127.0.0.1:0", "--database-url", &url]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("error: cannot"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_options_are_refused_before_anything_starts() {
    let output = run(&["--visit-period", "banana"]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(error.contains("--visit-period"), "{error}");
    assert!(error.contains("`banana` is not a duration"), "{error}");
    let output = run(&["--secret-key", "too-short"]);
    assert!(
        stderr(&output).contains("use 64 or more"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_redis_backend_needs_a_redis_url() {
    let output = run(&["--bind", "127.0.0.1:0", "--session-backend", "redis"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--session-backend redis needs --redis-url"));
    let output = run(&["--bind", "127.0.0.1:0", "--session-backend", "redis"]);
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn an_unreachable_redis_stops_the_server_with_a_clear_error() {
    let url = "redis://:hunter2@127.0.0.1:1/0";
    for backend in ["redis", "cached-db"] {
        let output = run(&[
            "--bind",
            "127.0.0.1:0",
            "--session-backend",
            backend,
            "--redis-url",
            url,
        ]);
        assert!(!output.status.success(), "{backend}");
        let error = stderr(&output);
        assert!(error.contains("cannot reach"), "{backend}: {error}");
        assert!(
            !error.contains("hunter2"),
            "{backend}: the password leaked: {error}"
        );
    }
}

/// What a person sees in the terminal: where to click, then one short line per request.
#[tokio::test]
async fn the_log_says_where_to_click_then_one_short_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("sessions.sqlite3").display().to_string();
    let server = ServerProcess::on_sqlite(&database).await;
    let listening = format!("listening on {}/", server.url);
    let logs = server.stderr();
    assert!(
        logs.iter().any(|line| line.contains(&listening)),
        "{logs:#?}"
    );

    let response = reqwest::get(format!("{}/hello/?x=1", server.url))
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let logged = async || server.stderr().iter().any(|line| line.contains(&id));
    assert!(eventually(logged).await, "no line for {id}");
    let logs = server.stderr();
    let lines: Vec<_> = logs.iter().filter(|line| line.contains(&id)).collect();
    assert_eq!(lines.len(), 1, "{logs:#?}");
    let line = lines[0];
    assert!(
        line.contains(&format!("request{{id={id}}}: GET /hello/ 200 ")),
        "{line}"
    );
    assert!(line.ends_with(" ms"), "{line}");
    assert!(line.len() < 120, "{} characters: {line}", line.len());
    // stderr is a pipe here, not a terminal: no colour codes in the file.
    assert!(logs.iter().all(|line| !line.contains('\x1b')), "{logs:#?}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sessions.sqlite3", dir.path().display());
    let server = ServerProcess::start(&["--database-url", &url, "--log-format", "json"]).await;
    let response = reqwest::get(format!("{}/hello/", server.url))
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let logged = async || server.stderr().iter().any(|line| line.contains(&id));
    assert!(eventually(logged).await, "no line for {id}");
    let lines: Vec<serde_json::Value> = server
        .stderr()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let request = lines
        .iter()
        .find(|line| line["span"]["id"] == id.as_str())
        .unwrap_or_else(|| panic!("no line for {id}: {lines:#?}"));
    assert_eq!(request["level"], "INFO");
    let message = request["fields"]["message"].as_str().unwrap();
    assert!(message.starts_with("GET /hello/ 200 "), "{message}");
}

/// `SESSION_COOKIE_SECURE=yes` (or `1`, `on`, `true`) turns the switch on, as the README says.
#[tokio::test]
async fn switches_in_the_environment_take_yes_on_and_1() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sessions.sqlite3", dir.path().display());
    for (value, secure) in [
        ("yes", true),
        ("on", true),
        ("1", true),
        ("off", false),
        ("0", false),
    ] {
        let env = [("SESSION_COOKIE_SECURE", value)];
        let server = ServerProcess::start_with_env(&["--database-url", &url], &env).await;
        let response = reqwest::get(format!("{}/session/", server.url))
            .await
            .unwrap();
        let cookie = set_cookie(&response, "sessionid").unwrap();
        assert_eq!(
            cookie.secure().unwrap_or(false),
            secure,
            "SESSION_COOKIE_SECURE={value}"
        );
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cookies-vs-sessions"))
        .env("SESSION_COOKIE_SECURE", "maybe")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("maybe"), "{}", stderr(&output));
}
