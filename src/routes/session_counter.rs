//! The same counter with the data on the server, in actix-session over our diesel store: the
//! browser holds only `sessionid`. Also MDN LocalLibrary's `num_visits`.

use actix_web::http::header::{ContentType, LOCATION};
use actix_web::{HttpRequest, HttpResponse, Scope, route, web};

use crate::sessions::SessionInfo;
use crate::views::inspector::{sent_cookies, stored_session};
use crate::views::{CookieCheck, CounterPage, Storage};
use crate::visits::session::TypedSession;
use crate::visits::{VisitRecord, Visits};
use crate::web::request_cookies::RequestCookies;
use crate::web::templates::Templates;

/// `GET /session/`, `GET /session/about/` and `POST /session/reset`, to be wrapped in the session
/// stack (`sessions::with_sessions!`).
pub fn scope() -> Scope {
    web::scope("/session")
        .service(index)
        .service(about)
        .service(
            web::resource("/reset")
                .route(web::post().to(reset))
                .default_service(web::to(super::post_only)),
        )
}

#[route("/", method = "GET", method = "HEAD")]
pub async fn index(
    req: HttpRequest,
    session: TypedSession,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    info: web::Data<SessionInfo>,
) -> actix_web::Result<HttpResponse> {
    let arrived_with_data = !session.is_empty();
    if !arrived_with_data {
        session.set_test_cookie()?;
    }
    let record = count_visit(&session, &visits)?;
    // MDN counts every view, before showing it: the first view says 1.
    let num_visits = session.num_visits().saturating_add(1);
    session.set_num_visits(num_visits)?;
    let cookies = RequestCookies::from_request(&req);
    let mut page = session_page(
        &cookies,
        &session,
        arrived_with_data,
        &record,
        &visits,
        &info,
    );
    page.num_visits = Some(num_visits);
    html(templates.render("counter.html", &page)?)
}

#[route("/about/", method = "GET", method = "HEAD")]
pub async fn about(
    req: HttpRequest,
    session: TypedSession,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    info: web::Data<SessionInfo>,
) -> actix_web::Result<HttpResponse> {
    let arrived_with_data = !session.is_empty();
    let cookies = RequestCookies::from_request(&req);
    let check = CookieCheck::judge(session.take_test_cookie(), &cookies);
    let record = count_visit(&session, &visits)?;
    let mut page = session_page(
        &cookies,
        &session,
        arrived_with_data,
        &record,
        &visits,
        &info,
    );
    page.cookie_check = Some(check);
    html(templates.render("about.html", &page)?)
}

/// Django's `flush`: delete the stored session and expire the cookie.
pub async fn reset(session: TypedSession) -> HttpResponse {
    session.flush();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/session/"))
        .finish()
}

fn html(body: String) -> actix_web::Result<HttpResponse> {
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body))
}

/// The counter page, the inspector's view of the session, and the backend (whose page text
/// differs: a signed cookie is readable). Made after the handler's changes, so the inspector
/// shows what the response stores.
fn session_page(
    cookies: &RequestCookies,
    session: &TypedSession,
    arrived_with_data: bool,
    record: &VisitRecord,
    visits: &Visits,
    info: &SessionInfo,
) -> CounterPage {
    let sent = sent_cookies(cookies, info);
    let mut page = CounterPage::new(Storage::Session, record, visits.period, sent);
    page.backend = Some(info.backend);
    page.stored = Some(stored_session(
        session,
        cookies,
        arrived_with_data,
        info,
        visits,
    ));
    page
}

/// Applies the rule to the session's record, writing only when it changed: a revisit within the
/// period leaves the session untouched, so the store is not written.
fn count_visit(session: &TypedSession, visits: &Visits) -> actix_web::Result<VisitRecord> {
    let previous = session.visit_record();
    let record = visits.record(previous);
    if previous != Some(record) {
        session.set_visit_record(&record)?;
    }
    Ok(record)
}
