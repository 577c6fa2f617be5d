use std::process::ExitCode;
use std::sync::Arc;

use actix_session_diesel::DieselSessionStore;
use clap::Parser;
use cookies_vs_sessions::clock::SystemClock;
use cookies_vs_sessions::config::{Cli, Command};
use cookies_vs_sessions::startup::Application;
use cookies_vs_sessions::telemetry;

/// glibc's malloc and free were a tenth of a `/session/` request's CPU (a page is built from many
/// small strings and JSON values): mimalloc cut the CPU per request by 10-15 % on both the SQLite
/// and the signed-cookie backends (six alternating pairs of runs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli.command()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(settings) => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            tracing::info!(instance = app.instance(), "listening on {}", app.url());
            tokio::spawn(stop_on_signals(app.handle()));
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate(database) => {
            let applied = actix_session_diesel::migrate(&database.database_url).await?;
            match applied.as_slice() {
                [] => println!("No migrations to apply."),
                versions => println!("Applied migrations: {}", versions.join(", ")),
            }
        }
        Command::Clearsessions(settings) => {
            let store = DieselSessionStore::builder(settings.database_url)
                .pool_size(settings.database_pool_size.into())
                .build()
                .await?;
            let deleted = store.clear_expired().await?;
            println!("Deleted {deleted} expired sessions.");
        }
    }
    Ok(())
}

/// Ctrl-C (SIGINT) and SIGTERM both stop the server gracefully: it stops accepting, lets the
/// requests in flight finish and save their sessions, then exits. A second signal stops it at once.
async fn stop_on_signals(server: actix_web::dev::ServerHandle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for signals; stop the server with SIGKILL");
        return;
    };
    next_stop_signal(&mut interrupt, &mut terminate).await;
    tracing::info!("stopping: finishing the requests in flight (signal again to stop at once)");
    let graceful = server.stop(true);
    tokio::select! {
        () = graceful => {}
        () = next_stop_signal(&mut interrupt, &mut terminate) => server.stop(false).await,
    }
}

/// Resolves at the next SIGINT or SIGTERM.
async fn next_stop_signal(
    interrupt: &mut tokio::signal::unix::Signal,
    terminate: &mut tokio::signal::unix::Signal,
) {
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}
