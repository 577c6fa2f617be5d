//! Site-wide request limits, security headers, and the friendly answer when the session store is
//! down.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{Error, HttpResponse, web};
use tera::Context;

use crate::request_cookies::{CookieLookup, RequestCookies};
use crate::state::AppState;
use crate::typed_session::SESSION_COOKIE;
use actix_session_diesel::{SessionConflict, SessionStoreUnavailable};

/// Wraps `$service` (a resource or a scope) in the whole session stack, the same for every page
/// with sessions. From the inside out: actix-session's `$sessions`; the store's guard (version
/// checks and typed errors); our pages for those errors; one request per session at a time;
/// `Vary: Cookie`, so that no cache serves one visitor's page to another.
macro_rules! with_sessions {
    ($service:expr, $sessions:expr) => {
        $service
            .wrap($sessions)
            .wrap(::actix_web::middleware::from_fn(
                ::actix_session_diesel::session_guard,
            ))
            .wrap(::actix_web::middleware::from_fn(
                $crate::middleware::session_error_pages,
            ))
            .wrap(::actix_web::middleware::from_fn(
                $crate::middleware::one_request_per_session,
            ))
            .wrap(
                ::actix_web::middleware::DefaultHeaders::new()
                    .add((::actix_web::http::header::VARY, "Cookie")),
            )
    };
}
pub(crate) use with_sessions;

/// Larger `Cookie` headers are refused, as nginx's default 8 KiB header line does: browsers never
/// send one (4 KiB per cookie), so it is a mistake or an attack.
pub const MAX_COOKIE_HEADER_BYTES: usize = 8 * 1024;
/// RFC 6265 asks browsers to keep at least 50 cookies per domain; Chrome keeps 180.
pub const MAX_COOKIES: usize = 100;
/// Our forms post nothing but an empty body.
pub const MAX_BODY_BYTES: u64 = 1024;

/// On every response: no inline script may run, nothing is sniffed, no page is framed, and the
/// referrer does not leave the site.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

pub fn security_headers() -> DefaultHeaders {
    SECURITY_HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, pair| headers.add(pair))
}

/// Refuses oversized cookies (431) and bodies (413) before any handler or store sees them.
pub async fn request_limits(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cookie_headers = req.headers().get_all(header::COOKIE);
    let (bytes, cookies) = cookie_headers.fold((0, 0), |(bytes, cookies), value| {
        let pairs = value.as_bytes().split(|&b| b == b';').count();
        (bytes + value.len(), cookies + pairs)
    });
    let rejection = if bytes > MAX_COOKIE_HEADER_BYTES || cookies > MAX_COOKIES {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Too many cookies",
            "Your browser sent more cookies than this site accepts. Clear this site's cookies and try again.",
        ))
    } else if content_length(&req).is_some_and(|length| length > MAX_BODY_BYTES) {
        Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            "This site's forms send nothing but a click.",
        ))
    } else {
        None
    };
    match rejection {
        Some((status, title, message)) => {
            tracing::warn!(cookie_bytes = bytes, cookies, %status, "refused an oversized request");
            let response = error_page(req.app_data(), status, title, message);
            Ok(req.into_response(response))
        }
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

fn content_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The site's own pages for what `actix_session_diesel::session_guard` reports (it must run inside
/// this middleware). Neither case is our bug:
/// - another request (on another instance) changed or deleted this session since this one loaded
///   it: 409, try again (the retry sees the other change);
/// - the store is down: 503, the page says so, and `Retry-After`.
pub async fn session_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Taken now: the request itself must not be held while inner services run (actix needs it
    // unshared to route).
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let error = match next.call(req).await {
        Ok(response) => return Ok(response.map_into_boxed_body()),
        Err(error) => error,
    };
    let (title, message) = if error.as_error::<SessionConflict>().is_some() {
        tracing::warn!("the session changed under this request; answering 409");
        (
            "Your session changed meanwhile",
            "Another request changed or ended your session while this one was running, so this \
             one was not applied. Reload the page to try again.",
        )
    } else if error.as_error::<SessionStoreUnavailable>().is_some() {
        tracing::error!(%error, "the session store failed; answering 503");
        (
            "Sessions are unavailable",
            "The server cannot reach its session store right now, so this visit was not recorded. \
             The cookie counter still works. Please try again in a moment.",
        )
    } else {
        return Err(error);
    };
    let response = error.error_response();
    let mut page = error_page(state.as_ref(), response.status(), title, message);
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        page.headers_mut()
            .insert(header::RETRY_AFTER, retry_after.clone());
    }
    Err(InternalError::from_response(error, page).into())
}

/// The site's error page (plain text if even that cannot be rendered), with the security headers
/// itself: an error that travels up as `Err` passes by the header middleware.
fn error_page(
    state: Option<&web::Data<AppState>>,
    status: StatusCode,
    title: &str,
    message: &str,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("title", title);
    context.insert("message", message);
    let mut response = state
        .and_then(|state| state.templates.page(status, "error.html", &context).ok())
        .unwrap_or_else(|| HttpResponse::build(status).body(message.to_owned()));
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// One lock per stripe of sessions: requests of one session (and, rarely, of another session
/// that hashes to the same stripe) run one at a time in this process.
pub struct SessionLocks(Vec<tokio::sync::Mutex<()>>);

impl SessionLocks {
    const STRIPES: usize = 1024;

    pub fn new() -> Self {
        Self(
            (0..Self::STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        )
    }

    fn stripe(&self, session_cookie: &str) -> &tokio::sync::Mutex<()> {
        use std::hash::{BuildHasher, RandomState};
        static HASHER: std::sync::LazyLock<RandomState> =
            std::sync::LazyLock::new(RandomState::new);
        let index = HASHER.hash_one(session_cookie) as usize % self.0.len();
        &self.0[index]
    }
}

impl Default for SessionLocks {
    fn default() -> Self {
        Self::new()
    }
}

/// actix-session loads a session before the handler and saves it after: two requests of one
/// session in flight at once would each add 1 to the same old count, and one update would be
/// lost. Holding the session's lock across load, handler and save makes them take turns.
pub async fn one_request_per_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let stripe = state.as_ref().and_then(|state| {
        match RequestCookies::from_request(req.request()).lookup(SESSION_COOKIE) {
            CookieLookup::Unique(cookie) => Some(state.session_locks.stripe(cookie)),
            _ => None, // a new session: nobody else can hold it yet
        }
    });
    let _turn = match stripe {
        Some(stripe) => Some(stripe.lock().await),
        None => None,
    };
    next.call(req).await
}
