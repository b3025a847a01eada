//! Editing a result into new versions, and live progress over Server-Sent Events.

use std::time::Duration;

use integration_tests::{
    TestServer, error_message,
    fixtures::{borrowed, pngs},
    read_events,
};
use reqwest::{Method, StatusCode, header};
use serde_json::json;

#[tokio::test]
async fn an_edit_becomes_the_next_version_and_costs_one_credit() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "10")]).await;
    let token = server.register("alice", "password123").await;
    let files = pngs(1);
    let id = server
        .create_batch(&token, &borrowed(&files), "grayscale", "demo")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    let task_id = detail["tasks"][0]["id"].as_i64().expect("task");
    assert_eq!(server.credits(&token).await, 19);

    let path = format!("/api/batch/task/{task_id}/edit");
    let (status, body) = server
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"prompt": "rotate it"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["creditsCharged"], json!(1));
    let detail = server
        .wait_for(&token, id, Duration::from_secs(30), |d| {
            d["tasks"][0]["version"] == json!(2)
        })
        .await;
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("completed"));
    assert_eq!(task["prompt"], json!("rotate it"));
    assert_eq!(detail["queue"]["status"], json!("completed"));
    let versions = task["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["prompt"], json!("grayscale"));
    assert_eq!(versions[1]["source"], json!("result"));
    assert_eq!(server.credits(&token).await, 18);

    // Version 2 started from version 1 (24×16, grey) and was rotated: 16×24 and still grey.
    let v1 = fetch(
        &server,
        &token,
        versions[0]["imageUrl"].as_str().expect("url"),
    )
    .await;
    let v2 = fetch(
        &server,
        &token,
        versions[1]["imageUrl"].as_str().expect("url"),
    )
    .await;
    assert_eq!((v1.width(), v1.height()), (24, 16));
    assert_eq!((v2.width(), v2.height()), (16, 24));
    assert!(v2.to_rgba8().pixels().all(|p| p[0] == p[1] && p[1] == p[2]));

    let (status, _) = server
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"prompt": "invert", "source": "original"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let detail = server
        .wait_for(&token, id, Duration::from_secs(30), |d| {
            d["tasks"][0]["version"] == json!(3)
        })
        .await;
    let latest = fetch(
        &server,
        &token,
        detail["tasks"][0]["generatedImageUrl"]
            .as_str()
            .expect("url"),
    )
    .await;
    assert_eq!(
        (latest.width(), latest.height()),
        (24, 16),
        "from the original, not rotated"
    );

    let (status, body) = server
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"prompt": "  "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    error_message(&body);
    assert_eq!(server.credits(&token).await, 17);
}

async fn fetch(server: &TestServer, token: &str, url: &str) -> image::DynamicImage {
    let response = server
        .request(Method::GET, url, Some(token))
        .send()
        .await
        .expect("image");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    image::load_from_memory(&response.bytes().await.expect("bytes")).expect("decodes")
}

#[tokio::test]
async fn live_progress_streams_task_and_batch_changes() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "300")]).await;
    let token = server.register("bob", "password123").await;
    let files = pngs(3);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;

    let response = server
        .request(
            Method::GET,
            &format!("/api/batch/queue/{id}/events"),
            Some(&token),
        )
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );

    // Read until the server closes the stream (after `end`) or the deadline passes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let (mut events, ended) = read_events(response, deadline).await;
    assert!(ended, "the stream closes once the batch has finished");
    let end = events.pop().expect("events");
    assert_eq!(end.0, "end");
    let kinds: Vec<&str> = events.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"snapshot"), "{kinds:?}");
    assert!(kinds.contains(&"progress"), "{kinds:?}");
    // The stream ends with the whole final state: every image completed, whatever order the
    // runs that finished together announced themselves in.
    assert_eq!(kinds.last(), Some(&"snapshot"), "{kinds:?}");
    let last = &events.last().expect("final snapshot").2;
    assert_eq!(last["queue"]["status"], json!("completed"), "{last:#}");
    let completed: std::collections::BTreeSet<i64> = last["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|t| t["status"] == json!("completed"))
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert_eq!(completed.len(), 3, "{kinds:?}");
    // Snapshots and batch changes carry the batch's revision; a batch change closes each
    // group of task changes, and progress reports carry none.
    let ids: Vec<u64> = events
        .iter()
        .filter(|(kind, _, _)| matches!(kind.as_str(), "snapshot" | "queue"))
        .map(|(_, id, _)| *id)
        .collect();
    assert!(ids.iter().all(|id| *id > 0), "{ids:?}");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event ids grow: {ids:?}"
    );

    // A finished batch answers with its snapshot and closes at once.
    let body = tokio::time::timeout(
        Duration::from_secs(10),
        server
            .request(
                Method::GET,
                &format!("/api/batch/queue/{id}/events"),
                Some(&token),
            )
            .send()
            .await
            .expect("events")
            .text(),
    )
    .await
    .expect("closed")
    .expect("body");
    assert!(
        body.contains("event: snapshot") && body.contains("event: end"),
        "{body}"
    );
}
