//! The Rango counter on plain client cookies: the browser holds `visits` and `last_visit`, and can
//! read or change them, which is the point this module demonstrates.

use actix_web::cookie::Cookie;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::header::{ContentType, LOCATION, VARY};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, route, web};

use crate::sessions::SessionInfo;
use crate::views::inspector::sent_cookies;
use crate::views::{CookieCheck, CounterPage, Storage};
use crate::visits::Visits;
use crate::visits::cookies::{
    CookieAge, LAST_VISIT, TEST_COOKIE, VISITS, keeps_our_cookies, read_visit_record, removal,
    test_cookie, test_cookie_came_back, visit_cookies,
};
use crate::web::request_cookies::RequestCookies;
use crate::web::templates::{RenderError, Templates};

/// `GET /cookie/`, `GET /cookie/about/` and `POST /cookie/reset`.
pub fn scope() -> impl HttpServiceFactory {
    web::scope("/cookie")
        // These pages depend on the cookies sent: no cache may serve them to another visitor.
        .wrap(DefaultHeaders::new().add((VARY, "Cookie")))
        .service(index)
        .service(about)
        .service(
            web::resource("/reset")
                .route(web::post().to(reset))
                .default_service(web::to(super::post_only)),
        )
}

/// What the cookie pages need besides the request.
struct CookiePages<'a> {
    templates: &'a Templates,
    visits: &'a Visits,
    age: &'a CookieAge,
    info: &'a SessionInfo,
}

impl CookiePages<'_> {
    /// Counts the visit the cookies describe and renders `template` for it (with the about page's
    /// `check`); the response sets the counter cookies afresh, plus the page's `extra` cookie.
    fn respond(
        &self,
        cookies: &RequestCookies,
        template: &str,
        check: Option<CookieCheck>,
        extra: Option<Cookie<'static>>,
    ) -> Result<HttpResponse, RenderError> {
        let record = self.visits.record(read_visit_record(cookies));
        let sent = sent_cookies(cookies, self.info);
        let mut page = CounterPage::new(Storage::Cookie, &record, self.visits.period, sent);
        page.cookie_check = check;
        let html = self.templates.render(template, &page)?;
        let mut response = HttpResponse::Ok();
        response.content_type(ContentType::html());
        for cookie in visit_cookies(&record, self.age).into_iter().chain(extra) {
            response.cookie(cookie);
        }
        Ok(response.body(html))
    }
}

#[route("/", method = "GET", method = "HEAD")]
pub async fn index(
    req: HttpRequest,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    age: web::Data<CookieAge>,
    info: web::Data<SessionInfo>,
) -> Result<HttpResponse, RenderError> {
    let pages = CookiePages {
        templates: &templates,
        visits: &visits,
        age: &age,
        info: &info,
    };
    let cookies = RequestCookies::from_request(&req);
    let first_time = (!keeps_our_cookies(&cookies)).then(test_cookie);
    pages.respond(&cookies, "counter.html", None, first_time)
}

#[route("/about/", method = "GET", method = "HEAD")]
pub async fn about(
    req: HttpRequest,
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    age: web::Data<CookieAge>,
    info: web::Data<SessionInfo>,
) -> Result<HttpResponse, RenderError> {
    let pages = CookiePages {
        templates: &templates,
        visits: &visits,
        age: &age,
        info: &info,
    };
    let cookies = RequestCookies::from_request(&req);
    let check = CookieCheck::judge(test_cookie_came_back(&cookies), &cookies);
    let confirmed = (check == CookieCheck::JustConfirmed).then(|| removal(TEST_COOKIE));
    pages.respond(&cookies, "about.html", Some(check), confirmed)
}

/// "Forget me": expire every cookie this module sets.
pub async fn reset() -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((LOCATION, "/cookie/"));
    for name in [VISITS, LAST_VISIT, TEST_COOKIE] {
        response.cookie(removal(name));
    }
    response.finish()
}
