//! The real binary under load, killed: nothing a visitor was shown is lost.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::helpers::{ServerProcess, session_cookie_pair, views_shown};

/// Visitors hammer `/session/` until `stop`; returns, per visitor, the highest count shown in a 200.
async fn load(
    url: &str,
    visitors: &[String],
    stop: impl Fn() + Send + 'static,
) -> HashMap<String, u32> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_millis(1_500);
    let workers = visitors.iter().cloned().map(|cookie| {
        let (client, url) = (client.clone(), format!("{url}/session/"));
        tokio::spawn(async move {
            let mut shown = 0;
            while let Ok(response) = client.get(&url).header("cookie", &cookie).send().await {
                match response.status().as_u16() {
                    200 => match response.text().await {
                        Ok(html) => shown = shown.max(views_shown(&html)),
                        Err(_) => break, // cut off mid-body: not shown
                    },
                    status => panic!("status {status} under load"),
                }
            }
            (cookie, shown)
        })
    });
    let workers: Vec<_> = workers.collect();
    tokio::time::sleep_until(deadline.into()).await;
    stop();
    let mut shown = HashMap::new();
    for worker in workers {
        let (cookie, count) = worker.await.unwrap();
        shown.insert(cookie, count);
    }
    shown
}

async fn new_visitors(url: &str, count: usize) -> Vec<String> {
    let mut visitors = Vec::new();
    for _ in 0..count {
        let response = reqwest::get(format!("{url}/session/")).await.unwrap();
        visitors.push(session_cookie_pair(&response));
    }
    visitors
}

/// After a restart, each visitor's next view counts past everything it was shown.
async fn assert_nothing_shown_was_lost(url: &str, shown: &HashMap<String, u32>) {
    let client = reqwest::Client::new();
    for (cookie, count) in shown {
        let response = client
            .get(format!("{url}/session/"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let now = views_shown(&response.text().await.unwrap());
        assert!(now > *count, "shown {count} before the crash, {now} after");
    }
}

fn integrity_check(database: &str) -> String {
    let mut connection = SqliteConnection::establish(database).unwrap();
    diesel::dsl::sql::<diesel::sql_types::Text>("PRAGMA integrity_check")
        .get_result(&mut connection)
        .unwrap()
}

#[tokio::test]
async fn kill_9_under_load_loses_nothing_a_visitor_was_shown() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("sessions.sqlite3").display().to_string();
    let server = ServerProcess::on_sqlite(&database).await;
    let visitors = new_visitors(&server.url, 8).await;
    let pid = server.pid().to_string();
    let shown = load(&server.url, &visitors, move || {
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    })
    .await;
    drop(server);
    assert!(
        shown.values().all(|&count| count > 1),
        "the load ran: {shown:?}"
    );
    assert_eq!(integrity_check(&database), "ok");

    let server = ServerProcess::on_sqlite(&database).await;
    assert_nothing_shown_was_lost(&server.url, &shown).await;
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("sessions.sqlite3").display().to_string();
    let mut server = ServerProcess::on_sqlite(&database).await;
    let visitors = new_visitors(&server.url, 8).await;
    let pid = server.pid().to_string();
    // `load` panics on any non-200 answer: a request cut off by the shutdown would show.
    let shown = load(&server.url, &visitors, move || {
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    })
    .await;
    let status = server.wait();
    assert!(status.success(), "exit status {status}");
    assert_eq!(integrity_check(&database), "ok");

    let restarted = ServerProcess::on_sqlite(&database).await;
    assert_nothing_shown_was_lost(&restarted.url, &shown).await;
}

/// Ctrl-C (SIGINT) stops as gently as SIGTERM: a request in flight still finishes and saves, and
/// the process exits 0. (actix-web's own handler drops such requests on SIGINT.)
#[tokio::test]
async fn ctrl_c_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("sessions.sqlite3").display().to_string();
    let mut server = ServerProcess::on_sqlite(&database).await;
    // Holding SQLite's write lock keeps a new visitor's request waiting to save its session.
    // (Waiting for the lock, which the server's first purge may hold for a moment at start.)
    let mut lock = SqliteConnection::establish(&database).unwrap();
    diesel::sql_query("PRAGMA busy_timeout = 5000")
        .execute(&mut lock)
        .unwrap();
    diesel::sql_query("BEGIN IMMEDIATE")
        .execute(&mut lock)
        .unwrap();
    let request = tokio::spawn(reqwest::get(format!("{}/session/", server.url)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("-INT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!request.is_finished(), "the request was still waiting");
    diesel::sql_query("COMMIT").execute(&mut lock).unwrap();
    let response = request
        .await
        .unwrap()
        .expect("an answer, not a dropped connection");
    assert_eq!(response.status(), 200);
    let status = server.wait();
    assert!(status.success(), "exit status {status}");
}
