//! Logs go to stderr: one line per request (method, path, status, time taken, request id), plus
//! whatever the handlers warn about, tagged with the same request id.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use clap::ValueEnum;
use tracing::Instrument as _;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event; coloured only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Installs the global subscriber; `RUST_LOG` overrides the default: `info`, but only warnings
/// from actix-server, whose start and stop chatter would drown the site's own lines.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

/// Request ids: this process's random tag, then a counter (`3f9c02aa-17`). Unique across
/// instances, short enough to grep, and in order within one process.
pub struct RequestIds {
    instance: String,
    next: AtomicU64,
}

impl RequestIds {
    pub fn new() -> Self {
        Self {
            instance: format!("{:08x}", rand::random::<u32>()),
            next: AtomicU64::new(1),
        }
    }

    /// This process's tag, the part every one of its request ids starts with.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.instance)
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

/// Sent back with every response, so a visitor's report can be matched to its log line.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Runs the request inside a span carrying its id, then logs one line for it.
pub async fn log_request(
    ids: Arc<RequestIds>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = ids.next();
    let span = tracing::info_span!("request", id = %id);
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let started = Instant::now();
    async move {
        let result = next.call(req).await;
        let status = match &result {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        let millis = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!("{method} {path} {} {millis:.1} ms", status.as_u16());
        result.map(|mut response| {
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            response
        })
    }
    .instrument(span)
    .await
}
