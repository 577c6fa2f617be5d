use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use tera::Context;

use super::cookie_counter;
use crate::request_cookies::RequestCookies;
use crate::state::AppState;
use crate::templates::RenderError;
use crate::typed_session::TypedSession;

/// Both counters side by side, as they stand: reading them counts no visit and writes nothing.
pub async fn home(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, RenderError> {
    let cookie_record = cookie_counter::read_visit_record(&RequestCookies::from_request(&req));
    let mut context = Context::new();
    context.insert("cookie_visits", &cookie_record.map(|r| r.visits));
    context.insert("session_visits", &session.visit_record().map(|r| r.visits));
    context.insert("num_visits", &session.num_visits());
    context.insert("backend", &state.session.backend_label);
    state.templates.page(StatusCode::OK, "home.html", &context)
}

/// A stateless page through the same base template: the benchmark's ceiling, like the Django
/// peer's `/hello/`.
#[get("/hello/")]
pub async fn hello(state: web::Data<AppState>) -> Result<HttpResponse, RenderError> {
    state
        .templates
        .page(StatusCode::OK, "hello.html", &Context::new())
}
