//! Builds the app from settings and runs it; tests use the same path with port 0 and their own clock.

use std::net::TcpListener;
use std::sync::Arc;

use actix_files::Files;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use tracing_actix_web::TracingLogger;

use crate::clock::Clock;
use crate::config::Settings;
use crate::routes::{self, cookie_counter, home};
use crate::state::AppState;
use crate::templates::Templates;

/// Served from the source tree: CSS is edited more often than the binary is rebuilt.
const STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static");

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            templates: Templates::load().context("templates do not parse")?,
            clock,
            visit_period: settings.visit_period,
            cookie_age: settings.cookie_age,
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .service(home::home)
                .service(cookie_counter::scope())
                .service(Files::new("/static", STATIC_DIR))
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
