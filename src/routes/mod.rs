//! Every route of the site, in one place; one file per module of the site.

pub mod cookie_counter;
pub mod home;
pub mod language;
pub mod session_counter;

use actix_session::SessionMiddleware;
use actix_web::http::header::{ALLOW, HeaderValue, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{
    FromRequest, Handler, HttpRequest, HttpResponse, HttpResponseBuilder, Resource, Responder, web,
};

use crate::sessions::backend::SessionBackend;
use crate::sessions::with_sessions;
use crate::views::sequence::Exchange;
use crate::views::{CounterPage, ErrorPage};
use crate::web::deferred_page::deferred_page;
use crate::web::static_files;
use crate::web::templates::{PageFrame, RenderError, Templates};

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
        // `GET /cookie/`, `GET /cookie/about/`, `POST /cookie/reset`, `POST /cookie/dismiss`.
        .service(cookie_counter::scope())
        // `GET /session/`, `GET /session/about/`, `POST /session/reset`, `POST /session/dismiss`.
        .service(with_sessions!(session_counter::scope(), sessions()))
        // `POST /lang`: the language switch.
        .service(language::resource())
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
    let page = ErrorPage::named("error-not-found-title", "error-not-found-message");
    templates.page(
        &PageFrame::of(&req),
        StatusCode::NOT_FOUND,
        "error.html",
        &page,
    )
}

/// A form's target asked with another method than POST: 405, and the method it takes.
async fn post_only(
    req: HttpRequest,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, RenderError> {
    let page = ErrorPage::named("error-post-only-title", "error-post-only-message");
    let frame = PageFrame::of(&req);
    let mut response =
        templates.page(&frame, StatusCode::METHOD_NOT_ALLOWED, "error.html", &page)?;
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    Ok(response)
}

/// A form's target: `handler` answers its POST, any other method gets 405.
fn form_target<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(post_only))
}

/// A counter page, rendered once the response's cookies are all set (`web::deferred_page`), so
/// that its Set-Cookie panel and diagram show the headers the browser really gets. `frame` is
/// the handler's: it already negotiated the language for the page's texts.
fn counter_page(
    frame: PageFrame,
    templates: web::Data<Templates>,
    template: &'static str,
    mut page: CounterPage,
    exchange: Exchange,
    response: HttpResponseBuilder,
) -> HttpResponse {
    deferred_page(response, move |set_cookies| {
        page.show_response(set_cookies, &exchange, frame.lang);
        templates.render_in(&frame, template, &page)
    })
}
