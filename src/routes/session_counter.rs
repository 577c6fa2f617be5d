//! The same counter with the data on the server, in actix-session over our diesel store: the
//! browser holds only `sessionid`. Also MDN LocalLibrary's `num_visits`.

use actix_web::http::header::{ContentType, LOCATION};
use actix_web::{HttpRequest, HttpResponse, Scope, get, post, web};

use super::{CookieCheck, Storage, inspector, visit_context};
use crate::request_cookies::RequestCookies;
use crate::state::AppState;
use crate::typed_session::TypedSession;
use crate::visit_rule::VisitRecord;

/// `GET /session/`, `GET /session/about/` and `POST /session/reset`, to be wrapped in the session
/// stack (`middleware::with_sessions!`).
pub fn scope() -> Scope {
    web::scope("/session")
        .service(index)
        .service(about)
        .service(reset)
}

#[get("/")]
pub async fn index(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let arrived_with_data = !session.is_empty();
    if !arrived_with_data {
        session.set_test_cookie()?;
    }
    let record = count_visit(&session, &state)?;
    // MDN counts every view, before showing it: the first view says 1.
    let num_visits = session.num_visits().saturating_add(1);
    session.set_num_visits(num_visits)?;
    let cookies = RequestCookies::from_request(&req);
    let mut context = session_context(&cookies, &session, arrived_with_data, &record, &state);
    context.insert("num_visits", &num_visits);
    let html = state.templates.render("counter.html", &context)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(html))
}

#[get("/about/")]
pub async fn about(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let arrived_with_data = !session.is_empty();
    let cookies = RequestCookies::from_request(&req);
    let check = CookieCheck::judge(session.take_test_cookie(), &cookies);
    let record = count_visit(&session, &state)?;
    let mut context = session_context(&cookies, &session, arrived_with_data, &record, &state);
    context.insert("cookie_check", &check);
    let html = state.templates.render("about.html", &context)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(html))
}

/// Django's `flush`: delete the stored session and expire the cookie.
#[post("/reset")]
pub async fn reset(session: TypedSession) -> HttpResponse {
    session.flush();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/session/"))
        .finish()
}

/// The counter context, the inspector's view of the session, and the backend (whose page text
/// differs: a signed cookie is readable). Called after the handler's changes, so the inspector
/// shows what the response stores.
fn session_context(
    cookies: &RequestCookies,
    session: &TypedSession,
    arrived_with_data: bool,
    record: &VisitRecord,
    state: &AppState,
) -> tera::Context {
    let mut context = visit_context(Storage::Session, record, cookies, state);
    context.insert("backend", &state.session.backend);
    let stored = inspector::stored_session(session, cookies, arrived_with_data, state);
    context.insert("stored", &stored);
    context
}

/// Applies the rule to the session's record, writing only when it changed: a revisit within the
/// period leaves the session untouched, so the store is not written.
fn count_visit(session: &TypedSession, state: &AppState) -> actix_web::Result<VisitRecord> {
    let previous = session.visit_record();
    let record = state.record_visit(previous);
    if previous != Some(record) {
        session.set_visit_record(&record)?;
    }
    Ok(record)
}
