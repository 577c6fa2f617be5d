//! Command line and environment settings. Every option has an environment fallback.

use chrono::TimeDelta;
use clap::{Args, Parser, Subcommand};

pub const DEFAULT_BIND: &str = "127.0.0.1:8000";
pub const DEFAULT_VISIT_PERIOD: &str = "1d";
/// Django's default cookie and session age.
pub const TWO_WEEKS_IN_SECONDS: u32 = 1_209_600;

#[derive(Debug, Parser)]
#[command(
    name = "cookies-vs-sessions",
    version,
    about = "Client cookies and server-side sessions side by side: the Rango visit counter two ways.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Settings for `serve` when no subcommand is given.
    #[command(flatten)]
    serve: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web site (the default when no subcommand is given).
    Serve(Settings),
}

impl Cli {
    /// The subcommand to run; `serve` when none was named.
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "BIND", default_value = DEFAULT_BIND)]
    pub bind: String,

    /// How long after a counted visit the next one counts, as a human duration (`24h`, `10s`, `1d`).
    #[arg(long, env = "VISIT_PERIOD", default_value = DEFAULT_VISIT_PERIOD, value_parser = parse_period)]
    pub visit_period: TimeDelta,

    /// Max-Age of the `visits` and `last_visit` cookies, in seconds (two weeks, as Django's default).
    #[arg(long, env = "COOKIE_AGE", default_value_t = TWO_WEEKS_IN_SECONDS)]
    pub cookie_age: u32,
}

pub fn parse_period(text: &str) -> Result<TimeDelta, String> {
    let period = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    TimeDelta::from_std(period).map_err(|_| format!("{text} is too long a period"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_subcommand_means_serve_with_the_documented_defaults() {
        let Command::Serve(settings) = Cli::try_parse_from(["cookies-vs-sessions"])
            .unwrap()
            .command();
        assert_eq!(settings.bind, "127.0.0.1:8000");
        assert_eq!(settings.visit_period, TimeDelta::days(1));
        assert_eq!(settings.cookie_age, 1_209_600);
    }

    #[test]
    fn visit_period_takes_human_durations() {
        let cli = Cli::try_parse_from(["cookies-vs-sessions", "serve", "--visit-period", "10s"]);
        let Command::Serve(settings) = cli.unwrap().command();
        assert_eq!(settings.visit_period, TimeDelta::seconds(10));
        assert!(parse_period("1d").is_ok_and(|p| p == TimeDelta::days(1)));
        assert!(parse_period("ten seconds").is_err());
        assert!(parse_period("-3s").is_err());
    }
}
