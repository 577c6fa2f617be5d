//! Every route of the site, in one place; one file per module of the site.

pub mod cookie_counter;
pub mod home;
pub mod session_counter;

use actix_files::Files;
use actix_session::SessionMiddleware;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::sessions::backend::SessionBackend;
use crate::sessions::with_sessions;
use crate::views::ErrorPage;
use crate::web::templates::{RenderError, Templates};

/// Served from the source tree: CSS is edited more often than the binary is rebuilt.
const STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static");

/// The site's routes. `sessions` makes the session middleware (each page with sessions gets its
/// own instance, inside the whole stack of `with_sessions!`).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    sessions: impl Fn() -> SessionMiddleware<SessionBackend>,
) {
    cfg
        // `GET /`: both counters, read without counting (so it reads the session, never writes).
        .service(with_sessions!(
            web::resource("/").route(web::get().to(home::home)),
            sessions()
        ))
        // `GET /hello/`: reads nothing of the visitor.
        .service(home::hello)
        // `GET /cookie/`, `GET /cookie/about/`, `POST /cookie/reset`.
        .service(cookie_counter::scope())
        // `GET /session/`, `GET /session/about/`, `POST /session/reset`.
        .service(with_sessions!(session_counter::scope(), sessions()))
        .service(Files::new("/static", STATIC_DIR))
        .default_service(web::to(not_found));
}

/// Any path we do not serve.
async fn not_found(templates: web::Data<Templates>) -> Result<HttpResponse, RenderError> {
    let page = ErrorPage {
        title: "Page not found",
        message: "There is no page at this address.",
    };
    templates.page(StatusCode::NOT_FOUND, "error.html", &page)
}
