//! Builds the app from settings and runs it; tests use the same path with port 0 and their own clock.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_files::Files;
use actix_session::SessionMiddleware;
use actix_session::config::{
    BrowserSession, CookieContentSecurity, PersistentSession, SessionLifecycle, TtlExtensionPolicy,
};
use actix_session::storage::SessionStore;
use actix_session_diesel::PurgeHandle;
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::{Context as _, bail};

use crate::clock::Clock;
use crate::config::{SessionSettings, Settings};
use crate::middleware::SessionLocks;
use crate::middleware::{self, with_sessions};
use crate::routes::{self, cookie_counter, home, session_counter};
use crate::session_backend::SessionBackend;
use crate::state::{AppState, SessionPageSettings};
use crate::telemetry::{self, RequestIds};
use crate::templates::Templates;
use crate::typed_session::SESSION_COOKIE;

/// Served from the source tree: CSS is edited more often than the binary is rebuilt.
const STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static");

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
        let key = signing_key(&session_settings);
        let session_pages = SessionPageSettings {
            backend: session_settings.session_backend,
            backend_label: store.label(),
            signing_key: key.clone(),
            save_every_request: session_settings.session_save_every_request,
            age: chrono::TimeDelta::seconds(session_settings.session_cookie_age.into()),
        };
        let state = web::Data::new(AppState {
            templates: Templates::load().context("templates do not parse")?,
            clock,
            visit_period: settings.visit_period,
            cookie_age: settings.cookie_age,
            session: session_pages,
            session_locks: SessionLocks::new(),
        });
        let request_ids = Arc::new(RequestIds::new());
        let log_ids = request_ids.clone();
        let server = HttpServer::new(move || {
            let ids = log_ids.clone();
            let sessions = || session_middleware(store.clone(), &session_settings, key.clone());
            App::new()
                .wrap(from_fn(middleware::request_limits))
                .wrap(middleware::security_headers())
                .wrap(from_fn(move |req, next| {
                    telemetry::log_request(ids.clone(), req, next)
                }))
                .app_data(state.clone())
                // The home page shows both counters, so it reads the session (never writes).
                .service(with_sessions!(
                    web::resource("/").route(web::get().to(home::home)),
                    sessions()
                ))
                .service(home::hello)
                .service(cookie_counter::scope())
                .service(with_sessions!(session_counter::scope(), sessions()))
                .service(Files::new("/static", STATIC_DIR))
                .default_service(web::to(routes::not_found))
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

/// actix-session configured as Django's session framework: cookie `sessionid`, HttpOnly,
/// SameSite=Lax, Path=/, Secure only when asked, two-week age.
fn session_middleware<S: SessionStore>(
    store: S,
    settings: &SessionSettings,
    key: Key,
) -> SessionMiddleware<S> {
    let age = Duration::seconds(settings.session_cookie_age.into());
    let extension = if settings.session_save_every_request {
        TtlExtensionPolicy::OnEveryRequest
    } else {
        TtlExtensionPolicy::OnStateChanges
    };
    let lifecycle: SessionLifecycle = if settings.session_expire_at_browser_close {
        BrowserSession::default()
            .state_ttl(age)
            .state_ttl_extension_policy(extension)
            .into()
    } else {
        PersistentSession::default()
            .session_ttl(age)
            .session_ttl_extension_policy(extension)
            .into()
    };
    SessionMiddleware::builder(store, key)
        .cookie_name(SESSION_COOKIE.into())
        .cookie_secure(settings.session_cookie_secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        // The cookie carries the key plus its signature: a forged key is refused before any
        // database lookup, yet the key stays visible, as Django's is.
        .cookie_content_security(CookieContentSecurity::Signed)
        .session_lifecycle(lifecycle)
        .build()
}

fn signing_key(settings: &SessionSettings) -> Key {
    match &settings.secret_key {
        Some(secret) => secret.0.clone(),
        None => {
            tracing::warn!(
                "no SECRET_KEY given: using a random one, so sessions will not survive a restart"
            );
            Key::generate()
        }
    }
}
