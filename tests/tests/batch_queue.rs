//! The queue against a mock OpenAI-compatible service: the global limit, its runtime changes,
//! automatic and manual retry, permanent failures and cancel.

use std::time::Duration;

use integration_tests::{
    SYSTEM_KEY, TestServer, error_message,
    fixtures::{borrowed, pngs},
    mock_ai::{Behavior, MockAi},
    openai_env,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MODEL: &str = "gpt-image-1";

async fn setup(extra: &[(&str, &str)]) -> (TestServer, MockAi, String, String) {
    let mock = MockAi::start().await;
    let base = mock.openai_base();
    let mut env = openai_env(
        &base,
        &[
            ("IMGBATCH_RETRY_BASE_MS", "100"),
            ("IMGBATCH_SIGNUP_CREDITS", "100"),
        ],
    );
    env.extend_from_slice(extra);
    let server = TestServer::start_with(&env).await;
    let admin = server.admin_token().await;
    let user = server.register("alice", "password123").await;
    (server, mock, admin, user)
}

fn statuses(detail: &Value) -> Vec<String> {
    detail["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn in_flight_calls_reach_but_never_exceed_the_limit() {
    let (server, mock, admin, user) = setup(&[]).await;
    mock.set_latency(Duration::from_millis(300), 0.2);
    server.set_concurrency(&admin, 4).await;
    let files = pngs(12);
    let id = server
        .create_batch(&user, &borrowed(&files), "edit", MODEL)
        .await;
    let detail = server
        .wait_finished(&user, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"));
    assert_eq!(
        mock.peak_in_flight(),
        4,
        "the limit is reached and never exceeded"
    );
    assert_eq!(mock.calls(), 12);
    let requests = mock.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some(format!("Bearer {SYSTEM_KEY}").as_str()))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.image_mime.as_deref() == Some("image/png"))
    );
    assert!(requests.iter().all(|r| r.model.as_deref() == Some(MODEL)));
}

#[tokio::test]
async fn raising_and_lowering_the_limit_takes_effect_mid_batch() {
    let (server, mock, admin, user) = setup(&[]).await;
    mock.set_latency(Duration::from_millis(400), 0.0);
    server.set_concurrency(&admin, 1).await;
    let files = pngs(14);
    let id = server
        .create_batch(&user, &borrowed(&files), "edit", MODEL)
        .await;

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(mock.peak_in_flight(), 1);
    server.set_concurrency(&admin, 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        mock.peak_in_flight(),
        5,
        "a raise starts more calls at once"
    );

    server.set_concurrency(&admin, 2).await;
    // Running calls finish (at most one latency), then no more than two run.
    tokio::time::sleep(Duration::from_millis(500)).await;
    mock.reset_peak();
    let detail = server
        .wait_finished(&user, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["completedImages"], json!(14));
    assert!(
        mock.peak_in_flight() <= 2,
        "peak after lowering: {}",
        mock.peak_in_flight()
    );
}

#[tokio::test]
async fn retryable_errors_are_retried_then_succeed() {
    let (server, mock, _admin, user) = setup(&[]).await;
    mock.script_for_prompt(
        "flaky",
        [
            Behavior::RateLimited {
                retry_after_secs: 1,
            },
            Behavior::ServerError,
        ],
    );
    let files = pngs(1);
    let started = std::time::Instant::now();
    let id = server
        .create_batch(&user, &borrowed(&files), "flaky edit", MODEL)
        .await;
    let detail = server
        .wait_finished(&user, id, Duration::from_secs(30))
        .await;
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("completed"), "{detail:#}");
    assert_eq!(task["retryCount"], json!(2));
    assert_eq!(task["attempt"], json!(3));
    assert_eq!(mock.calls(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(server.credits(&user).await, 99, "charged once");
}

#[tokio::test]
async fn permanent_errors_fail_at_once_with_the_providers_message() {
    let (server, mock, _admin, user) = setup(&[]).await;
    mock.script_for_prompt("policy", [Behavior::ContentPolicy]);
    mock.script_for_prompt("quota", [Behavior::QuotaExhausted]);
    mock.script_for_prompt("invalid", [Behavior::BadRequest("Invalid size".into())]);
    for prompt in ["policy", "quota", "invalid"] {
        let files = pngs(1);
        let id = server
            .create_batch(&user, &borrowed(&files), prompt, MODEL)
            .await;
        let detail = server
            .wait_finished(&user, id, Duration::from_secs(30))
            .await;
        let task = &detail["tasks"][0];
        assert_eq!(task["status"], json!("failed"), "{prompt}");
        assert_eq!(task["retryCount"], json!(0), "{prompt}: no retry");
        assert_eq!(detail["queue"]["status"], json!("failed"));
        assert_eq!(detail["queue"]["failedImages"], json!(1));
        let message = task["errorMessage"].as_str().unwrap_or_default();
        let expected = match prompt {
            "policy" => "safety system",
            "quota" => "exceeded your current quota",
            _ => "Invalid size",
        };
        assert!(message.contains(expected), "{prompt}: {message}");
    }
    assert_eq!(mock.calls(), 3);
    assert_eq!(
        server.credits(&user).await,
        97,
        "failed tasks are not refunded"
    );
}

#[tokio::test]
async fn exhausted_retries_fail_and_a_manual_retry_starts_afresh() {
    let (server, mock, _admin, user) = setup(&[]).await;
    mock.script_for_prompt(
        "broken",
        [
            Behavior::ServerError,
            Behavior::ServerError,
            Behavior::MalformedJson,
        ],
    );
    let files = pngs(1);
    let id = server
        .create_batch(&user, &borrowed(&files), "broken", MODEL)
        .await;
    let detail = server
        .wait_finished(&user, id, Duration::from_secs(30))
        .await;
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("failed"), "{detail:#}");
    assert_eq!(task["retryCount"], json!(2));
    assert!(
        task["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("unreadable")),
        "{task}"
    );
    assert_eq!(detail["queue"]["status"], json!("failed"));
    assert_eq!(detail["queue"]["failedImages"], json!(1));
    assert_eq!(mock.calls(), 3, "two retries, then no more");

    let task_id = task["id"].as_i64().expect("id");
    let path = format!("/api/batch/task/{task_id}/retry");
    let (status, body) = server.call(Method::POST, &path, Some(&user), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    let detail = server
        .wait_for(&user, id, Duration::from_secs(30), |d| {
            d["queue"]["completedImages"] == json!(1)
        })
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"));
    assert_eq!(detail["queue"]["failedImages"], json!(0));
    assert_eq!(
        detail["tasks"][0]["retryCount"],
        json!(0),
        "a fresh attempt budget"
    );
    assert_eq!(mock.calls(), 4);
    assert_eq!(
        server.credits(&user).await,
        99,
        "a manual retry costs nothing more"
    );

    let (status, body) = server.call(Method::POST, &path, Some(&user), None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only failed tasks can be retried"
    );
    error_message(&body);
}

#[tokio::test]
async fn cancel_stops_the_batch_aborts_calls_and_refunds_what_never_started() {
    let (server, mock, admin, user) = setup(&[]).await;
    mock.set_latency(Duration::from_millis(800), 0.0);
    server.set_concurrency(&admin, 2).await;
    let files = pngs(10);
    let id = server
        .create_batch(&user, &borrowed(&files), "edit", MODEL)
        .await;
    assert_eq!(server.credits(&user).await, 90);
    server
        .wait_for(&user, id, Duration::from_secs(10), |d| {
            statuses(d).iter().filter(|s| *s == "processing").count() == 2
        })
        .await;
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/batch/queue/{id}/cancel"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refunded"], json!(8));
    let calls_at_cancel = mock.calls();

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.in_flight(), 0, "in-flight calls were aborted");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(
        mock.calls(),
        calls_at_cancel,
        "no provider call after cancel"
    );

    let detail = server.queue(&user, id).await;
    assert_eq!(detail["queue"]["status"], json!("cancelled"));
    assert!(
        statuses(&detail).iter().all(|s| s == "cancelled"),
        "{detail:#}"
    );
    assert_eq!(
        server.credits(&user).await,
        98,
        "the 8 that never started are refunded"
    );

    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/batch/queue/{id}/cancel"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Editing one image of the cancelled batch runs it, and the batch stays cancelled.
    let task_id = detail["tasks"][9]["id"].as_i64().expect("task");
    mock.set_latency(Duration::from_millis(10), 0.0);
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/batch/task/{task_id}/edit"),
            Some(&user),
            Some(json!({"prompt": "again", "source": "original"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail = server
        .wait_for(&user, id, Duration::from_secs(10), |d| {
            d["queue"]["completedImages"] == json!(1)
        })
        .await;
    assert_eq!(detail["queue"]["status"], json!("cancelled"), "{detail:#}");

    let db = server.database().await;
    let (balance, ledger): (i64, i64) = sqlx::query_as(
        "SELECT credits, (SELECT CAST(SUM(delta) AS BIGINT) FROM credit_ledger WHERE user_id = users.id) FROM users WHERE username = 'alice'",
    )
    .fetch_one(&db)
    .await
    .expect("ledger");
    assert_eq!(balance, ledger);
    assert_eq!(balance, 97, "the edit cost one credit");
}

#[tokio::test]
async fn batches_run_in_creation_order() {
    let (server, mock, admin, user) = setup(&[]).await;
    mock.set_latency(Duration::from_millis(50), 0.0);
    server.set_concurrency(&admin, 1).await;
    let first = pngs(3);
    let a = server
        .create_batch(&user, &borrowed(&first), "first batch", MODEL)
        .await;
    let b = server
        .create_batch(&user, &borrowed(&first), "second batch", MODEL)
        .await;
    server
        .wait_finished(&user, b, Duration::from_secs(30))
        .await;
    server
        .wait_finished(&user, a, Duration::from_secs(30))
        .await;
    let prompts: Vec<String> = mock.requests().into_iter().map(|r| r.prompt).collect();
    assert_eq!(prompts[..3], ["first batch", "first batch", "first batch"]);
    assert_eq!(
        prompts[3..],
        ["second batch", "second batch", "second batch"]
    );
}
