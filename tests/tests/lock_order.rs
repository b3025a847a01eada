//! On PostgreSQL every writer locks a batch's tasks, then the batch, then the owner's balance.
//! Two writers that took them in different orders would deadlock, and the database would abort
//! one of them with an error the user sees.

use std::time::Duration;

use integration_tests::{
    Backend, TestDir, TestServer,
    fixtures::{borrowed, pngs},
    json_response,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn on_postgres_an_edit_and_a_cancel_of_one_batch_at_once_both_succeed() {
    let env = [("IMGBATCH_DEMO_DELAY_MS", "60000")];
    let server = TestServer::start_in(TestDir::on(Backend::Postgres).await, &env).await;
    let admin = server.admin_token().await;
    server.set_concurrency(&admin, 1).await;
    let token = server.register("alice", "password123").await;
    let files = pngs(3);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    server
        .wait_for(&token, id, Duration::from_secs(20), |detail| {
            detail["tasks"]
                .as_array()
                .is_some_and(|tasks| tasks.iter().any(|t| t["status"] == json!("processing")))
        })
        .await;

    // The last image fails (as if its attempts were used up), so that it can be edited while
    // the batch still has work to cancel.
    let db = server.database().await;
    let (task_id,): (i64,) = sqlx::query_as(
        "UPDATE batch_tasks SET status = 'failed', error_message = 'test'
         WHERE id = (SELECT id FROM batch_tasks WHERE queue_id = $1 AND status = 'pending'
                     ORDER BY position DESC LIMIT 1)
         RETURNING id",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("fail a waiting task");

    // Holding the balance makes both writers wait there with what they locked before it: the
    // edit its task and batch, the cancel the batch's unfinished tasks. Let go, they finish in
    // turn if they lock in one order, and deadlock if the edit waits for the batch.
    let mut hold = db.begin().await.expect("begin");
    sqlx::query("SELECT credits FROM users WHERE username = 'alice' FOR UPDATE")
        .execute(&mut *hold)
        .await
        .expect("lock the balance");
    let edit = tokio::spawn(json_response(
        server
            .request(
                Method::POST,
                &format!("/api/batch/task/{task_id}/edit"),
                Some(&token),
            )
            .json(&json!({"prompt": "rotate it", "source": "original"})),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = tokio::spawn(json_response(server.request(
        Method::POST,
        &format!("/api/batch/queue/{id}/cancel"),
        Some(&token),
    )));
    tokio::time::sleep(Duration::from_millis(500)).await;
    hold.rollback().await.expect("let go of the balance");

    let (status, body) = edit.await.expect("edit");
    assert_eq!(status, StatusCode::OK, "edit: {body}");
    let (status, body) = cancel.await.expect("cancel");
    assert_eq!(status, StatusCode::OK, "cancel: {body}");

    // Either order is a right answer to two requests at once: the cancel may have taken the
    // batch's running work before the edit queued its image again.
    let unfinished: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM batch_tasks WHERE queue_id = $1 AND status IN ('pending', 'processing')",
    )
    .bind(id)
    .fetch_all(&db)
    .await
    .expect("unfinished");
    assert!(
        unfinished.is_empty() || unfinished == vec![(task_id,)],
        "only the edited image may still be waiting: {unfinished:?}"
    );
    let (balance, ledger): (i64, i64) = sqlx::query_as(
        "SELECT u.credits, (SELECT SUM(delta)::BIGINT FROM credit_ledger l WHERE l.user_id = u.id)
         FROM users u WHERE u.username = 'alice'",
    )
    .fetch_one(&db)
    .await
    .expect("balance");
    assert_eq!(
        balance, ledger,
        "every change of the balance is in the ledger"
    );
    db.close().await;
}
