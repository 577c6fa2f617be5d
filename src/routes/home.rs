use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, route, web};
use chrono::TimeDelta;

use crate::i18n::Lang;
use crate::sessions::SessionInfo;
use crate::views::{EmptyPage, HomePage};
use crate::visits::cookies::{CookieAge, read_visit_record};
use crate::visits::session::TypedSession;
use crate::web::request_cookies::RequestCookies;
use crate::web::templates::{PageFrame, RenderError, Templates};

/// Both counters side by side, as they stand: reading them counts no visit and writes nothing.
pub async fn home(
    req: HttpRequest,
    lang: Lang,
    session: TypedSession,
    templates: web::Data<Templates>,
    info: web::Data<SessionInfo>,
    cookie_age: web::Data<CookieAge>,
) -> Result<HttpResponse, RenderError> {
    let cookie_record = read_visit_record(&RequestCookies::from_request(&req));
    let page = HomePage {
        home: true,
        cookie_visits: cookie_record.map(|r| r.visits),
        session_visits: session.visit_record().map(|r| r.visits),
        num_visits: session.num_visits(),
        backend: info.backend_label.in_words(lang),
        in_cookie: info.in_cookie(),
        cookie_age: lang.describe_period(TimeDelta::seconds(cookie_age.0.into())),
        session_age: lang.describe_period(info.age),
        until_browser_close: info.until_browser_close,
    };
    templates.page(&PageFrame::of(&req), StatusCode::OK, "home.html", &page)
}

/// A stateless page through the same base template: the benchmark's ceiling, like the Django
/// peer's `/hello/`.
#[route("/hello/", method = "GET", method = "HEAD")]
pub async fn hello(
    req: HttpRequest,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, RenderError> {
    templates.page(
        &PageFrame::of(&req),
        StatusCode::OK,
        "hello.html",
        &EmptyPage {},
    )
}
