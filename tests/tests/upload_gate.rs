//! Work is spent only on a batch that can be created: an upload the credits cannot pay for is
//! refused before its images are read (a file that is not even an image shows it was never
//! looked at), with the real total in the answer; one account sends at most two uploads at once.

use std::time::Duration;

use integration_tests::{TestServer, fixtures};
use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

fn not_an_image() -> Vec<u8> {
    b"<html>this is not a picture</html>".to_vec()
}

#[tokio::test]
async fn an_upload_the_credits_cannot_pay_for_is_refused_before_its_images_are_read() {
    let server = TestServer::start_with(&[("IMGBATCH_SIGNUP_CREDITS", "2")]).await;
    let token = server.register("penny", "password123").await;

    // Two images fit; the third is refused unread, and all five are counted.
    let files = vec![
        ("a.png", fixtures::png()),
        ("b.png", fixtures::png()),
        ("c.png", not_an_image()),
        ("d.png", not_an_image()),
        ("e.png", fixtures::png()),
    ];
    let (status, body) = server
        .try_create_batch(&token, &files, "sepia", "demo")
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["code"], "not_enough_credits");
    assert_eq!(
        body["error"],
        "not enough credits: this needs 5 and you have 2"
    );
    assert_eq!(server.count("batch_queues").await, 0);
    assert_eq!(server.stored_files(), 0);
    assert_eq!(server.credits(&token).await, 2);

    // With no credits, not even the first file is looked at.
    let server = TestServer::start_with(&[("IMGBATCH_SIGNUP_CREDITS", "0")]).await;
    let token = server.register("nil", "password123").await;
    let files = vec![("a.png", not_an_image())];
    let (status, body) = server
        .try_create_batch(&token, &files, "sepia", "demo")
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(server.stored_files(), 0);
}

#[tokio::test]
async fn one_account_sends_at_most_two_uploads_at_once() {
    let server = TestServer::start().await;
    let token = server.register("quinn", "password123").await;

    // Three uploads that send their first bytes and then wait: whichever reaches the server
    // last is refused, the other two hold the account's slots.
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(stalled_upload(&server, &token).await);
    }
    let mut answers = vec![String::new(); 3];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while answers.iter().all(String::is_empty) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no upload was refused"
        );
        for (stream, answer) in stalled.iter_mut().zip(answers.iter_mut()) {
            let mut buffer = [0u8; 4096];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buffer)).await
            {
                answer.push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        }
    }
    let refused: Vec<&String> = answers.iter().filter(|a| !a.is_empty()).collect();
    assert_eq!(refused.len(), 1, "{answers:?}");
    assert!(refused[0].starts_with("HTTP/1.1 429"), "{}", refused[0]);
    assert!(
        refused[0].contains("you already have 2 uploads under way; wait for one to finish"),
        "{}",
        refused[0]
    );
    assert!(refused[0].contains("uploads_in_flight"), "{}", refused[0]);
    let files = vec![("a.png", fixtures::png())];

    // One of those waiting goes away: the account may send again.
    let waiting = answers
        .iter()
        .position(String::is_empty)
        .expect("a waiting upload");
    drop(stalled.remove(waiting));
    let created = wait_for_status(&server, &token, &files, StatusCode::OK).await;
    assert!(created["queueId"].as_i64().is_some(), "{created}");
}

/// Sends `files` until the answer has `status` (the server notices a closed upload within
/// moments).
async fn wait_for_status(
    server: &TestServer,
    token: &str,
    files: &[(&str, Vec<u8>)],
    status: StatusCode,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (got, body) = server.try_create_batch(token, files, "sepia", "demo").await;
        if got == status {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {got}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An upload that announces a large body, sends its text fields and part of an image, and then
/// waits (the connection is closed when the stream is dropped).
async fn stalled_upload(server: &TestServer, token: &str) -> TcpStream {
    let boundary = "stalled-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nsepia\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ndemo\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    let address = server.url("").trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/batch/create HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n"
    );
    // One write: a refused upload is answered and closed as soon as its head is read, and a
    // later write would then fail with a broken pipe.
    let mut bytes = [head.as_bytes(), body.as_bytes()].concat();
    bytes.extend_from_slice(&fixtures::png()[..16]);
    stream.write_all(&bytes).await.expect("upload start");
    stream
}
