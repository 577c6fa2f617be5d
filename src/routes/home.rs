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
