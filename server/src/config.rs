//! Runtime configuration: one typed struct, read once from flags and the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

use crate::{secret::Secret, security::client_ip::TrustedProxies};

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
    database_url: Option<Secret<String>>,

    /// Where images are stored: `s3://bucket[/prefix]` (endpoint, region and credentials from
    /// the standard `AWS_*` variables) or `file:///directory`; defaults to `<data dir>/objects`.
    #[arg(long, env = "IMGBATCH_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

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

    /// Whether anyone may create an account (`open`) or only administrators, with
    /// `imgbatch user add` (`closed`).
    #[arg(long, env = "IMGBATCH_REGISTRATION", value_enum, default_value_t = Registration::Open, global = true)]
    pub registration: Registration,

    /// How many times an owner may re-run one failed task by hand (each re-run is free).
    #[arg(
        long,
        env = "IMGBATCH_MANUAL_RETRIES",
        default_value_t = 3,
        global = true
    )]
    pub manual_retries: i64,

    /// The address browsers use, e.g. `https://photos.example.com`. With `https` the session
    /// cookie is `Secure` (`__Host-` prefixed) and pages send HSTS; state changes must come from
    /// exactly this origin.
    #[arg(long, env = "IMGBATCH_PUBLIC_URL", global = true, value_parser = parse_public_url)]
    pub public_url: Option<http::Uri>,

    /// Optional TOML file with a `[[models]]` list (`id`, `name`, `provider`, `upstream_model`).
    #[arg(long, env = "IMGBATCH_CONFIG", global = true)]
    pub config_file: Option<PathBuf>,

    /// Base URL of an OpenAI-compatible images API, e.g. `https://api.openai.com/v1`.
    #[arg(long, env = "IMGBATCH_OPENAI_BASE_URL", global = true)]
    pub openai_base_url: Option<String>,

    /// The system API key for the OpenAI-compatible API.
    #[arg(
        long,
        env = "IMGBATCH_OPENAI_API_KEY",
        global = true,
        hide_env_values = true
    )]
    pub openai_api_key: Option<Secret<String>>,

    /// Model id offered for the OpenAI-compatible API.
    #[arg(
        long,
        env = "IMGBATCH_OPENAI_MODEL",
        default_value = "gpt-image-1",
        global = true
    )]
    pub openai_model: String,

    /// Output size requested from the OpenAI-compatible API.
    #[arg(
        long,
        env = "IMGBATCH_OPENAI_SIZE",
        default_value = "1024x1024",
        global = true
    )]
    pub openai_size: String,

    /// Base URL of a Stable Diffusion WebUI (AUTOMATIC1111 / Forge), e.g. `http://127.0.0.1:7860`.
    #[arg(long, env = "IMGBATCH_SDWEBUI_BASE_URL", global = true)]
    pub sdwebui_base_url: Option<String>,

    /// How long the built-in demo provider works on one image, in milliseconds.
    #[arg(
        long,
        env = "IMGBATCH_DEMO_DELAY_MS",
        default_value_t = 1500,
        global = true
    )]
    pub demo_delay_ms: u64,

    /// Seconds a request may take to be answered (uploads excepted), and that a request body may
    /// go quiet; past it the answer is 503 or the upload is dropped.
    #[arg(
        long,
        env = "IMGBATCH_REQUEST_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Days after which a finished batch is deleted with its images (checked hourly); batches are
    /// kept for good when unset.
    #[arg(
        long,
        env = "IMGBATCH_RETENTION_DAYS",
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub retention_days: Option<u64>,

    /// Megabytes of images (originals and results) one user's batches may keep; an upload past it
    /// is refused with 413.
    #[arg(
        long,
        env = "IMGBATCH_STORAGE_QUOTA_MB",
        default_value_t = 2048,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub storage_quota_mb: u64,

    /// Uploads one account may send at once (429 past it).
    #[arg(
        long,
        env = "IMGBATCH_UPLOADS_PER_USER",
        default_value_t = 2,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub uploads_per_user: u64,

    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks,
    /// comma-separated); nobody's by default.
    #[arg(
        long,
        env = "IMGBATCH_TRUSTED_PROXIES",
        default_value = "",
        hide_default_value = true,
        global = true
    )]
    pub trusted_proxies: TrustedProxies,

    /// Live progress streams one account may have open at once (429 past it).
    #[arg(
        long,
        env = "IMGBATCH_STREAMS_PER_USER",
        default_value_t = 8,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub streams_per_user: u64,

    /// Live progress streams the server keeps open at once, for everyone (429 past it).
    #[arg(
        long,
        env = "IMGBATCH_STREAMS_TOTAL",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub streams_total: u64,

    /// Seconds before a provider call is given up (and retried).
    #[arg(
        long,
        env = "IMGBATCH_PROVIDER_TIMEOUT",
        default_value_t = 120,
        global = true
    )]
    pub provider_timeout_secs: u64,

    /// First retry delay in milliseconds; each further retry doubles it (with jitter).
    #[arg(
        long,
        env = "IMGBATCH_RETRY_BASE_MS",
        default_value_t = 2000,
        global = true
    )]
    pub retry_base_ms: u64,

    /// Milliseconds between the dispatcher's looks for work and for cancels made elsewhere when
    /// nothing tells it; defaults to 500 on SQLite and 2000 on PostgreSQL, whose processes tell
    /// each other at once (`LISTEN`/`NOTIFY`).
    #[arg(long, env = "IMGBATCH_QUEUE_POLL_MS", global = true)]
    pub queue_poll_ms: Option<u64>,

    /// Seconds a claimed task stays leased without a heartbeat before another worker may take it.
    #[arg(long, env = "IMGBATCH_LEASE_SECS", default_value_t = 30, global = true)]
    pub lease_secs: u64,

    /// Base64 of the 32-byte key that encrypts users' API keys; defaults to `<data dir>/secret.key`,
    /// created on first start.
    #[arg(
        long,
        env = "IMGBATCH_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<Secret<String>>,

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
            Some(url) => url.expose().clone(),
            None => format!("sqlite://{}", self.data_dir.join("imgbatch.db").display()),
        })
    }

    /// How often the queue looks without being told (see `queue_poll_ms`).
    pub fn queue_poll(&self, backend: crate::db::Backend) -> Duration {
        let default = match backend {
            crate::db::Backend::Sqlite => 500,
            crate::db::Backend::Postgres => 2_000,
        };
        Duration::from_millis(self.queue_poll_ms.unwrap_or(default).clamp(50, 600_000))
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }
}

/// An `http` or `https` URL with a host.
fn parse_public_url(value: &str) -> Result<http::Uri, String> {
    let url: http::Uri = value
        .trim()
        .parse()
        .map_err(|e| format!("not a URL: {e}"))?;
    match (url.scheme_str(), url.host()) {
        (Some("http" | "https"), Some(_)) => Ok(url),
        _ => Err("give the address browsers use, e.g. https://photos.example.com".into()),
    }
}

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Registration {
    /// Anyone, from the sign-in page or `POST /api/auth/register`.
    Open,
    /// Only administrators, with the CLI.
    Closed,
}
