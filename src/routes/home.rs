use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use tera::Context;

use crate::state::AppState;
use crate::templates::RenderError;

#[get("/")]
pub async fn home(state: web::Data<AppState>) -> Result<HttpResponse, RenderError> {
    state
        .templates
        .page(StatusCode::OK, "home.html", &Context::new())
}

/// A stateless page through the same base template: the benchmark's ceiling, like the Django
/// peer's `/hello/`.
#[get("/hello/")]
pub async fn hello(state: web::Data<AppState>) -> Result<HttpResponse, RenderError> {
    state
        .templates
        .page(StatusCode::OK, "hello.html", &Context::new())
}
