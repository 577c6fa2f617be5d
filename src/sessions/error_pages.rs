//! The site's own pages for the refusals of the session store.

use actix_session_diesel::{SessionConflict, SessionStoreUnavailable};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::views::ErrorPage;
use crate::web::error_page::error_page;
use crate::web::templates::{PageFrame, Templates};

/// The site's own pages for what `actix_session_diesel::session_guard` reports (it must run inside
/// this middleware). Neither case is our bug:
/// - another request (on another instance) changed or deleted this session since this one loaded
///   it: 409, try again (the retry sees the other change);
/// - the store is down: 503, the page says so, and `Retry-After`.
pub async fn session_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Taken now: the request itself must not be held while inner services run (actix needs it
    // unshared to route). The error page speaks the visitor's language.
    let templates = req.app_data::<web::Data<Templates>>().cloned();
    let frame = PageFrame::of(req.request());
    let error = match next.call(req).await {
        Ok(response) => return Ok(response.map_into_boxed_body()),
        Err(error) => error,
    };
    let page = if error.as_error::<SessionConflict>().is_some() {
        tracing::warn!("the session changed under this request; answering 409");
        ErrorPage::named(
            "error-session-conflict-title",
            "error-session-conflict-message",
        )
    } else if error.as_error::<SessionStoreUnavailable>().is_some() {
        tracing::error!(%error, "the session store failed; answering 503");
        ErrorPage::named(
            "error-store-unavailable-title",
            "error-store-unavailable-message",
        )
    } else {
        return Err(error);
    };
    let response = error.error_response();
    let mut answer = error_page(templates.as_ref(), &frame, response.status(), page);
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after.clone());
    }
    Err(InternalError::from_response(error, answer).into())
}
