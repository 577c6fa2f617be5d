//! The site's error page, for the answers middleware gives before or instead of a handler.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpResponse, web};

use super::headers::SECURITY_HEADERS;
use super::templates::Templates;
use crate::views::ErrorPage;

/// The site's error page (plain text if even that cannot be rendered), with the security headers
/// itself: an error that travels up as `Err` passes by the header middleware.
pub fn error_page(
    templates: Option<&web::Data<Templates>>,
    status: StatusCode,
    title: &str,
    message: &str,
) -> HttpResponse {
    let page = ErrorPage { title, message };
    let mut response = templates
        .and_then(|templates| templates.page(status, "error.html", &page).ok())
        .unwrap_or_else(|| HttpResponse::build(status).body(message.to_owned()));
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}
