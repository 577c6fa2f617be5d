//! The Rango counter on plain client cookies: the browser holds `visits` and `last_visit`, and can
//! read or change them, which is the point this module demonstrates.

use actix_web::cookie::Cookie;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::header::{LOCATION, VARY};
use actix_web::middleware::DefaultHeaders;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, route, web};

use crate::sessions::SessionInfo;
use crate::views::inspector::sent_cookies;
use crate::views::{CookieCheck, CounterPage, Storage};
use crate::visits::Visits;
use crate::visits::cookies::{
    CookieAge, OUR_COOKIES, TEST_COOKIE, dismissal_cookie, keeps_our_cookies, notice_dismissed,
    read_visit_record, removal, test_cookie, test_cookie_came_back, visit_cookies,
};
use crate::web::request_cookies::RequestCookies;
use crate::web::templates::{PageFrame, Templates};

/// `GET /cookie/`, `GET /cookie/about/`, `POST /cookie/reset` and `POST /cookie/dismiss`.
pub fn scope() -> impl HttpServiceFactory {
    web::scope("/cookie")
        // These pages depend on the cookies sent: no cache may serve them to another visitor.
        .wrap(DefaultHeaders::new().add((VARY, "Cookie")))
        .service(index)
        .service(about)
        .service(super::form_target("/reset", reset))
        .service(super::form_target("/dismiss", dismiss))
}

/// What the cookie pages need besides the request, taken from the app's data as one extractor.
struct CookiePages {
    templates: web::Data<Templates>,
    visits: web::Data<Visits>,
    age: web::Data<CookieAge>,
    info: web::Data<SessionInfo>,
}

impl FromRequest for CookiePages {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        fn data<T: ?Sized + 'static>(req: &HttpRequest) -> actix_web::Result<web::Data<T>> {
            web::Data::extract(req).into_inner()
        }
        ready((|| {
            Ok(Self {
                templates: data(req)?,
                visits: data(req)?,
                age: data(req)?,
                info: data(req)?,
            })
        })())
    }
}

impl CookiePages {
    /// Counts the visit the cookies describe and renders `template` for it (with the about page's
    /// `check`); the response sets the counter cookies afresh, plus the page's `extra` cookie.
    fn respond(
        &self,
        req: &HttpRequest,
        template: &'static str,
        check: Option<CookieCheck>,
        extra: Option<Cookie<'static>>,
    ) -> HttpResponse {
        let cookies = RequestCookies::from_request(req);
        let record = self.visits.record(read_visit_record(&cookies));
        let sent = sent_cookies(&cookies, &self.info, Storage::Cookie);
        let frame = PageFrame::of(req);
        let mut page = CounterPage::new(Storage::Cookie, &record, &self.visits, frame.lang, sent);
        page.cookie_check = check;
        page.notice_dismissed = notice_dismissed(&cookies);
        let mut exchange = page.exchange(req);
        exchange.no_store_note = Some("seq-cookie-no-store");
        let mut response = HttpResponse::Ok();
        for cookie in visit_cookies(&record, &self.age).into_iter().chain(extra) {
            response.cookie(cookie);
        }
        super::counter_page(
            frame,
            self.templates.clone(),
            template,
            page,
            exchange,
            response,
        )
    }
}

#[route("/", method = "GET", method = "HEAD")]
pub async fn index(req: HttpRequest, pages: CookiePages) -> HttpResponse {
    let cookies = RequestCookies::from_request(&req);
    let first_time = (!keeps_our_cookies(&cookies)).then(test_cookie);
    pages.respond(&req, "counter.html", None, first_time)
}

#[route("/about/", method = "GET", method = "HEAD")]
pub async fn about(req: HttpRequest, pages: CookiePages) -> HttpResponse {
    let cookies = RequestCookies::from_request(&req);
    let check = CookieCheck::judge(test_cookie_came_back(&cookies), &cookies);
    let confirmed = (check == CookieCheck::JustConfirmed).then(|| removal(TEST_COOKIE));
    pages.respond(&req, "about.html", Some(check), confirmed)
}

/// "Forget me": expire every cookie this module sets.
pub async fn reset() -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((LOCATION, "/cookie/"));
    for name in OUR_COOKIES {
        response.cookie(removal(name));
    }
    response.finish()
}

/// Dismisses the notice: a cookie remembers it, as in the Tango chapter.
pub async fn dismiss(age: web::Data<CookieAge>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/cookie/"))
        .cookie(dismissal_cookie(&age))
        .finish()
}
