//! Real-browser tests in headless Chromium through chromedriver (`WEBDRIVER_URL`, started by
//! `scripts/test-services.sh`): what devtools shows is what the server claims.

use std::time::Duration;

use cookies_vs_sessions::config::SessionBackendKind;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_on_real_time};
use crate::services::webdriver_url;

/// A headless Chromium with a profile of its own, closed when dropped.
struct Browser {
    client: Client,
    _profile: TempDir,
}

impl Browser {
    async fn open() -> Self {
        Self::open_with(&[]).await
    }

    /// A Chromium started with these switches besides ours.
    async fn open_with(switches: &[&str]) -> Self {
        let webdriver = webdriver_url();
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1000,1000",
        ];
        let user_data_dir = format!("--user-data-dir={}", profile.path().display());
        args.push(&user_data_dir);
        args.extend(switches);
        let capabilities = json!({
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        });
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&webdriver)
            .await
            .expect("chromedriver should start Chromium");
        Self {
            client,
            _profile: profile,
        }
    }

    async fn open_page(&self, app: &TestApp, path: &str) {
        self.client.goto(&app.url(path)).await.unwrap();
    }

    async fn text(&self, id: &str) -> String {
        let element = self.client.find(Locator::Id(id)).await.unwrap();
        element.text().await.unwrap()
    }

    /// The texts of every element `css` finds, in order.
    async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            texts.push(element.text().await.unwrap());
        }
        texts
    }

    async fn attribute(&self, id: &str, name: &str) -> Option<String> {
        let element = self.client.find(Locator::Id(id)).await.unwrap();
        element.attr(name).await.unwrap()
    }

    /// True when the page has an element with this id.
    async fn has(&self, id: &str) -> bool {
        let found = self.client.find_all(Locator::Id(id)).await;
        found.is_ok_and(|elements| elements.len() == 1)
    }

    /// The language the page says it is in (`<html lang>`); empty while a page is loading.
    async fn page_language(&self) -> String {
        match self.client.find(Locator::Css("html")).await {
            Ok(html) => html.attr("lang").await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Clicks the language in the page header and waits for the page to come back in it.
    async fn choose_language(&self, lang: &str) {
        self.click(&format!("lang-{lang}")).await;
        let switched = async || self.page_language().await == lang;
        assert!(
            eventually(switched).await,
            "the page never switched to {lang}"
        );
    }

    async fn cookie(&self, name: &str) -> Option<cookie::Cookie<'static>> {
        self.cookies().await.into_iter().find(|c| c.name() == name)
    }

    async fn visits(&self) -> u32 {
        self.text("visit-count").await.parse().unwrap()
    }

    async fn click(&self, id: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits (up to 5 s) until the element's text is `expected`, as after a reload.
    async fn wait_for_text(&self, id: &str, expected: &str) {
        let reads_expected = async || match self.client.find(Locator::Id(id)).await {
            Ok(element) => element.text().await.is_ok_and(|text| text == expected),
            Err(_) => false,
        };
        if eventually(reads_expected).await {
            return;
        }
        panic!(
            "#{id} never read {expected:?}, but {:?}",
            self.text(id).await
        );
    }

    /// The browser's cookie jar for the current page, as devtools lists it.
    async fn cookies(&self) -> Vec<cookie::Cookie<'static>> {
        let mut cookies = self.client.get_all_cookies().await.unwrap();
        cookies.sort_by(|a, b| a.name().cmp(b.name()));
        cookies
    }

    async fn cookie_names(&self) -> Vec<String> {
        self.cookies()
            .await
            .iter()
            .map(|c| c.name().to_owned())
            .collect()
    }

    async fn close(self) {
        self.client.close().await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn devtools_shows_the_counter_cookies_and_the_test_cookie_round_trip() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/").await;
    assert_eq!(browser.visits().await, 1);
    assert_eq!(
        browser.cookie_names().await,
        ["last_visit", "testcookie", "visits"]
    );
    for cookie in browser.cookies().await {
        assert_ne!(
            cookie.http_only(),
            Some(true),
            "{} must be readable by scripts",
            cookie.name()
        );
    }
    let visits = browser
        .cookies()
        .await
        .into_iter()
        .find(|c| c.name() == "visits")
        .unwrap();
    assert_eq!(visits.value(), "1");

    browser.open_page(&app, "/cookie/about/").await;
    assert!(
        browser
            .text("cookie-check")
            .await
            .contains("The test cookie came back")
    );
    assert_eq!(
        browser.cookie_names().await,
        ["last_visit", "visits"],
        "the test cookie is gone"
    );

    // The page's count matches what the inspector says the browser sent.
    browser.open_page(&app, "/cookie/").await;
    let sent = browser.text("sent-cookies").await;
    assert!(sent.contains("visits 1"), "{sent}");
    assert_eq!(browser.visits().await, 1);
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn devtools_shows_only_an_httponly_sessionid_on_session_pages() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/session/").await;
    browser.open_page(&app, "/session/about/").await;
    browser.open_page(&app, "/session/").await;
    let cookies = browser.cookies().await;
    assert_eq!(browser.cookie_names().await, ["sessionid"]);
    assert_eq!(cookies[0].http_only(), Some(true));
    assert_eq!(cookies[0].same_site(), Some(cookie::SameSite::Lax));

    // The counters on the page match what the inspector says the server stores.
    assert_eq!(browser.visits().await, 1);
    assert_eq!(
        browser.text("num-visits").await,
        "You have visited this page 2 times."
    );
    let stored = browser.text("stored-data").await;
    assert!(stored.contains("\"visits\": 1"), "{stored}");
    assert!(stored.contains("\"num_visits\": 2"), "{stored}");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_cheat_button_moves_the_cookie_counter_but_not_the_session_counter() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/").await;
    browser.click("set-visits").await;
    browser.wait_for_text("visit-count", "1000").await;

    browser.open_page(&app, "/session/").await;
    assert_eq!(browser.visits().await, 1);
    browser.click("set-visits").await;
    // The reload counts as a view, yet the Rango count stays: the session ignores the cookie.
    browser
        .wait_for_text("num-visits", "You have visited this page 2 times.")
        .await;
    assert_eq!(browser.visits().await, 1);
    assert!(browser.cookie_names().await.contains(&"visits".to_owned()));
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_reset_buttons_forget_the_visitor() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/").await;
    browser.click("set-visits").await;
    browser.wait_for_text("visit-count", "1000").await;
    browser.click("reset").await;
    browser.wait_for_text("visit-count", "1").await;
    assert!(
        browser
            .text("sent-cookies")
            .await
            .contains("No cookie at all")
    );

    browser.open_page(&app, "/session/").await;
    browser.open_page(&app, "/session/").await;
    assert_eq!(
        browser.text("num-visits").await,
        "You have visited this page 2 times."
    );
    browser.click("reset").await;
    browser
        .wait_for_text("num-visits", "You have visited this page 1 time.")
        .await;
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn with_a_short_period_the_count_rises_after_waiting() {
    let browser = Browser::open().await;
    let app = spawn_app_on_real_time(|s| s.visit_period = chrono::TimeDelta::seconds(2)).await;
    for path in ["/cookie/", "/session/"] {
        browser.open_page(&app, path).await;
        browser.open_page(&app, path).await;
        assert_eq!(browser.visits().await, 1, "{path}");
    }
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    for path in ["/cookie/", "/session/"] {
        browser.open_page(&app, path).await;
        assert_eq!(browser.visits().await, 2, "{path}");
    }
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_signed_cookie_backend_holds_the_data_in_the_cookie() {
    let browser = Browser::open().await;
    let app = crate::helpers::spawn_app_with(|s| {
        s.session.session_backend = SessionBackendKind::SignedCookie
    })
    .await;
    browser.open_page(&app, "/session/").await;
    browser.open_page(&app, "/session/").await;
    let session = browser.cookies().await.remove(0);
    assert_eq!(session.name(), "sessionid");
    assert!(
        session.value().contains("num_visits"),
        "{}",
        session.value()
    );
    assert_eq!(
        browser.text("stored-key").await,
        "none: the cookie holds the data itself"
    );
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_set_cookie_panel_shows_what_the_browser_was_told_to_keep() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/").await;
    let panel = browser.texts("#set-cookies .set-cookie-header").await;
    assert_eq!(panel.len(), 3, "{panel:?}");
    // Each header the panel lists is a cookie the browser now holds, with that value.
    for cookie in ["visits", "last_visit", "testcookie"] {
        let held = browser.cookie(cookie).await.expect(cookie);
        let line = format!("Set-Cookie: {cookie}={};", held.value());
        assert!(
            panel.iter().any(|l| l.starts_with(&line)),
            "{line} in {panel:?}"
        );
    }
    // The diagram of the same request draws them going back to the browser.
    let diagram = browser.text("sequence").await;
    assert!(
        diagram.contains("Set-Cookie: testcookie=worked; …"),
        "{diagram}"
    );
    assert_eq!(
        browser.attribute("sequence", "role").await.as_deref(),
        Some("img")
    );

    browser.open_page(&app, "/session/").await;
    let held = browser.cookie("sessionid").await.expect("a sessionid");
    let value = cookie::Cookie::parse_encoded(format!("sessionid={}", held.value()))
        .unwrap()
        .value()
        .to_owned();
    let panel = browser.texts("#set-cookies .set-cookie-header").await;
    assert_eq!(panel.len(), 1, "{panel:?}");
    assert!(panel[0].starts_with(&format!(
        "Set-Cookie: sessionid={}…; HttpOnly",
        &held.value()[..8]
    )));
    assert_eq!(
        browser.texts("#set-cookies code.signature").await,
        [&value[..44]]
    );
    assert_eq!(
        browser.texts("#set-cookies code.session-key").await,
        [format!("{}…", &value[44..52])]
    );
    let diagram = browser.text("sequence").await;
    assert!(diagram.contains("save a new session"), "{diagram}");
    assert!(diagram.contains("SQLite database"), "{diagram}");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_language_switch_changes_every_page_and_stays() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/about/").await;
    assert_eq!(browser.page_language().await, "en");
    browser.choose_language("ru").await;
    assert_eq!(
        browser.client.current_url().await.unwrap().path(),
        "/cookie/about/",
        "back on the same page"
    );
    assert_eq!(
        browser.text("cookie-check").await,
        "Ваш браузер присылает куки обратно, значит, принимает их."
    );
    assert_eq!(browser.cookie("lang").await.unwrap().value(), "ru");

    browser.open_page(&app, "/session/").await;
    assert_eq!(browser.page_language().await, "ru");
    assert!(
        browser
            .text("sent-cookies")
            .await
            .contains("lang ru куки-настройка: ваш язык")
    );

    browser.choose_language("zh-TW").await;
    browser.open_page(&app, "/").await;
    assert_eq!(browser.page_language().await, "zh-TW");
    assert_eq!(browser.texts("h1").await, ["記住訪客的兩種方法"]);
    browser.choose_language("pt-BR").await;
    browser.open_page(&app, "/").await;
    assert_eq!(
        browser.texts("h1").await,
        ["Duas maneiras de lembrar um visitante"]
    );
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn a_dismissed_notice_stays_dismissed_each_in_its_own_place() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.open_page(&app, "/cookie/").await;
    assert!(browser.has("notice").await);
    browser.click("dismiss").await;
    assert!(eventually(async || !browser.has("notice").await).await);
    assert_eq!(
        browser.cookie("notice_dismissed").await.unwrap().value(),
        "1"
    );
    assert!(
        browser
            .text("dismissed-where")
            .await
            .starts_with("In your browser")
    );
    browser.open_page(&app, "/cookie/").await;
    assert!(!browser.has("notice").await, "remembered");

    browser.open_page(&app, "/session/").await;
    assert!(
        browser.has("notice").await,
        "the session page's notice is its own"
    );
    browser.click("dismiss").await;
    assert!(eventually(async || !browser.has("notice").await).await);
    assert!(
        browser
            .text("stored-data")
            .await
            .contains("\"notice_dismissed\": true")
    );
    assert!(
        browser
            .text("dismissed-where")
            .await
            .starts_with("On the server")
    );
    assert!(browser.cookie("sessionid").await.is_some());
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_countdown_ticks_to_zero_and_then_the_reload_counts() {
    let browser = Browser::open().await;
    let app = spawn_app_on_real_time(|s| s.visit_period = chrono::TimeDelta::seconds(3)).await;
    for path in ["/cookie/", "/session/"] {
        browser.open_page(&app, path).await;
        assert_eq!(browser.visits().await, 1, "{path}");
        // The script took over: local time (the UTC text kept as a tooltip), a clock.
        let utc = browser
            .attribute("next-visit-at", "title")
            .await
            .expect("a tooltip");
        assert!(utc.ends_with(" UTC"), "{utc}");
        assert_ne!(browser.text("next-visit-at").await, utc);
        let first = browser.text("countdown").await;
        assert!(first.starts_with("That is in 0:00:0"), "{first}");
        let ticked = async || {
            let now = browser.text("countdown").await;
            now != first && now.starts_with("That is in 0:00:0")
        };
        assert!(eventually(ticked).await, "{path}: the countdown ticks");
        let done = "The period has passed: reload to count this visit.";
        let reached_zero = async || browser.text("countdown").await == done;
        let mut waited = 0;
        while !reached_zero().await && waited < 50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        assert_eq!(browser.text("countdown").await, done, "{path}");
        browser.client.refresh().await.unwrap();
        assert_eq!(browser.visits().await, 2, "{path}: the reload counted");
    }
    browser.close().await;
}

/// Screenshots for the README, saved under target/screenshots (and into docs/screenshots, which
/// the README shows, when UPDATE_SCREENSHOTS is set): the counter pages with their inspector,
/// and the home page in each language.
#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn screenshots_of_the_main_pages() {
    let browser = Browser::open().await;
    // On the wall clock, as the browser's: the countdown shows the time really left.
    let app = spawn_app_on_real_time(|_| {}).await;
    let dir = match std::env::var_os("UPDATE_SCREENSHOTS") {
        Some(_) => concat!(env!("CARGO_MANIFEST_DIR"), "/docs/screenshots"),
        None => concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots"),
    };
    std::fs::create_dir_all(dir).unwrap();
    let save = async |name: &str| {
        let png = browser.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    };
    // Tall enough for the inspector: the Set-Cookie panel and the diagram.
    browser.client.set_window_size(1000, 2600).await.unwrap();
    for (name, path) in [("cookie", "/cookie/"), ("session", "/session/")] {
        browser.open_page(&app, path).await;
        browser.open_page(&app, path).await;
        save(name).await;
    }
    browser.client.set_window_size(1000, 1100).await.unwrap();
    for lang in ["en", "ru", "zh-TW", "pt-BR"] {
        browser.open_page(&app, "/").await;
        browser.choose_language(lang).await;
        save(&format!("home-{lang}")).await;
    }
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn on_a_phone_times_stay_whole_and_long_values_wrap() {
    let browser = Browser::open().await;
    let app = spawn_app().await;
    browser.client.set_window_size(375, 900).await.unwrap();
    let lines = async |id: &str| {
        let script = "return document.getElementById(arguments[0]).getClientRects().length";
        let count = browser
            .client
            .execute(script, vec![json!(id)])
            .await
            .unwrap();
        count.as_u64().unwrap()
    };
    for path in ["/cookie/", "/session/"] {
        browser.open_page(&app, path).await;
        browser.open_page(&app, path).await;
        for id in ["last-visit", "next-visit-at", "visit-count", "visit-period"] {
            assert_eq!(lines(id).await, 1, "{path}: #{id} on one line");
        }
        let width = "return [document.documentElement.scrollWidth, window.innerWidth, \
            [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > \
            window.innerWidth).map(e => e.tagName + '#' + e.id + '.' + e.className)]";
        let width = browser.client.execute(width, vec![]).await.unwrap();
        assert!(
            width[0].as_u64() <= width[1].as_u64(),
            "{path}: no sideways scrolling, {width}"
        );
    }
    // The session cookie's signature is long: it wraps rather than widening the page.
    let script = "return document.querySelector('code.signature').getClientRects().length";
    let signature = browser.client.execute(script, vec![]).await.unwrap();
    assert!(signature.as_u64().unwrap() > 1, "{signature}");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs WEBDRIVER_URL"]
async fn the_pages_follow_the_systems_dark_mode() {
    let app = spawn_app().await;
    let background = async |browser: &Browser| {
        let script = "return getComputedStyle(document.documentElement).backgroundColor";
        browser.client.execute(script, vec![]).await.unwrap()
    };
    let light = Browser::open().await;
    light.open_page(&app, "/cookie/").await;
    assert_eq!(background(&light).await, "rgb(251, 250, 247)");
    light.close().await;
    // Blink's setting for the system's preference: 0 is dark.
    let dark = Browser::open_with(&["--blink-settings=preferredColorScheme=0"]).await;
    dark.open_page(&app, "/cookie/").await;
    assert_eq!(background(&dark).await, "rgb(20, 23, 29)");
    dark.close().await;
}
