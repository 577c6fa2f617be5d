//! Every route of the site, in one place; one file per module of the site.

pub mod cookie_counter;
pub mod home;
pub mod session_counter;

use actix_session::SessionMiddleware;
use actix_web::http::header::{ALLOW, HeaderValue, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::sessions::backend::SessionBackend;
use crate::sessions::with_sessions;
use crate::views::ErrorPage;
use crate::web::static_files;
use crate::web::templates::{RenderError, Templates};

/// The site's routes. `sessions` makes the session middleware (each page with sessions gets its
/// own instance, inside the whole stack of `with_sessions!`).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    sessions: impl Fn() -> SessionMiddleware<SessionBackend>,
) {
    cfg
        // `GET /`: both counters, read without counting (so it reads the session, never writes).
        .service(with_sessions!(
            web::resource("/")
                .route(web::get().to(home::home))
                .route(web::head().to(home::home)),
            sessions()
        ))
        // `GET /hello/`: reads nothing of the visitor.
        .service(home::hello)
        // `GET /cookie/`, `GET /cookie/about/`, `POST /cookie/reset`.
        .service(cookie_counter::scope())
        // `GET /session/`, `GET /session/about/`, `POST /session/reset`.
        .service(with_sessions!(session_counter::scope(), sessions()))
        // `GET /static/{name}`: the stylesheet, the inspector's script, the icon.
        .service(static_files::file)
        .default_service(web::to(not_found));
}

/// Any path we do not serve. As Django's `APPEND_SLASH`, a GET of a page's address without its
/// final slash (`/cookie`) is redirected to the page.
async fn not_found(
    req: HttpRequest,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, RenderError> {
    let with_slash = format!("{}/", req.path());
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    if reads && !req.path().ends_with('/') && req.resource_map().has_resource(&with_slash) {
        let location = match req.query_string() {
            "" => with_slash,
            query => format!("{with_slash}?{query}"),
        };
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((LOCATION, location))
            .finish());
    }
    let page = ErrorPage {
        title: "Page not found",
        message: "There is no page at this address.",
    };
    templates.page(StatusCode::NOT_FOUND, "error.html", &page)
}

/// A form's target asked with another method than POST: 405, and the method it takes.
async fn post_only(templates: web::Data<Templates>) -> Result<HttpResponse, RenderError> {
    let page = ErrorPage {
        title: "Method not allowed",
        message: "This address takes the POST of its form only.",
    };
    let mut response = templates.page(StatusCode::METHOD_NOT_ALLOWED, "error.html", &page)?;
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    Ok(response)
}
