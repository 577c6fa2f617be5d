//! A visit counter kept in a server-side session, on SQLite: copy it to start your own app.
//!
//! ```sh
//! cargo run -p actix-session-diesel --example counter
//! curl -c jar -b jar http://127.0.0.1:8080/   # 1, then 2, 3, …
//! ```
//!
//! Set `DATABASE_URL` (`postgres://user@host/db?sslmode=verify-full`, say) to use another database,
//! and `SECRET_KEY` (64 bytes or more) so that sessions outlive a restart.

use std::time::Duration;

use actix_session::config::PersistentSession;
use actix_session::{Session, SessionMiddleware};
use actix_session_diesel::{DieselSessionStore, session_guard};
use actix_web::cookie::{Key, time};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, get};

#[get("/")]
async fn count(session: Session) -> actix_web::Result<HttpResponse> {
    let visits = session.get::<u64>("visits")?.unwrap_or(0) + 1;
    session.insert("visits", visits)?;
    Ok(HttpResponse::Ok().body(format!("{visits}\n")))
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or("sqlite://data/example.sqlite3".into());
    let store = DieselSessionStore::builder(url.parse()?).build().await?;
    let purge = store.spawn_background_purge(Duration::from_secs(3600));
    let key = match std::env::var("SECRET_KEY") {
        Ok(secret) => Key::derive_from(secret.as_bytes()),
        Err(_) => Key::generate(),
    };
    println!("counting visits on http://127.0.0.1:8080/");
    HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_secure(false) // plain HTTP on localhost; keep it on behind TLS
            .session_lifecycle(PersistentSession::default().session_ttl(time::Duration::weeks(2)))
            .build();
        App::new()
            .wrap(sessions)
            // Outside the session middleware (actix-web runs the last `wrap` first): it checks
            // every save against what the request loaded, and answers 409 or 503 when it must.
            .wrap(from_fn(session_guard))
            .service(count)
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await?;
    purge.stop().await;
    Ok(())
}
