//! The stylesheet, the inspector's script and the icon, compiled into the binary: a copied binary
//! serves a styled site from any directory.

use actix_web::http::header::{CACHE_CONTROL, ContentType, HeaderValue};
use actix_web::{HttpResponse, get, web};

/// Each file under `/static/`: its name, media type and contents.
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/style.css"),
    ),
    (
        "inspector.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/inspector.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

/// `GET /static/{name}`; an unknown name falls through to the site's 404 page.
#[get("/static/{name}")]
pub async fn file(name: web::Path<String>) -> Option<HttpResponse> {
    let (_, media_type, body) = FILES.iter().find(|(file, ..)| *file == name.as_str())?;
    let media_type = media_type.parse().ok().map(ContentType)?;
    Some(
        HttpResponse::Ok()
            .content_type(media_type)
            // Revalidated on each use: they change with the binary, and they are small.
            .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")))
            .body(*body),
    )
}
