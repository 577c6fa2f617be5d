//! Spawns the real app per test on a random port, with a clock the test moves by hand.

use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex};

use actix_session_diesel::DatabaseUrl;
use chrono::{DateTime, TimeDelta, Utc};
use cookies_vs_sessions::clock::{Clock, SystemClock};
pub use cookies_vs_sessions::config::Settings;
use cookies_vs_sessions::config::{DatabaseSettings, SessionBackendKind, SessionSettings};
use cookies_vs_sessions::startup::Application;
use diesel::{Connection, SqliteConnection};
use reqwest::header::{COOKIE, HeaderValue, SET_COOKIE};
use tempfile::TempDir;

/// A clock that only moves when told to.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The time every test app starts at.
pub fn start_time() -> DateTime<Utc> {
    "2026-03-01T09:30:00Z".parse().unwrap()
}

/// The key test apps sign session cookies with, so tests can forge and verify them.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-test-secret-test-secret-0123";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The tag this app's request ids start with, which picks its lines out of the shared log.
    instance: String,
    /// The app's clock, unless it was spawned on real time.
    pub clock: Arc<ManualClock>,
    app_clock: Arc<dyn Clock>,
    pub settings: Settings,
    /// A client without a cookie jar: the test says exactly which cookies are sent.
    pub raw: reqwest::Client,
    server: actix_web::dev::ServerHandle,
    /// Holds the app's SQLite database; removed when the test ends.
    pub dir: Arc<TempDir>,
}

/// The settings of a test app: port 0, a SQLite file in `dir`, a known secret key.
pub fn test_settings(dir: &TempDir) -> Settings {
    let url = format!("sqlite://{}", dir.path().join("sessions.sqlite3").display());
    Settings {
        bind: "127.0.0.1:0".into(),
        visit_period: TimeDelta::days(1),
        cookie_age: 1_209_600,
        database: DatabaseSettings {
            database_url: url.parse().unwrap(),
            database_pool_size: 4,
        },
        session: SessionSettings {
            session_backend: SessionBackendKind::Db,
            redis_url: None,
            redis_key_prefix: "session:".into(),
            session_cookie_age: 1_209_600,
            session_cookie_secure: false,
            session_expire_at_browser_close: false,
            session_save_every_request: false,
            secret_key: Some(TEST_SECRET.parse().unwrap()),
            secret_key_file: None,
        },
        purge_interval: std::time::Duration::from_secs(3600),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A test app whose settings the test adjusts first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&dir);
    configure(&mut settings);
    let clock = Arc::new(ManualClock(Mutex::new(start_time())));
    launch(settings, clock.clone(), clock, Arc::new(dir)).await
}

/// A test app on the wall clock, for tests that wait in real time (as a browser user would).
pub async fn spawn_app_on_real_time(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&dir);
    configure(&mut settings);
    let unused = Arc::new(ManualClock(Mutex::new(start_time())));
    launch(settings, Arc::new(SystemClock), unused, Arc::new(dir)).await
}

async fn launch(
    settings: Settings,
    app_clock: Arc<dyn Clock>,
    clock: Arc<ManualClock>,
    dir: Arc<TempDir>,
) -> TestApp {
    LazyLock::force(&LOG_CAPTURE);
    let app = Application::build(settings.clone(), app_clock.clone())
        .await
        .expect("the app should start");
    let port = app.port();
    let instance = app.instance().to_owned();
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        instance,
        clock,
        app_clock,
        settings,
        raw: client(false),
        server,
        dir,
    }
}

fn client(with_cookie_jar: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(with_cookie_jar)
        .build()
        .unwrap()
}

impl TestApp {
    /// Stops this app gracefully and starts a new one on the same database, clock and settings.
    pub async fn restart(self) -> TestApp {
        self.server.stop(true).await;
        launch(self.settings, self.app_clock, self.clock, self.dir).await
    }

    /// A direct connection to the app's SQLite database, to look at or damage its rows.
    pub fn sqlite(&self) -> SqliteConnection {
        let DatabaseUrl::Sqlite(path) = &self.settings.database.database_url else {
            panic!("not a SQLite app")
        };
        SqliteConnection::establish(path.to_str().unwrap()).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A client that keeps cookies between requests, as a browser does.
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            client: client(true),
        }
    }

    /// GET with exactly this `Cookie` header (raw bytes, so tests can send what browsers would not).
    pub async fn get_with_cookie(&self, path: &str, cookie: &[u8]) -> reqwest::Response {
        self.raw
            .get(self.url(path))
            .header(COOKIE, HeaderValue::from_bytes(cookie).unwrap())
            .send()
            .await
            .unwrap()
    }

    /// The page at `path`, fetched with exactly this `Cookie` header.
    pub async fn page_with_cookie(&self, path: &str, cookie: &[u8]) -> String {
        let response = self.get_with_cookie(path, cookie).await;
        response.text().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.raw.get(self.url(path)).send().await.unwrap()
    }

    /// The log lines written while serving this app's requests.
    pub fn logs(&self) -> Vec<String> {
        let request = format!("request{{id={}-", self.instance);
        let captured = LOG_CAPTURE.lock().unwrap();
        String::from_utf8_lossy(&captured)
            .lines()
            .filter(|line| line.contains(&request))
            .map(str::to_owned)
            .collect()
    }

    pub fn logged(&self, level: &str, message: &str) -> bool {
        self.logs()
            .iter()
            .any(|line| line.contains(level) && line.contains(message))
    }
}

pub struct Browser<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.app.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str) -> reqwest::Response {
        self.client.post(self.app.url(path)).send().await.unwrap()
    }

    /// Clicks a language in the page header while on `page`: the form posts the language and the
    /// page to return to.
    pub async fn choose_language(&self, lang: &str, page: &str) -> reqwest::Response {
        self.client
            .post(self.app.url("/lang"))
            .form(&[("lang", lang), ("next", page)])
            .send()
            .await
            .unwrap()
    }

    /// Clicks "Dismiss" on the notice of the cookie or the session page (`storage`).
    pub async fn dismiss_notice(&self, storage: &str) -> reqwest::Response {
        self.post(&format!("/{storage}/dismiss")).await
    }

    /// GET a page, check it rendered, and read its visit count.
    pub async fn visits(&self, path: &str) -> u32 {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200);
        visit_count(&response.text().await.unwrap())
    }
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<cookie::Cookie<'static>> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|h| cookie::Cookie::parse(h.to_str().unwrap().to_owned()).unwrap())
        .collect()
}

pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<cookie::Cookie<'static>> {
    set_cookies(response).into_iter().find(|c| c.name() == name)
}

/// Every `Set-Cookie` header of a response, as sent.
pub fn set_cookie_headers(response: &reqwest::Response) -> Vec<String> {
    (response.headers().get_all(SET_COOKIE).iter())
        .map(|h| h.to_str().unwrap().to_owned())
        .collect()
}

/// The headers the inspector's Set-Cookie panel lists, as text (unescaped).
pub fn set_cookie_panel(html: &str) -> Vec<String> {
    html.split(r#"<code class="set-cookie-header">Set-Cookie: "#)
        .skip(1)
        .map(|rest| unescape_html(&rest[..rest.find("</code>").unwrap()]))
        .collect()
}

/// Text as Tera escaped it, back to what it says.
pub fn unescape_html(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The `lang` of the page's `<html>` element.
pub fn page_language(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("an <html lang>") + "<html lang=\"".len();
    &html[start..start + html[start..].find('"').unwrap()]
}

/// The number a page shows in its `visit-count` element.
pub fn visit_count(html: &str) -> u32 {
    text_of(html, "id=\"visit-count\">")
        .parse()
        .unwrap_or_else(|_| panic!("no visit count in the page:\n{html}"))
}

/// MDN's "You have visited this page N times." on a session page, as N (its wording, singular
/// and plural, checked on the way).
pub fn views_shown(html: &str) -> u32 {
    let text = text_of(html, r#"id="num-visits">"#);
    let count = text
        .strip_prefix("You have visited this page ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no view count in {text:?}"));
    let unit = if count == 1 { "time" } else { "times" };
    assert_eq!(text, format!("You have visited this page {count} {unit}."));
    count
}

/// The text right after `marker` up to the next tag.
pub fn text_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} is not in the page:\n{html}"))
        + marker.len();
    let end = html[start..].find('<').map_or(html.len(), |i| start + i);
    &html[start..end]
}

/// Every test's app logs into one buffer; `TestApp::logs` picks its own lines by port.
static LOG_CAPTURE: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = buffer.clone();
    // As `telemetry::init` logs, without colour.
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(false)
        .with_target(false)
        .with_writer(move || CaptureWriter(writer.clone()))
        .init();
    buffer
});

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `sessionid=…` cookie pair carrying `key`, signed with the test apps' secret as the app signs
/// its own: the way to present a well-formed key the store has never issued.
pub fn signed_session_cookie(key: &str) -> String {
    use actix_web::cookie::{Cookie, CookieJar};
    let secret: cookies_vs_sessions::config::SecretKey = TEST_SECRET.parse().unwrap();
    let mut jar = CookieJar::new();
    jar.signed_mut(&secret.0)
        .add(Cookie::new("sessionid", key.to_owned()));
    let signed = jar.delta().next().unwrap().encoded().to_string();
    signed.split(';').next().unwrap().to_owned()
}

/// The `sessionid` pair a response set, ready to send back as a `Cookie` header.
pub fn session_cookie_pair(response: &reqwest::Response) -> String {
    let cookie = set_cookie(response, "sessionid").expect("a sessionid cookie");
    // Re-encode as the server sent it: the signed value holds `/`, `+` and `=`.
    let header = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|h| h.to_str().unwrap())
        .find(|h| h.starts_with("sessionid="))
        .unwrap();
    assert!(!cookie.value().is_empty());
    header.split(';').next().unwrap().to_owned()
}

/// The value inside a signed `sessionid` pair: the session key the server stores it under, or
/// with the signed-cookie backend the session itself, as JSON.
pub fn session_key_of(pair: &str) -> String {
    let value = pair.strip_prefix("sessionid=").unwrap();
    let decoded = cookie::Cookie::parse_encoded(format!("x={value}")).unwrap();
    // A signed cookie value is the base64 HMAC (44 characters) followed by the value.
    decoded.value()[44..].to_owned()
}

/// Asks `ready` every 25 ms, for up to 5 s, until it says yes; false if it never did. For what a
/// test waits on: a server to answer, a page to change.
pub async fn eventually(mut ready: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if ready().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}

/// The site's binary as a process of its own (so that it can be signalled or killed), with its
/// stderr kept for the test to read.
pub struct ServerProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// The server on a SQLite file.
    pub async fn on_sqlite(database: &str) -> Self {
        Self::start(&["--database-url", &format!("sqlite://{database}")]).await
    }

    /// Starts the binary on a free port with the test secret and these arguments, and waits
    /// until it answers.
    pub async fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[]).await
    }

    /// The same, with these environment variables set.
    pub async fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        use std::io::BufRead as _;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cookies-vs-sessions"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--secret-key", TEST_SECRET])
            .args(args)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (pipe, lines) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            stderr,
        };
        let hello = format!("{}/hello/", server.url);
        if eventually(async || reqwest::get(&hello).await.is_ok()).await {
            return server;
        }
        panic!("the server did not start: {:#?}", server.stderr());
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`-INT`, `-TERM`, …) to the server.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status();
        assert!(sent.unwrap().success());
    }

    /// Waits (up to 10 s) for the server to exit.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the server did not exit: {:#?}", self.stderr());
    }

    /// The lines the server has written to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
