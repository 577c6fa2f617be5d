//! Pages that show their own response's `Set-Cookie` headers are rendered last, once every
//! middleware that sets a cookie (actix-session's among them) has run: the handler answers with
//! the rendering still to do, and [`render_deferred_pages`] does it with the real headers in
//! hand, so the inspector cannot show a cookie the browser was not sent.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{ContentType, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, HttpResponseBuilder, ResponseError as _};

use super::templates::RenderError;

type Render = Box<dyn FnOnce(&[String]) -> Result<String, RenderError>>;

/// The rendering a handler left to [`render_deferred_pages`].
struct DeferredPage(Render);

/// An HTML answer from `response` (status, cookies) whose body `render` makes from the
/// response's final `Set-Cookie` headers.
pub fn deferred_page(
    mut response: HttpResponseBuilder,
    render: impl FnOnce(&[String]) -> Result<String, RenderError> + 'static,
) -> HttpResponse {
    let mut response = response.content_type(ContentType::html()).finish();
    response
        .extensions_mut()
        .insert(DeferredPage(Box::new(render)));
    response
}

/// Renders the pages handlers deferred. It must wrap every middleware that sets cookies.
pub async fn render_deferred_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let mut response = next.call(req).await?;
    let deferred = response
        .response_mut()
        .extensions_mut()
        .remove::<DeferredPage>();
    let Some(DeferredPage(render)) = deferred else {
        return Ok(response.map_into_boxed_body());
    };
    let set_cookies: Vec<String> = (response.headers().get_all(SET_COOKIE))
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect();
    match render(&set_cookies) {
        Ok(html) => Ok(response.map_body(|_, _| BoxBody::new(html))),
        Err(error) => Ok(response.into_response(error.error_response())),
    }
}
