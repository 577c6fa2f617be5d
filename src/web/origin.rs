//! Unsafe requests from another origin are refused, as Django's CSRF origin check does. The reset
//! forms would otherwise flush a visitor's session from any page that posts to them: another port
//! of the same host counts as the same *site*, so `SameSite=Lax` lets the cookie go along.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::error_page::error_page;
use super::templates::{PageFrame, Templates};
use crate::views::ErrorPage;

/// Refuses (403) a POST, PUT, PATCH or DELETE that a browser says came from another origin:
/// `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the user), or else an `Origin`
/// that is not this server's. Requests with neither header (curl, scripts) pass: they carry no
/// visitor's cookies by accident.
pub async fn refuse_cross_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_safe(req.method()) || same_origin(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    tracing::warn!(
        origin = ?req.headers().get(header::ORIGIN),
        "refused a cross-origin {} {}", req.method(), req.path()
    );
    let response = error_page(
        req.app_data::<web::Data<Templates>>(),
        &PageFrame::of(req.request()),
        StatusCode::FORBIDDEN,
        ErrorPage::named("error-cross-origin-title", "error-cross-origin-message"),
    );
    Ok(req.into_response(response))
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn same_origin(req: &ServiceRequest) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header(header::HeaderName::from_static("sec-fetch-site")) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = header(header::ORIGIN) else {
        return true;
    };
    let info = req.connection_info();
    origin == format!("{}://{}", info.scheme(), info.host())
}
