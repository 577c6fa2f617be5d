use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use cookies_vs_sessions::clock::SystemClock;
use cookies_vs_sessions::config::{Cli, Command};
use cookies_vs_sessions::session_store::{Database, clear_expired};
use cookies_vs_sessions::startup::Application;
use cookies_vs_sessions::telemetry;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
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
            tracing::info!(port = app.port(), "listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate(database) => {
            let applied = Database::migrate(&database.database_url).await?;
            match applied.as_slice() {
                [] => println!("No migrations to apply."),
                versions => println!("Applied migrations: {}", versions.join(", ")),
            }
        }
        Command::Clearsessions(settings) => {
            let database =
                Database::connect(&settings.database_url, settings.database_pool_size.into())
                    .await?;
            let deleted = clear_expired(&database).await?;
            println!("Deleted {deleted} expired sessions.");
        }
    }
    Ok(())
}
