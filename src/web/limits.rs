//! Requests too large for this site are refused before any handler or store sees them.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::error_page::error_page;
use super::templates::{PageFrame, Templates};
use crate::views::ErrorPage;

/// Larger `Cookie` headers are refused, as nginx's default 8 KiB header line does: browsers never
/// send one (4 KiB per cookie), so it is a mistake or an attack.
pub const MAX_COOKIE_HEADER_BYTES: usize = 8 * 1024;
/// RFC 6265 asks browsers to keep at least 50 cookies per domain; Chrome keeps 180.
pub const MAX_COOKIES: usize = 100;
/// Our forms post a click, or at most a language and the address to return to.
pub const MAX_BODY_BYTES: u64 = 1024;

/// Refuses oversized cookies (431) and bodies (413) before any handler or store sees them.
pub async fn request_limits(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cookie_headers = req.headers().get_all(header::COOKIE);
    let (bytes, cookies) = cookie_headers.fold((0, 0), |(bytes, cookies), value| {
        let pairs = value.as_bytes().split(|&b| b == b';').count();
        (bytes + value.len(), cookies + pairs)
    });
    let rejection = if bytes > MAX_COOKIE_HEADER_BYTES || cookies > MAX_COOKIES {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorPage::named(
                "error-too-many-cookies-title",
                "error-too-many-cookies-message",
            ),
        ))
    } else if content_length(&req).is_some_and(|length| length > MAX_BODY_BYTES)
        || !chunked_body_fits(&mut req).await
    {
        Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorPage::named("error-too-large-title", "error-too-large-message"),
        ))
    } else {
        None
    };
    match rejection {
        Some((status, page)) => {
            tracing::warn!(cookie_bytes = bytes, cookies, %status, "refused an oversized request");
            let response = error_page(
                req.app_data::<web::Data<Templates>>(),
                &PageFrame::of(req.request()),
                status,
                page,
            );
            Ok(req.into_response(response))
        }
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// A chunked body announces no length, so it is read here, up to the limit, and handed on as
/// read; false when it is longer (or breaks off).
async fn chunked_body_fits(req: &mut ServiceRequest) -> bool {
    use actix_web::HttpMessage as _;
    use futures_util::StreamExt as _;
    if !req.headers().contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() <= MAX_BODY_BYTES as usize => {
                body.extend_from_slice(&chunk)
            }
            _ => return false,
        }
    }
    req.set_payload(Payload::from(body.freeze()));
    true
}

fn content_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
