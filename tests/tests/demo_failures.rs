//! The demo model's failure keywords, which make failures and manual retries easy to try.

use std::time::Duration;

use integration_tests::{TestServer, fixtures::png};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn retry(server: &TestServer, token: &str, task: &Value) {
    let task_id = task["id"].as_i64().expect("task id");
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/batch/task/{task_id}/retry"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn fail_once_fails_the_first_time_and_a_retry_completes() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "10")]).await;
    let alice = server.register("alice", "password123").await;
    let id = server
        .create_batch(&alice, &[("cat.png", png())], "sepia, fail once", "demo")
        .await;
    let detail = server
        .wait_finished(&alice, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("failed"), "{detail:#}");
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("failed"));
    // A permanent failure: one attempt, no automatic retry.
    assert_eq!(task["attempt"], json!(1));
    let message = task["errorMessage"].as_str().expect("error message");
    assert!(
        message.contains("fail once") && message.contains("retry"),
        "{message}"
    );

    retry(&server, &alice, task).await;
    let detail = server
        .wait_finished(&alice, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("completed"));
    assert_eq!(task["errorMessage"], Value::Null);
    assert!(task["generatedImageUrl"].is_string());
}

#[tokio::test]
async fn always_fail_fails_again_after_a_retry() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "10")]).await;
    let alice = server.register("alice", "password123").await;
    let id = server
        .create_batch(&alice, &[("cat.png", png())], "总是失败", "demo")
        .await;
    for round in 0..2 {
        let detail = server
            .wait_finished(&alice, id, Duration::from_secs(30))
            .await;
        let task = &detail["tasks"][0];
        assert_eq!(task["status"], json!("failed"), "round {round}: {detail:#}");
        let message = task["errorMessage"].as_str().expect("error message");
        assert!(message.contains("总是失败"), "{message}");
        if round == 0 {
            retry(&server, &alice, task).await;
        }
    }
}

#[tokio::test]
async fn manual_retries_are_bounded_and_say_how_many_remain() {
    let server = TestServer::start_with(&[
        ("IMGBATCH_DEMO_DELAY_MS", "10"),
        ("IMGBATCH_MANUAL_RETRIES", "2"),
    ])
    .await;
    let alice = server.register("alice", "password123").await;
    let id = server
        .create_batch(&alice, &[("cat.png", png())], "always fail", "demo")
        .await;
    let mut left = Vec::new();
    let answer = loop {
        let detail = server
            .wait_finished(&alice, id, Duration::from_secs(30))
            .await;
        let task_id = detail["tasks"][0]["id"].as_i64().expect("task id");
        let (status, body) = server
            .call(
                Method::POST,
                &format!("/api/batch/task/{task_id}/retry"),
                Some(&alice),
                None,
            )
            .await;
        if status != StatusCode::OK {
            break (status, body);
        }
        left.push(body["retriesLeft"].clone());
        assert!(left.len() <= 2, "{left:?}");
    };
    assert_eq!(left, vec![json!(1), json!(0)]);
    let (status, body) = answer;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "retries_used_up");
    assert_eq!(
        server.queue(&alice, id).await["tasks"][0]["status"],
        json!("failed"),
        "the refused retry changed nothing"
    );
    assert_eq!(server.credits(&alice).await, 19);
}
