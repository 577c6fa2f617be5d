//! The site's error page, for the answers middleware gives before or instead of a handler.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpResponse, web};

use super::headers::SECURITY_HEADERS;
use super::templates::{PageFrame, Templates};
use crate::views::ErrorPage;

/// The site's error page in the visitor's language (plain text if even that cannot be
/// rendered), with the security headers itself: an error that travels up as `Err` passes by the
/// header middleware. `page` names the messages of its title and its explanation.
pub fn error_page(
    templates: Option<&web::Data<Templates>>,
    frame: &PageFrame,
    status: StatusCode,
    page: ErrorPage,
) -> HttpResponse {
    let mut response = templates
        .and_then(|templates| templates.page(frame, status, "error.html", &page).ok())
        .unwrap_or_else(|| HttpResponse::build(status).body(frame.lang.text(page.message)));
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}
