//! A real S3-compatible server for the storage tests: moto's server mode, installed by
//! `scripts/setup.sh`, started on a free loopback port for one test.

use std::{path::PathBuf, process::Stdio, time::Duration};

use reqwest::{Client, StatusCode};
use tokio::process::{Child, Command};

/// The `moto_server` executable: `IMGBATCH_MOTO_SERVER`, else the one `scripts/setup.sh`
/// installs under the user's cache directory.
fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("IMGBATCH_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME is set");
    let installed = std::fs::read_dir(cache.join("imgbatch"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin/moto_server"))
        .filter(|path| path.exists())
        .max();
    installed.expect("moto_server is missing: run scripts/setup.sh (it installs moto[server])")
}

/// A running moto server; stopped when dropped.
pub struct S3Server {
    _child: Child,
    pub endpoint: String,
    client: Client,
}

impl S3Server {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start moto_server");
        let server = Self {
            _child: child,
            endpoint: format!("http://127.0.0.1:{port}"),
            client: Client::new(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while server.client.get(&server.endpoint).send().await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "moto_server did not answer within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    /// Creates a bucket (moto checks no signature).
    pub async fn create_bucket(&self, bucket: &str) {
        let response = self
            .client
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .expect("create bucket");
        assert_eq!(response.status(), StatusCode::OK, "create bucket {bucket}");
    }

    /// Every key in `bucket`.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let body = self
            .client
            .get(format!(
                "{}/{bucket}?list-type=2&max-keys=1000",
                self.endpoint
            ))
            .send()
            .await
            .expect("list bucket")
            .text()
            .await
            .expect("listing");
        body.split("<Key>")
            .skip(1)
            .filter_map(|part| part.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect()
    }

    /// The server environment that stores images in `bucket` under `prefix` here.
    pub fn env(&self, url: &str) -> Vec<(String, String)> {
        [
            ("IMGBATCH_STORAGE_URL", url),
            ("AWS_ENDPOINT", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}
