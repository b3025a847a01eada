//! Time limits: a request stuck behind a locked database is answered 503 at the request timeout
//! (not at the database's own wait, nor never), and an upload whose body goes quiet is dropped,
//! keeping nothing.

use std::time::Duration;

use integration_tests::{Backend, TestServer, error_message, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::test]
async fn a_request_stuck_on_a_locked_database_is_answered_503_in_time() {
    let server = TestServer::start_with(&[("IMGBATCH_REQUEST_TIMEOUT", "1")]).await;
    let users = server.count("users").await;

    // Another process holds the write lock (SQLite waits up to 10 s for it; PostgreSQL as long
    // as the lock is held).
    let db = server.database().await;
    let mut lock = db.acquire().await.expect("connection");
    let take_lock: &[&str] = match server.data_dir.backend() {
        Backend::Sqlite => &["BEGIN IMMEDIATE"],
        Backend::Postgres => &["BEGIN", "LOCK TABLE users IN EXCLUSIVE MODE"],
    };
    for statement in take_lock {
        sqlx::query(sqlx::AssertSqlSafe(*statement))
            .execute(&mut *lock)
            .await
            .expect("take the write lock");
    }

    let body = json!({ "username": "patient", "password": "password123" });
    let (status, answer) = server
        .call(Method::POST, "/api/auth/register", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(
        error_message(&answer),
        "the server took too long to answer, please try again"
    );

    // The page's server function gets the same refusal in its own error encoding.
    let answer = server
        .request(Method::POST, "/rpc/register", None)
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", "patient"), ("password", "password123")])
        .send()
        .await
        .expect("server function");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.text().await.expect("body"), "\"TimedOut\"");

    sqlx::query("ROLLBACK")
        .execute(&mut *lock)
        .await
        .expect("release");
    drop(lock);
    assert_eq!(server.count("users").await, users, "nothing was created");
    let (status, _) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_upload_that_goes_quiet_is_dropped_and_keeps_nothing() {
    let server = TestServer::start_with(&[("IMGBATCH_REQUEST_TIMEOUT", "1")]).await;
    let token = server.register("slow", "password123").await;
    let credits = server.credits(&token).await;

    // A multipart upload that announces far more than it sends, then sends nothing more.
    let boundary = "quiet-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nsepia\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ndemo\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    let mut sent = head.into_bytes();
    let png = fixtures::png();
    sent.extend_from_slice(&png[..png.len().min(200)]);
    let address = server.url("").trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    let request = format!(
        "POST /api/batch/create HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("head");
    stream.write_all(&sent).await.expect("part of the body");

    // The server gives up on the quiet body: it answers, or closes the connection.
    let answer = tokio::time::timeout(Duration::from_secs(15), answer_head(&mut stream))
        .await
        .expect("the server still waits for the body");
    assert!(
        answer.is_empty() || !answer.starts_with("HTTP/1.1 2"),
        "{answer}"
    );

    assert_eq!(server.count("batch_queues").await, 0);
    assert_eq!(server.stored_files(), 0);
    assert_eq!(server.credits(&token).await, credits);
}

/// What the server sends until the end of its answer's head, or until it closes the connection.
async fn answer_head(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}
