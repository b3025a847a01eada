//! Helpers for the end-to-end tests: start the real `imgbatch` binary on a random port against a
//! fresh data directory, and talk to it over HTTP.

pub mod database;
pub mod mock_ai;
pub mod s3;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

pub use database::{Backend, TestDir};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

/// The server binary under test: `IMGBATCH_BIN`, else the release build of this workspace.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("IMGBATCH_BIN") {
        return PathBuf::from(path);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/imgbatch");
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo leptos build --release` (or `make test`)",
        path.display()
    );
    path
}

/// A running server process with its own data directory.
pub struct TestServer {
    child: Child,
    pub base_url: String,
    /// Shared by every instance started over it; removed when the last one is dropped.
    pub data_dir: Arc<TestDir>,
    /// The first administrator's password, read from the server's first-start banner.
    pub admin_password: String,
    pub client: Client,
}

impl TestServer {
    /// Starts a server with default settings.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a server with extra environment variables.
    pub async fn start_with(env: &[(&str, &str)]) -> Self {
        Self::start_in(TestDir::new().await, env).await
    }

    /// Starts another instance over this one's data directory: the same database and files, as
    /// several processes behind one load balancer share them.
    pub async fn start_beside(&self, env: &[(&str, &str)]) -> Self {
        Self::start_in(self.data_dir.clone(), env).await
    }

    /// Starts a server over an existing data directory (e.g. after a restart).
    pub async fn start_in(data_dir: impl Into<Arc<TestDir>>, env: &[(&str, &str)]) -> Self {
        let data_dir = data_dir.into();
        // Only a new database prints the first admin's password.
        let fresh = data_dir.first_use();
        let mut command = Command::new(server_binary());
        command
            .arg("serve")
            .env("IMGBATCH_ADDR", "127.0.0.1:0")
            .env("IMGBATCH_DATA_DIR", data_dir.path())
            .env("IMGBATCH_DATABASE_URL", data_dir.database_url())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start the server binary");
        let lines = forward_output(&mut child);
        let (base_url, admin_password) = wait_until_listening(lines, fresh).await;
        Self {
            child,
            base_url,
            data_dir,
            admin_password,
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request to `path`, authenticated with `token` when given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request and returns its status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut builder = self.request(method, path, token);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        json_response(builder).await
    }

    /// Registers `username` and returns the token.
    pub async fn register(&self, username: &str, password: &str) -> String {
        let body = json!({ "username": username, "password": password });
        let (status, body) = self
            .call(Method::POST, "/api/auth/register", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {username}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Logs in and returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let body = json!({ "username": username, "password": password });
        let (status, body) = self
            .call(Method::POST, "/api/auth/login", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A token of the first administrator.
    pub async fn admin_token(&self) -> String {
        let password = self.admin_password.clone();
        self.login("admin", &password).await
    }

    /// Runs the binary's CLI against this server's data directory.
    pub async fn cli(&self, args: &[&str]) -> std::process::Output {
        run_cli(&self.data_dir, args).await
    }

    /// Opens the server's database directly, to check invariants the API does not show.
    pub async fn database(&self) -> sqlx::AnyPool {
        self.data_dir.connect().await
    }

    /// Asks the process to stop (SIGTERM), waits for it to exit (at most `timeout`) and hands
    /// back the data directory.
    pub async fn terminate(mut self, timeout: Duration) -> Arc<TestDir> {
        let pid = self.child.id().expect("running server").to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "SIGTERM sent");
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .expect("the server stops within the timeout")
            .expect("exit status");
        assert!(status.success(), "a clean exit: {status}");
        self.data_dir
    }

    /// Kills the process at once (SIGKILL) and hands back the data directory.
    pub async fn kill(mut self) -> Arc<TestDir> {
        let _ = self.child.kill().await;
        self.data_dir
    }

    /// Sends a signal (`STOP`, `CONT`, …) to the process.
    pub async fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running server").to_string();
        let sent = Command::new("kill")
            .args([format!("-{name}"), pid])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "SIG{name} sent");
    }

    /// The prefix of the lease owner this process writes on the tasks it holds.
    pub fn lease_owner_prefix(&self) -> String {
        format!("{}-", self.pid().expect("running server"))
    }
}

/// Runs `imgbatch ARGS` with `data_dir` and waits for it.
pub async fn run_cli(data_dir: &TestDir, args: &[&str]) -> std::process::Output {
    data_dir.first_use();
    Command::new(server_binary())
        .args(args)
        .env("IMGBATCH_DATA_DIR", data_dir.path())
        .env("IMGBATCH_DATABASE_URL", data_dir.database_url())
        .output()
        .await
        .expect("run the CLI")
}

/// Sends a request and returns its status and JSON body (`Null` when the body is not JSON).
pub async fn json_response(builder: RequestBuilder) -> (StatusCode, Value) {
    let response = builder.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.expect("response body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts the API's error shape and returns the message.
pub fn error_message(body: &Value) -> &str {
    assert_eq!(body["success"], json!(false), "not an error body: {body}");
    let message = body["error"].as_str().expect("error message");
    assert!(!message.is_empty(), "empty error message");
    message
}

/// Copies the child's stdout and stderr lines into a channel (and to this test's output).
fn forward_output(child: &mut Child) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    if let Some(stdout) = child.stdout.take() {
        spawn_reader(BufReader::new(stdout), tx.clone());
    }
    if let Some(stderr) = child.stderr.take() {
        spawn_reader(BufReader::new(stderr), tx);
    }
    rx
}

fn spawn_reader<R>(reader: BufReader<R>, tx: mpsc::UnboundedSender<String>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut lines = reader.lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("[server] {line}");
            let _ = tx.send(line);
        }
    });
}

async fn wait_until_listening(
    mut lines: mpsc::UnboundedReceiver<String>,
    expect_banner: bool,
) -> (String, String) {
    let mut admin_password = String::new();
    let mut base_url = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    // stdout (logs) and stderr (the banner) arrive through separate pipes, in either order.
    while base_url.is_none() || (expect_banner && admin_password.is_empty()) {
        let line = tokio::time::timeout_at(deadline, lines.recv())
            .await
            .expect("the server did not start within 30 s")
            .expect("the server exited before listening");
        if let Some(password) = line.trim().strip_prefix("password: ") {
            admin_password = password.trim().to_owned();
        }
        if let Some(index) = line.find("listening on http://") {
            base_url = Some(line[index + "listening on ".len()..].trim().to_owned());
        }
    }
    // Keep draining so the server never blocks on a full pipe.
    tokio::spawn(async move { while lines.recv().await.is_some() {} });
    (base_url.unwrap_or_default(), admin_password)
}

pub mod fixtures;

impl TestServer {
    /// Creates a batch and returns its id, asserting success.
    pub async fn create_batch(
        &self,
        token: &str,
        files: &[(&str, Vec<u8>)],
        prompt: &str,
        model: &str,
    ) -> i64 {
        let (status, body) = self.try_create_batch(token, files, prompt, model).await;
        assert_eq!(status, StatusCode::OK, "create batch: {body}");
        body["queueId"].as_i64().expect("queueId")
    }

    /// Sends a create request and returns the status and body.
    pub async fn try_create_batch(
        &self,
        token: &str,
        files: &[(&str, Vec<u8>)],
        prompt: &str,
        model: &str,
    ) -> (StatusCode, Value) {
        let form = fixtures::batch_form(files, prompt, model);
        json_response(
            self.request(Method::POST, "/api/batch/create", Some(token))
                .multipart(form),
        )
        .await
    }

    /// The batch with its tasks.
    pub async fn queue(&self, token: &str, queue_id: i64) -> Value {
        let (status, body) = self
            .call(
                Method::GET,
                &format!("/api/batch/queue/{queue_id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].clone()
    }

    /// Polls until the batch is no longer pending or processing (at most `timeout`).
    pub async fn wait_finished(&self, token: &str, queue_id: i64, timeout: Duration) -> Value {
        self.wait_for(token, queue_id, timeout, |q| {
            !matches!(
                q["queue"]["status"].as_str(),
                Some("pending" | "processing")
            )
        })
        .await
    }

    /// Polls until `done` holds for the batch detail (at most `timeout`).
    pub async fn wait_for(
        &self,
        token: &str,
        queue_id: i64,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let detail = self.queue(token, queue_id).await;
            if done(&detail) {
                return detail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "batch {queue_id} did not get there in {timeout:?}: {detail:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The caller's balance.
    pub async fn credits(&self, token: &str) -> i64 {
        let (_, me) = self
            .call(Method::GET, "/api/auth/me", Some(token), None)
            .await;
        me["data"]["credits"].as_i64().expect("credits")
    }

    /// Rows in a table, to prove a rejected request created nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let db = self.database().await;
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&db)
            .await
            .expect("count");
        n
    }

    /// Files under the storage directory.
    pub fn stored_files(&self) -> usize {
        files_under(&self.data_dir.path().join("objects"))
    }

    /// Deletes a batch as `token`'s user; the status and JSON body.
    pub async fn delete_batch(&self, token: &str, queue_id: i64) -> (StatusCode, Value) {
        self.call(
            Method::DELETE,
            &format!("/api/batch/queue/{queue_id}"),
            Some(token),
            None,
        )
        .await
    }

    /// Sets the global concurrency as admin.
    pub async fn set_concurrency(&self, admin: &str, limit: u32) {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/admin/config/concurrency",
                Some(admin),
                Some(json!({ "concurrency": limit })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// One Server-Sent Event: its name, its id (0 without one) and its data (JSON when it parses,
/// else the text).
pub type SseEvent = (String, u64, Value);

/// Reads a Server-Sent Events response until the server closes it or `deadline` passes; the
/// events in order, and whether the server closed the stream.
pub async fn read_events(
    response: reqwest::Response,
    deadline: tokio::time::Instant,
) -> (Vec<SseEvent>, bool) {
    use futures::StreamExt;
    let mut stream = response.bytes_stream();
    let (mut buffer, mut events) = (String::new(), Vec::new());
    loop {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(chunk)) => chunk.expect("chunk"),
            Ok(None) => return (events, true),
            Err(_) => return (events, false),
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
            };
            let (Some(kind), Some(data)) = (field("event:"), field("data:")) else {
                continue;
            };
            let seq = field("id:").map_or(0, |id| id.parse().expect("numeric id"));
            let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
            events.push((kind, seq, data));
        }
    }
}

/// Files under `dir`, at any depth (0 when it does not exist).
pub fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() { files_under(&path) } else { 1 }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The system API key the tests configure for the OpenAI-compatible provider.
pub const SYSTEM_KEY: &str = "sk-system";

/// Server environment that points the OpenAI-compatible provider at a mock's `base` URL with
/// [`SYSTEM_KEY`], followed by `extra`.
pub fn openai_env<'a>(base: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("IMGBATCH_OPENAI_BASE_URL", base),
        ("IMGBATCH_OPENAI_API_KEY", SYSTEM_KEY),
    ];
    env.extend_from_slice(extra);
    env
}
