use crate::helpers::spawn_app;

#[tokio::test]
async fn home_links_to_both_counters() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"href="/cookie/""#));
    assert!(html.contains(r#"href="/session/""#));
    assert!(html.contains("<h2>Client cookies</h2>"));
    assert!(html.contains("<h2>Server-side sessions</h2>"));
}

#[tokio::test]
async fn stylesheet_is_served() {
    let app = spawn_app().await;
    let response = app.get("/static/style.css").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains(".count"));
}

#[tokio::test]
async fn unknown_paths_get_a_friendly_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn hello_is_stateless() {
    let app = spawn_app().await;
    let response = app.get_with_cookie("/hello/", b"visits=3").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("vary").is_none());
    assert!(response.text().await.unwrap().contains("<h1>Hello</h1>"));
}
