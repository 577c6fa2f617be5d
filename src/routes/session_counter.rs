//! The same counter with the data on the server, in actix-session over our diesel store: the
//! browser holds only `sessionid`. Also MDN LocalLibrary's `num_visits`.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, Scope, route, web};

use crate::sessions::SessionInfo;
use crate::views::inspector::{Presented, sent_cookies, stored_session};
use crate::views::sequence::{Exchange, StoreExchange, StoreWrite};
use crate::views::{CookieCheck, CounterPage, Storage};
use crate::visits::session::TypedSession;
use crate::visits::{VisitRecord, Visits};
use crate::web::templates::{PageFrame, Templates};

/// `GET /session/`, `GET /session/about/`, `POST /session/reset` and `POST /session/dismiss`, to
/// be wrapped in the session stack (`sessions::with_sessions!`).
pub fn scope() -> Scope {
    web::scope("/session")
        .service(index)
        .service(about)
        .service(super::form_target("/reset", reset))
        .service(super::form_target("/dismiss", dismiss))
}

#[route("/", method = "GET", method = "HEAD")]
pub async fn index(
    req: HttpRequest,
    session: TypedSession,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    info: web::Data<SessionInfo>,
) -> actix_web::Result<HttpResponse> {
    let arrival = Arrival::read(&req, &session, &info);
    if !arrival.with_data() {
        session.set_test_cookie()?;
    }
    let record = count_visit(&session, &visits)?;
    // MDN counts every view, before showing it: the first view says 1.
    let num_visits = session.num_visits().saturating_add(1);
    session.set_num_visits(num_visits)?;
    let mut page = session_page(&arrival, &session, &record, &visits, &info);
    page.num_visits = Some(num_visits);
    Ok(respond(
        &req,
        templates,
        "counter.html",
        page,
        &arrival,
        &session,
        &info,
    ))
}

#[route("/about/", method = "GET", method = "HEAD")]
pub async fn about(
    req: HttpRequest,
    session: TypedSession,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    info: web::Data<SessionInfo>,
) -> actix_web::Result<HttpResponse> {
    let arrival = Arrival::read(&req, &session, &info);
    let check = CookieCheck::judge(session.take_test_cookie(), &arrival.presented.cookies);
    let record = count_visit(&session, &visits)?;
    let mut page = session_page(&arrival, &session, &record, &visits, &info);
    page.cookie_check = Some(check);
    Ok(respond(
        &req,
        templates,
        "about.html",
        page,
        &arrival,
        &session,
        &info,
    ))
}

/// Django's `flush`: delete the stored session and expire the cookie.
pub async fn reset(session: TypedSession) -> HttpResponse {
    session.flush();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/session/"))
        .finish()
}

/// Dismisses the notice: the session remembers it, and the browser gets nothing but `sessionid`.
pub async fn dismiss(session: TypedSession) -> actix_web::Result<HttpResponse> {
    session.dismiss_notice()?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/session/"))
        .finish())
}

/// What a session page knows before its handler changes anything: what the browser presented,
/// and how many values the store gave back for it.
struct Arrival {
    presented: Presented,
    found: usize,
}

impl Arrival {
    fn read(req: &HttpRequest, session: &TypedSession, info: &SessionInfo) -> Self {
        Self {
            presented: Presented::read(req, info),
            found: session.entries().len(),
        }
    }

    fn with_data(&self) -> bool {
        self.found > 0
    }
}

/// The counter page, the inspector's view of the session, and the backend (whose page text
/// differs: a signed cookie is readable). Made after the handler's changes, so the inspector
/// shows what the response stores.
fn session_page(
    arrival: &Arrival,
    session: &TypedSession,
    record: &VisitRecord,
    visits: &Visits,
    info: &SessionInfo,
) -> CounterPage {
    let presented = &arrival.presented;
    let sent = sent_cookies(&presented.cookies, info, Storage::Session);
    let mut page = CounterPage::new(Storage::Session, record, visits, presented.lang, sent);
    page.backend = Some(info.backend);
    page.notice_dismissed = session.notice_dismissed();
    page.stored = Some(stored_session(
        session,
        presented,
        arrival.with_data(),
        info,
        visits,
    ));
    page
}

/// The page, drawn with this request's exchange with the store, once the response's cookies are
/// known.
fn respond(
    req: &HttpRequest,
    templates: web::Data<Templates>,
    template: &'static str,
    page: CounterPage,
    arrival: &Arrival,
    session: &TypedSession,
    info: &SessionInfo,
) -> HttpResponse {
    let exchange = session_exchange(req, arrival, &page, session, info);
    let frame = PageFrame::in_language(req, arrival.presented.lang);
    super::counter_page(
        frame,
        templates,
        template,
        page,
        exchange,
        HttpResponse::Ok(),
    )
}

/// What the session middleware asks the store for this request: a load when the browser presented
/// a correctly signed key (`found` values came back), and after the handler, a write when the data
/// changed (a new key when nothing was found), or only a new expiry when every request saves.
fn session_exchange(
    req: &HttpRequest,
    arrival: &Arrival,
    page: &CounterPage,
    session: &TypedSession,
    info: &SessionInfo,
) -> Exchange {
    let mut exchange = page.exchange(req);
    exchange.session_holds_data = info.in_cookie();
    if info.in_cookie() {
        exchange.no_store_note = Some("seq-signed-cookie-no-store");
        return exchange;
    }
    let write = match (session.is_changed(), arrival.with_data()) {
        (true, true) => StoreWrite::Update,
        (true, false) => StoreWrite::Insert,
        (false, true) if info.save_every_request => StoreWrite::Extend,
        (false, _) => StoreWrite::Nothing,
    };
    exchange.store = Some(StoreExchange {
        backend: info.backend,
        label: info.backend_label.in_words(arrival.presented.lang),
        redis_prefix: info.redis_key_prefix.clone(),
        loaded_key: arrival.presented.shown_key.clone(),
        found: arrival.found,
        write,
    });
    exchange
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
