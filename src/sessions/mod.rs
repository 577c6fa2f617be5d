//! Session plumbing: which store, actix-session configured as Django's session framework, the
//! middleware stack every page with sessions gets, and what the session pages tell the visitor
//! about it.

pub mod backend;
pub mod error_pages;
pub mod secret_key;
pub mod signed_cookie;

use actix_session::SessionMiddleware;
use actix_session::config::{
    BrowserSession, CookieContentSecurity, PersistentSession, SessionLifecycle, TtlExtensionPolicy,
};
use actix_session::storage::SessionStore;
use actix_web::cookie::{Key, SameSite, time::Duration};

use crate::config::{SessionBackendKind, SessionSettings};

/// actix-session's session state (its own alias is private): each value a JSON document.
pub type SessionState = std::collections::HashMap<String, String>;

/// Django's session cookie name.
pub const SESSION_COOKIE: &str = "sessionid";

/// Wraps `$service` (a resource or a scope) in the whole session stack, the same for every page
/// with sessions. From the inside out: actix-session's `$sessions`; the store's guard (requests of
/// one session take turns, version checks, typed errors); our pages for those errors;
/// `Vary: Cookie`, so that no cache serves one visitor's page to another.
macro_rules! with_sessions {
    ($service:expr, $sessions:expr) => {
        $service
            .wrap($sessions)
            .wrap(::actix_web::middleware::from_fn(
                ::actix_session_diesel::session_guard,
            ))
            .wrap(::actix_web::middleware::from_fn(
                $crate::sessions::error_pages::session_error_pages,
            ))
            .wrap(
                ::actix_web::middleware::DefaultHeaders::new()
                    .add((::actix_web::http::header::VARY, "Cookie")),
            )
    };
}
pub(crate) use with_sessions;

/// What the session pages tell the visitor about their session.
pub struct SessionInfo {
    pub backend: SessionBackendKind,
    /// Where the data lives: "SQLite database", "PostgreSQL database + Redis cache", …
    pub backend_label: backend::BackendLabel,
    /// Verifies the `sessionid` the browser presents, to show a prefix of its key.
    pub signing_key: Key,
    pub save_every_request: bool,
    /// The Redis backend's key prefix, for the commands the inspector's diagram shows.
    pub redis_key_prefix: String,
    pub age: chrono::TimeDelta,
    /// `sessionid` is a browser-session cookie (`--session-expire-at-browser-close`).
    pub until_browser_close: bool,
}

impl SessionInfo {
    /// True when the cookie holds the data itself (the signed-cookie backend).
    pub fn in_cookie(&self) -> bool {
        self.backend == SessionBackendKind::SignedCookie
    }
}

/// actix-session configured as Django's session framework: cookie `sessionid`, HttpOnly,
/// SameSite=Lax, Path=/, Secure only when asked, two-week age.
pub fn session_middleware<S: SessionStore>(
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
