//! Every page in English, Russian, Traditional Chinese and Brazilian Portuguese: chosen by
//! `Accept-Language`, switched from the header and kept in the `lang` preference cookie.

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, ORIGIN};

use crate::helpers::{TestApp, page_language, set_cookie, spawn_app, text_of};

const LANGUAGES: [&str; 4] = ["en", "ru", "zh-TW", "pt-BR"];

/// Each language's name for the cookie counter, as its page title says it.
fn counter_title(lang: &str) -> &'static str {
    match lang {
        "en" => "Client cookie counter",
        "ru" => "Счётчик на куки клиента",
        "zh-TW" => "用戶端 Cookie 計數器",
        "pt-BR" => "Contador com cookies no cliente",
        other => panic!("{other}"),
    }
}

/// Every page the site answers, the error pages among them, in the language asked for.
async fn every_page(
    app: &TestApp,
    lang: &str,
    how: (&'static str, String),
) -> Vec<(String, u16, String)> {
    let (header, value) = (how.0, how.1.as_str());
    let mut pages = Vec::new();
    for path in [
        "/",
        "/hello/",
        "/cookie/",
        "/cookie/about/",
        "/session/",
        "/session/about/",
        "/no/such/page",
        "/cookie/reset",
    ] {
        let response = app
            .raw
            .get(app.url(path))
            .header(header, value)
            .send()
            .await
            .unwrap();
        pages.push((
            path.to_owned(),
            response.status().as_u16(),
            response.text().await.unwrap(),
        ));
    }
    let refusals = [
        // Another origin's form: 403.
        app.raw
            .post(app.url("/session/reset"))
            .header(ORIGIN, "http://evil.example"),
        // A body larger than any form of ours: 413.
        app.raw
            .post(app.url("/cookie/reset"))
            .body(vec![b'x'; 2048]),
        // A language we do not have: 400.
        app.raw
            .post(app.url("/lang"))
            .form(&[("lang", "tlh"), ("next", "/")]),
    ];
    for request in refusals {
        let response = request.header(header, value).send().await.unwrap();
        let status = response.status().as_u16();
        pages.push((
            format!("refusal {status}"),
            status,
            response.text().await.unwrap(),
        ));
    }
    // Too many cookies: 431 (the language cookie rides along with the others).
    let cookies = (0..200)
        .map(|i| format!("c{i}=1"))
        .collect::<Vec<_>>()
        .join("; ");
    let cookies = if header == COOKIE.as_str() {
        format!("{value}; {cookies}")
    } else {
        cookies
    };
    let response = app
        .raw
        .get(app.url("/cookie/"))
        .header(COOKIE, cookies)
        .header(
            ACCEPT_LANGUAGE,
            if header == COOKIE.as_str() { "" } else { value },
        )
        .send()
        .await
        .unwrap();
    pages.push((
        "/cookie/ with 200 cookies".into(),
        response.status().as_u16(),
        response.text().await.unwrap(),
    ));
    assert!(pages.iter().all(|(_, status, _)| *status != 500), "{lang}");
    pages
}

#[tokio::test]
async fn every_page_speaks_each_language_with_no_message_missing() {
    let app = spawn_app().await;
    for lang in LANGUAGES {
        for how in [
            (ACCEPT_LANGUAGE.as_str(), lang.to_owned()),
            (COOKIE.as_str(), format!("lang={lang}")),
        ] {
            for (page, status, html) in every_page(&app, lang, how.clone()).await {
                assert!(status >= 200, "{page}");
                assert_eq!(page_language(&html), lang, "{page} by {}", how.0);
                assert!(!html.contains("Unknown localization"), "{page} in {lang}");
                assert!(
                    !html.contains("{ $"),
                    "{page} in {lang}: an argument not filled in"
                );
            }
        }
    }
    assert!(
        !app.logged("ERROR", "missing translation"),
        "{:#?}",
        app.logs()
    );
    // Not English dressed up: each page is really in its language.
    for lang in LANGUAGES {
        let html = app
            .raw
            .get(app.url("/cookie/"))
            .header(ACCEPT_LANGUAGE, lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(counter_title(lang)), "{lang}");
    }
}

#[tokio::test]
async fn accept_language_chooses_and_the_answer_varies_on_it() {
    let app = spawn_app().await;
    for (header, lang) in [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("fr-CA, zh-Hant;q=0.7", "zh-TW"),
        ("pt-PT", "pt-BR"),
        ("de", "en"),
    ] {
        let response = app
            .raw
            .get(app.url("/hello/"))
            .header(ACCEPT_LANGUAGE, header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["vary"], "Cookie, Accept-Language");
        let html = response.text().await.unwrap();
        assert_eq!(page_language(&html), lang, "{header}");
    }
}

#[tokio::test]
async fn garbage_in_the_cookie_or_the_header_falls_back_to_english() {
    let app = spawn_app().await;
    for (cookie, header) in [
        ("lang=klingon", "ru;q=banana"),
        ("lang=%00%FF", "@@@@"),
        ("lang=ru; lang=pt-BR", "*"),
        ("lang=", ""),
    ] {
        let response = app
            .raw
            .get(app.url("/cookie/"))
            .header(COOKIE, cookie)
            .header(ACCEPT_LANGUAGE, header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{cookie} {header}");
        let html = response.text().await.unwrap();
        assert_eq!(page_language(&html), "en", "{cookie} {header}");
    }
    // A cookie that names none of ours does not hide a header that does.
    let html = app
        .raw
        .get(app.url("/"))
        .header(COOKIE, "lang=xx")
        .header(ACCEPT_LANGUAGE, "pt-BR")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page_language(&html), "pt-BR");
}

#[tokio::test]
async fn the_switch_keeps_the_choice_in_a_preference_cookie() {
    let app = spawn_app().await;
    let browser = app.browser();
    let html = browser.get("/cookie/about/").await.text().await.unwrap();
    // Every page offers the switch, with a way back to itself.
    assert!(html.contains(r#"<form class="language-switch" method="post" action="/lang""#));
    assert!(html.contains(r#"name="next" value="/cookie/about/""#));

    let response = browser.choose_language("zh-TW", "/cookie/about/").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/cookie/about/");
    let cookie = set_cookie(&response, "lang").expect("a lang cookie");
    assert_eq!(cookie.value(), "zh-TW");
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(cookie.max_age(), Some(cookie::time::Duration::days(365)));

    // The cookie now wins over the browser's own languages, and caches are told only of it.
    let response = browser
        .client
        .get(app.url("/cookie/"))
        .header(ACCEPT_LANGUAGE, "ru")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["vary"], "Cookie");
    let html = response.text().await.unwrap();
    assert_eq!(page_language(&html), "zh-TW");
    assert!(html.contains(r#"id="lang-zh-TW" aria-pressed="true""#));
    // The inspector lists it with the others, for what it is.
    assert!(
        html.contains(
            "<code>lang</code></td><td><code>zh-TW</code></td><td>偏好設定 Cookie：您的語言</td>"
        ),
        "{html}"
    );

    browser.choose_language("en", "/session/").await;
    let html = browser.get("/session/").await.text().await.unwrap();
    assert!(html.contains(
        "<code>lang</code></td><td><code>en</code></td><td>a preference cookie: your language</td>"
    ));
}

#[tokio::test]
async fn the_switch_refuses_unknown_languages_strangers_and_addresses_elsewhere() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = browser.choose_language("tlh", "/").await;
    assert_eq!(response.status(), 400);
    assert!(set_cookie(&response, "lang").is_none());
    assert!(response.text().await.unwrap().contains("Unknown language"));

    for elsewhere in ["//evil.example/", "https://evil.example/", "nowhere"] {
        let response = browser.choose_language("ru", elsewhere).await;
        assert_eq!(response.headers()["location"], "/", "{elsewhere}");
    }

    let response = app
        .raw
        .post(app.url("/lang"))
        .header(ORIGIN, "http://evil.example")
        .form(&[("lang", "ru"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(set_cookie(&response, "lang").is_none());

    let response = app.get("/lang").await;
    assert_eq!(response.status(), 405);
    // A body that is not a form at all.
    let response = app
        .raw
        .post(app.url("/lang"))
        .body("%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let html = response.text().await.unwrap();
    assert_eq!(text_of(&html, "<h1>"), "Unknown language");
}
