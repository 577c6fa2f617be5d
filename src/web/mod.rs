//! Web plumbing shared by every page: request limits, security headers, the error page, templates,
//! and the cookies a request carried.

pub mod deferred_page;
pub mod error_page;
pub mod headers;
pub mod limits;
pub mod origin;
pub mod request_cookies;
pub mod static_files;
pub mod templates;
