//! Durability: a server killed with SIGKILL mid-batch finishes every task after a restart, and
//! charges the batch once.

use std::time::Duration;

use integration_tests::{
    TestServer,
    fixtures::{borrowed, pngs},
    mock_ai::MockAi,
    openai_env,
};
use serde_json::json;

#[tokio::test]
async fn kill_9_mid_batch_then_restart_completes_every_task_once() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(500), 0.1);
    let base = mock.openai_base();
    // A crashed process's leases are taken back once they expire.
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "50"),
            ("IMGBATCH_LEASE_SECS", "3"),
        ],
    );
    let server = TestServer::start_with(&env).await;
    let token = server.register("alice", "password123").await;
    let files = pngs(12);
    let id = server
        .create_batch(&token, &borrowed(&files), "edit", "gpt-image-1")
        .await;
    server
        .wait_for(&token, id, Duration::from_secs(20), |d| {
            let done = d["queue"]["completedImages"].as_i64().unwrap_or(0);
            let running = d["tasks"].as_array().map_or(0, |t| {
                t.iter()
                    .filter(|t| t["status"] == json!("processing"))
                    .count()
            });
            done >= 2 && running > 0
        })
        .await;

    let data_dir = server.kill().await;
    let server = TestServer::start_in(data_dir, &env).await;
    let token = server.login("alice", "password123").await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(60))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");
    assert_eq!(detail["queue"]["completedImages"], json!(12));
    assert!(
        detail["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .all(|t| t["version"] == json!(1))
    );
    assert_eq!(server.credits(&token).await, 38, "charged once: 50 − 12");

    let db = server.database().await;
    let (charges,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM credit_ledger WHERE reason = 'batch'")
            .fetch_one(&db)
            .await
            .expect("ledger");
    assert_eq!(charges, 1);
    let (versions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM task_versions")
        .fetch_one(&db)
        .await
        .expect("versions");
    assert_eq!(versions, 12, "no task produced two results");
}

#[tokio::test]
async fn sigterm_lets_running_calls_finish_and_keeps_the_rest_queued() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(1_500), 0.0);
    let base = mock.openai_base();
    let env = openai_env(&base, &[]);
    let server = TestServer::start_with(&env).await;
    let admin = server.admin_token().await;
    server.set_concurrency(&admin, 2).await;
    let token = server.register("bob", "password123").await;
    let files = pngs(6);
    let id = server
        .create_batch(&token, &borrowed(&files), "edit", "gpt-image-1")
        .await;
    server
        .wait_for(&token, id, Duration::from_secs(10), |d| {
            d["tasks"].as_array().map_or(0, |t| {
                t.iter()
                    .filter(|t| t["status"] == json!("processing"))
                    .count()
            }) == 2
        })
        .await;

    let data_dir = server.terminate(Duration::from_secs(20)).await;
    assert_eq!(mock.calls(), 2, "no task is claimed after the signal");
    let db = data_dir.connect().await;
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM batch_tasks GROUP BY status ORDER BY status")
            .fetch_all(&db)
            .await
            .expect("statuses");
    assert_eq!(
        counts,
        vec![("completed".to_owned(), 2), ("pending".to_owned(), 4)],
        "running calls finished, the rest wait"
    );
    db.close().await;

    let server = TestServer::start_in(data_dir, &env).await;
    let token = server.login("bob", "password123").await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["completedImages"], json!(6));
    assert_eq!(mock.calls(), 6);
}
