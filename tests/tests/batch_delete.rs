//! Deleting a batch: its rows and every stored image go (originals, results, earlier versions),
//! the credit history keeps its entries, a running batch is cancelled and refunded first, and
//! nobody else can delete it.

use std::time::Duration;

use integration_tests::{
    TestServer, error_message,
    fixtures::{borrowed, pngs},
};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_finished_batch_is_deleted_with_all_its_images() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "0")]).await;
    let token = server.register("rosa", "password123").await;
    let files = pngs(2);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    // A second version of one image.
    let detail = server.queue(&token, id).await;
    let task = detail["tasks"][0]["id"].as_i64().expect("task id");
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/batch/task/{task}/edit"),
            Some(&token),
            Some(json!({ "prompt": "blur" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert!(
        server.stored_files() >= 5,
        "originals, results and versions are stored"
    );
    // Someone else cannot.
    let other = server.register("sam", "password123").await;
    let credits = server.credits(&token).await;
    let ledger = server.count("credit_ledger").await;
    let (status, _) = server.delete_batch(&other, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refunded"], 0);
    assert_eq!(server.stored_files(), 0, "every image is gone");
    assert_eq!(server.count("batch_queues").await, 0);
    assert_eq!(server.count("batch_tasks").await, 0);
    assert_eq!(server.count("task_versions").await, 0);
    assert_eq!(
        server.count("credit_ledger").await,
        ledger,
        "the credit history stays"
    );
    assert_eq!(server.credits(&token).await, credits);

    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/batch/queue/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_message(&body), "batch not found");
}

#[tokio::test]
async fn a_running_batch_is_cancelled_and_refunded_before_it_is_deleted() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "60000")]).await;
    let token = server.register("tess", "password123").await;
    let before = server.credits(&token).await;
    let files = pngs(6);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    assert_eq!(server.credits(&token).await, before - 6);

    let (status, body) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Images that had not started (all but those running under the default limit of 3).
    let refunded = body["refunded"].as_i64().expect("refunded");
    assert!(refunded >= 3, "{body}");
    assert_eq!(server.credits(&token).await, before - 6 + refunded);
    assert_eq!(server.count("batch_tasks").await, 0);
    // Running calls were aborted; nothing they might still produce is kept.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.stored_files(), 0);
}
