//! Runtime configuration: one typed struct, read once from flags and the environment.

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value; call only where it is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "IMGBATCH_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Directory for the database and stored images.
    #[arg(
        long,
        env = "IMGBATCH_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL; defaults to `sqlite://<data dir>/imgbatch.db`.
    #[arg(
        long,
        env = "IMGBATCH_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Credits a newly registered user starts with.
    #[arg(
        long,
        env = "IMGBATCH_SIGNUP_CREDITS",
        default_value_t = 20,
        global = true
    )]
    pub signup_credits: i64,

    /// Seconds a login session or API token stays valid.
    #[arg(long, env = "IMGBATCH_TOKEN_TTL", default_value_t = 30 * 24 * 3600, global = true)]
    pub token_ttl_secs: u64,

    /// Directory holding the compiled site (`pkg/` with the WebAssembly, JS and CSS).
    #[arg(
        long,
        env = "IMGBATCH_SITE_DIR",
        default_value = "target/site",
        global = true
    )]
    pub site_dir: PathBuf,

    /// Log format: `pretty` for people, `json` for log collectors.
    #[arg(
        long,
        env = "IMGBATCH_LOG_FORMAT",
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Config {
    /// The database URL, derived from the data directory unless given.
    pub fn database_url(&self) -> Secret<String> {
        Secret::new(match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("imgbatch.db").display()),
        })
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }
}
