//! Builds the app from settings and runs it; tests use the same path with port 0 and their own clock.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_session_diesel::PurgeHandle;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::{Context as _, bail};

use crate::clock::Clock;
use crate::config::Settings;
use crate::i18n;
use crate::routes;
use crate::sessions::backend::SessionBackend;
use crate::sessions::secret_key::{default_key_file, signing_key};
use crate::sessions::{SessionInfo, session_middleware};
use crate::telemetry::{self, RequestIds};
use crate::visits::Visits;
use crate::visits::cookies::CookieAge;
use crate::web::templates::Templates;
use crate::web::{deferred_page, headers, limits, origin, request_cookies};

pub struct Application {
    address: SocketAddr,
    server: Server,
    request_ids: Arc<RequestIds>,
    /// Stopped once the server has stopped.
    purge: Option<PurgeHandle>,
}

impl Application {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // Both are tried before either is reported, so that a user fixes both in one go.
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind));
        let store =
            SessionBackend::connect(&settings.session, &settings.database, clock.clone()).await;
        let (listener, store) = match (listener, store) {
            (Ok(listener), Ok(store)) => (listener, store),
            (Err(error), Ok(_)) | (Ok(_), Err(error)) => return Err(error),
            (Err(bind), Err(store)) => bail!("{bind:#}\nerror: {store:#}"),
        };
        let address = listener.local_addr()?;
        let purge = store
            .database()
            .map(|database| database.spawn_background_purge(settings.purge_interval));
        let session_settings = settings.session.clone();
        let key_file = (session_settings.secret_key_file.clone())
            .unwrap_or_else(|| default_key_file(&settings.database.database_url));
        let key = signing_key(session_settings.secret_key.as_ref(), &key_file)?;
        // One `web::Data` per dependency: each handler asks for what it uses.
        let templates = web::Data::new(Templates::load().context("templates do not parse")?);
        let visits = web::Data::new(Visits {
            clock,
            period: settings.visit_period,
        });
        let cookie_age = web::Data::new(CookieAge(settings.cookie_age));
        let session_info = web::Data::new(SessionInfo {
            backend: session_settings.session_backend,
            backend_label: store.label(),
            signing_key: key.clone(),
            save_every_request: session_settings.session_save_every_request,
            redis_key_prefix: session_settings.redis_key_prefix.clone(),
            age: chrono::TimeDelta::seconds(session_settings.session_cookie_age.into()),
            until_browser_close: session_settings.session_expire_at_browser_close,
        });
        let request_ids = Arc::new(RequestIds::new());
        let log_ids = request_ids.clone();
        let server = HttpServer::new(move || {
            let ids = log_ids.clone();
            let sessions = || session_middleware(store.clone(), &session_settings, key.clone());
            App::new()
                // Outside every scope's middleware, so that actix-session has set its cookie.
                .wrap(from_fn(deferred_page::render_deferred_pages))
                .wrap(from_fn(request_cookies::drop_unreadable_cookies))
                .wrap(from_fn(origin::refuse_cross_origin))
                .wrap(from_fn(limits::request_limits))
                // Outside the refusals above: their pages are in the visitor's language too.
                .wrap(from_fn(i18n::vary_on_language))
                .wrap(headers::security_headers())
                .wrap(from_fn(move |req, next| {
                    telemetry::log_request(ids.clone(), req, next)
                }))
                .app_data(templates.clone())
                .app_data(visits.clone())
                .app_data(cookie_age.clone())
                .app_data(session_info.clone())
                .configure(|cfg| routes::configure(cfg, sessions))
        })
        // `main` turns SIGINT and SIGTERM into a graceful stop; actix's own handler would
        // drop in-flight requests on Ctrl-C.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self {
            address,
            server,
            request_ids,
            purge,
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Where a browser reaches the site (an unspecified bind address is reached on loopback).
    pub fn url(&self) -> String {
        let mut address = self.address;
        if address.ip().is_unspecified() {
            address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{address}/")
    }

    /// The tag every request id of this server starts with.
    pub fn instance(&self) -> &str {
        self.request_ids.instance()
    }

    /// Stops the server from elsewhere (tests restart it; a signal handler could too).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(purge) = self.purge {
            purge.stop().await;
        }
        served
    }
}
