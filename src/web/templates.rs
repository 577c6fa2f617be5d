//! Tera templates, compiled into the binary so it runs from any directory.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tera::{Context, Tera};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("counter.html", include_str!("../../templates/counter.html")),
    ("about.html", include_str!("../../templates/about.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("hello.html", include_str!("../../templates/hello.html")),
    (
        "inspector.html",
        include_str!("../../templates/inspector.html"),
    ),
];

pub struct Templates(Tera);

/// A template failed to render: our bug, never the visitor's, so it is logged where it happens.
#[derive(Debug, thiserror::Error)]
#[error("the page could not be rendered")]
pub struct RenderError;

impl ResponseError for RenderError {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .content_type(ContentType::plaintext())
            .body("The page could not be rendered.")
    }
}

impl Templates {
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Self(tera))
    }

    /// Renders template `name` from a page's typed context.
    pub fn render(&self, name: &str, page: &impl Serialize) -> Result<String, RenderError> {
        let context = Context::from_serialize(page).map_err(|error| {
            tracing::error!(template = name, error = ?error, "page context does not serialise");
            RenderError
        })?;
        self.0.render(name, &context).map_err(|error| {
            tracing::error!(template = name, error = ?error, "template failed to render");
            RenderError
        })
    }

    /// A whole page with the given status, for answers that set no cookie.
    pub fn page(
        &self,
        status: StatusCode,
        name: &str,
        page: &impl Serialize,
    ) -> Result<HttpResponse, RenderError> {
        let html = self.render(name, page)?;
        Ok(HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(html))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        Templates::load().expect("templates should parse");
    }
}
