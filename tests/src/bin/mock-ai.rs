//! Runs the mock AI image server stand-alone, for trying `imgbatch` by hand or benchmarking it.
//!
//! Usage: `mock-ai [--port N] [--latency-ms N] [--jitter F]`

use std::{net::SocketAddr, process::ExitCode, str::FromStr, time::Duration};

use integration_tests::mock_ai::MockAi;

const USAGE: &str = "usage: mock-ai [--port N] [--latency-ms N] [--jitter F]\n\
    \n  --port N        port to listen on, 0 for any free one (default 0)\
    \n  --latency-ms N  mean time every call takes (default 0)\
    \n  --jitter F      latency spread, e.g. 0.2 for ±20 % (default 0)";

struct Options {
    port: u16,
    latency_ms: u64,
    jitter: f64,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        latency_ms: 0,
        jitter: 0.0,
    };
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => options.port = parse(&flag, &value)?,
            "--latency-ms" => options.latency_ms = parse(&flag, &value)?,
            "--jitter" => options.jitter = parse(&flag, &value)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

fn parse<T: FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("invalid value for {flag}: {value}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("mock-ai: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let mock = match MockAi::start_on(SocketAddr::from(([127, 0, 0, 1], options.port))).await {
        Ok(mock) => mock,
        Err(err) => {
            eprintln!("mock-ai: cannot listen on port {}: {err}", options.port);
            return ExitCode::FAILURE;
        }
    };
    mock.set_latency(Duration::from_millis(options.latency_ms), options.jitter);
    eprintln!("mock-ai listening on {}", mock.base_url());
    eprintln!("  OpenAI base URL:  {}", mock.openai_base());
    eprintln!("  SD WebUI base URL: {}", mock.base_url());
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("mock-ai: cannot wait for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    eprintln!("mock-ai: stopping after {} calls", mock.calls());
    ExitCode::SUCCESS
}
