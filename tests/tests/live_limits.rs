//! Live progress streams: limited per account and in all (a clear 429), and ended when the
//! session that opened them signs out.

use std::time::Duration;

use futures::StreamExt;
use integration_tests::{
    TestServer, error_message,
    fixtures::{borrowed, pngs},
};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

/// A server whose demo model takes a minute an image, so batches stay open while we watch.
async fn slow_server(extra: &[(&str, &str)]) -> TestServer {
    let mut env = vec![("IMGBATCH_DEMO_DELAY_MS", "60000")];
    env.extend_from_slice(extra);
    TestServer::start_with(&env).await
}

async fn open_stream(server: &TestServer, token: &str, id: i64) -> Response {
    server
        .request(
            Method::GET,
            &format!("/api/batch/queue/{id}/events"),
            Some(token),
        )
        .send()
        .await
        .expect("events")
}

/// Reads the stream until the server closes it; `false` if it is still open after `wait`.
async fn closes_within(response: Response, wait: Duration) -> bool {
    let mut stream = response.bytes_stream();
    tokio::time::timeout(wait, async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn streams_are_limited_per_account_and_in_all() {
    let server = slow_server(&[
        ("IMGBATCH_STREAMS_PER_USER", "2"),
        ("IMGBATCH_STREAMS_TOTAL", "3"),
    ])
    .await;
    let alice = server.register("alice", "password123").await;
    let bob = server.register("bob", "password123").await;
    let files = pngs(1);
    let hers = server
        .create_batch(&alice, &borrowed(&files), "sepia", "demo")
        .await;
    let his = server
        .create_batch(&bob, &borrowed(&files), "sepia", "demo")
        .await;

    let mut open = Vec::new();
    for _ in 0..2 {
        let response = open_stream(&server, &alice, hers).await;
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    let refused = open_stream(&server, &alice, hers).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["code"], "too_many_streams");
    assert_eq!(
        error_message(&body),
        "too many live progress streams: at most 2 at once per account; close other imgbatch pages"
    );

    // Another account still gets one, up to the server's total.
    let response = open_stream(&server, &bob, his).await;
    assert_eq!(response.status(), StatusCode::OK);
    open.push(response);
    let refused = open_stream(&server, &bob, his).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["code"], "streams_full");
}

#[tokio::test]
async fn signing_out_ends_the_streams_of_that_session() {
    let server = slow_server(&[]).await;
    let browser = server.register("carol", "password123").await;
    let script = server.login("carol", "password123").await;
    let files = pngs(1);
    let id = server
        .create_batch(&browser, &borrowed(&files), "sepia", "demo")
        .await;

    let first = open_stream(&server, &browser, id).await;
    let second = open_stream(&server, &script, id).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);

    let (status, _) = server
        .call(Method::POST, "/api/auth/logout", Some(&browser), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        closes_within(first, Duration::from_secs(10)).await,
        "the signed-out session's stream goes on"
    );

    let (status, _) = server
        .call(
            Method::POST,
            "/api/auth/logout-everywhere",
            Some(&script),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        closes_within(second, Duration::from_secs(10)).await,
        "a stream outlives sign-out everywhere"
    );
}
