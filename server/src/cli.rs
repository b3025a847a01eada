//! The `imgbatch` command line: serve (default), migrate and user administration.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{Result, accounts::Accounts, config::Config, startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "imgbatch",
    version,
    about = "Batch image-to-image generation server"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server and the queue (the default).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write the REST API's OpenAPI document (the one served at /api/openapi.json) to stdout.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        name: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        admin: bool,
        #[arg(long, default_value_t = 0)]
        credits: i64,
    },
    /// Add AMOUNT credits (negative to take some away; the balance stops at zero).
    Credits {
        name: String,
        #[arg(allow_hyphen_values = true)]
        amount: i64,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, details = ?error, "imgbatch failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            startup::Application::build(&config)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Openapi => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", crate::rest::openapi::json())
                .map_err(|e| crate::Error::Internal(format!("cannot write the document: {e}")))
        }
        Command::Migrate => {
            startup::open_database(&config).await?;
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::User(command) => {
            let db = startup::open_database(&config).await?;
            let accounts = Accounts::new(db, config.signup_credits, config.token_ttl());
            match command {
                UserCommand::Add {
                    name,
                    password,
                    admin,
                    credits,
                } => {
                    let user = accounts
                        .create_user(&name, &password, admin, credits)
                        .await?;
                    tracing::info!(
                        id = user.id,
                        username = %user.username,
                        is_admin = user.is_admin,
                        credits = user.credits,
                        "user created"
                    );
                }
                UserCommand::Credits { name, amount } => {
                    let user = accounts.grant_credits(&name, amount, "admin grant").await?;
                    tracing::info!(
                        username = %user.username,
                        credits = user.credits,
                        "credits updated"
                    );
                }
            }
            Ok(())
        }
    }
}
