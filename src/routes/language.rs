//! The language switch in every page's header: the choice is kept in the `lang` preference
//! cookie, which then wins over the browser's `Accept-Language`.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, Resource, web};
use serde::Deserialize;

use crate::i18n::{LANG_COOKIE, Lang};
use crate::views::ErrorPage;
use crate::web::error_page::error_page;
use crate::web::templates::{PageFrame, RenderError, Templates};

/// A preference outlives the counters: a year.
const LANG_COOKIE_AGE: Duration = Duration::days(365);

#[derive(Debug, Deserialize)]
pub struct LanguageChoice {
    #[serde(default)]
    lang: String,
    /// The page the visitor was on, to go back to.
    #[serde(default)]
    next: String,
}

/// `POST /lang`: takes `lang` and `next`; any other method gets 405.
pub fn resource() -> Resource {
    super::form_target("/lang", choose_language).app_data(web::FormConfig::default().error_handler(
        |error, req| {
            let templates = req.app_data::<web::Data<Templates>>();
            let page = error_page(
                templates,
                &PageFrame::of(req),
                StatusCode::BAD_REQUEST,
                UNKNOWN,
            );
            InternalError::from_response(error, page).into()
        },
    ))
}

const UNKNOWN: ErrorPage = ErrorPage::named(
    "error-unknown-language-title",
    "error-unknown-language-message",
);

/// Keeps the chosen language in the `lang` cookie and goes back to the page (303). A language we
/// do not have gets 400, in the language the visitor reads now.
async fn choose_language(
    req: HttpRequest,
    form: web::Form<LanguageChoice>,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, RenderError> {
    let Some(lang) = Lang::from_tag(&form.lang) else {
        return templates.page(
            &PageFrame::of(&req),
            StatusCode::BAD_REQUEST,
            "error.html",
            &UNKNOWN,
        );
    };
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(LANG_COOKIE_AGE)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, local_path(&form.next)))
        .cookie(cookie)
        .finish())
}

/// `next` if it is an address on this site, else the home page: the switch must not become a way
/// to send visitors elsewhere (`//evil.example/`, `https://…`, a header-breaking byte).
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic());
    if local { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_addresses_are_followed() {
        assert_eq!(local_path("/cookie/about/"), "/cookie/about/");
        for elsewhere in [
            "",
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/a\r\nb",
            "cookie/",
        ] {
            assert_eq!(local_path(elsewhere), "/", "{elsewhere:?}");
        }
    }
}
