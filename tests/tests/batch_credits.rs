//! Credits under concurrent submissions, and users' own API keys.

use std::{sync::Arc, time::Duration};

use integration_tests::{
    TestServer,
    fixtures::{borrowed, pngs},
    mock_ai::MockAi,
    openai_env,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn concurrent_submissions_never_overdraw() {
    let server = Arc::new(
        TestServer::start_with(&[
            ("IMGBATCH_SIGNUP_CREDITS", "7"),
            ("IMGBATCH_DEMO_DELAY_MS", "0"),
            // All twenty at once, so that only the creating transaction stands between them.
            ("IMGBATCH_UPLOADS_PER_USER", "20"),
        ])
        .await,
    );
    let token = server.register("alice", "password123").await;
    let mut submissions = Vec::new();
    for _ in 0..20 {
        let server = server.clone();
        let token = token.clone();
        submissions.push(tokio::spawn(async move {
            let files = pngs(2);
            server
                .try_create_batch(&token, &borrowed(&files), "invert", "demo")
                .await
                .0
        }));
    }
    let mut accepted = 0;
    for submission in submissions {
        match submission.await.expect("join") {
            StatusCode::OK => accepted += 1,
            StatusCode::PAYMENT_REQUIRED => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(accepted, 3, "7 credits pay for three batches of 2");
    assert_eq!(server.credits(&token).await, 1);
    assert_eq!(server.count("batch_queues").await, 3);
    assert_eq!(server.count("batch_tasks").await, 6);

    let db = server.database().await;
    let (ledger,): (i64,) = sqlx::query_as("SELECT CAST(SUM(delta) AS BIGINT) FROM credit_ledger WHERE user_id = (SELECT id FROM users WHERE username = 'alice')")
        .fetch_one(&db)
        .await
        .expect("ledger");
    assert_eq!(ledger, 1, "the balance equals the ledger");
    // Rejected submissions removed their files: only the 6 accepted originals (and results) remain.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (results,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM task_versions")
        .fetch_one(&db)
        .await
        .expect("versions");
    assert_eq!(server.stored_files() as i64, 6 + results);
}

#[tokio::test]
async fn a_users_own_key_makes_images_free_and_is_used_for_the_call() {
    let mock = MockAi::start().await;
    let base = mock.openai_base();
    let server = TestServer::start_with(&openai_env(&base, &[])).await;
    let token = server.register("bob", "password123").await;

    let (status, body) = server
        .call(Method::GET, "/api/user/keys", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"],
        json!([{"provider": "openai", "hasKey": false}])
    );
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/user/keys/openai",
            Some(&token),
            Some(json!({"apiKey": "sk-bobs-own"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/user/keys/demo",
            Some(&token),
            Some(json!({"apiKey": "x"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the demo provider takes no key"
    );

    let db = server.database().await;
    let (ciphertext,): (Vec<u8>,) = sqlx::query_as("SELECT ciphertext FROM user_provider_keys")
        .fetch_one(&db)
        .await
        .expect("stored key");
    assert!(
        !ciphertext.windows(11).any(|w| w == b"sk-bobs-own"),
        "encrypted at rest"
    );

    let files = pngs(3);
    let (status, created) = server
        .try_create_batch(&token, &borrowed(&files), "edit", "gpt-image-1")
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["usedUserKey"], json!(true));
    let id = created["queueId"].as_i64().expect("id");
    server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(
        server.credits(&token).await,
        20,
        "no credits with the user's own key"
    );
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer sk-bobs-own"))
    );

    let (status, _) = server
        .call(Method::DELETE, "/api/user/keys/openai", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, created) = server
        .try_create_batch(&token, &borrowed(&files), "edit", "gpt-image-1")
        .await;
    assert_eq!(created["usedUserKey"], json!(false));
    assert_eq!(server.credits(&token).await, 17);
}

#[tokio::test]
async fn an_edit_runs_on_the_key_it_was_priced_for() {
    let mock = MockAi::start().await;
    let base = mock.openai_base();
    let server = TestServer::start_with(&openai_env(&base, &[])).await;
    let token = server.register("carol", "password123").await;

    // A paid batch runs on the server's key.
    let files = pngs(1);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "gpt-image-1")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(server.credits(&token).await, 19);
    let system = format!("Bearer {}", integration_tests::SYSTEM_KEY);
    assert_eq!(
        mock.requests()[0].authorization.as_deref(),
        Some(system.as_str())
    );

    // With her own key stored, an edit is free, so it must run on her key, not the server's.
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/user/keys/openai",
            Some(&token),
            Some(json!({"apiKey": "sk-carols-own"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let task_id = detail["tasks"][0]["id"].as_i64().expect("task id");
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/batch/task/{task_id}/edit"),
            Some(&token),
            Some(json!({"prompt": "watercolor"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["creditsCharged"], json!(0));
    server
        .wait_for(&token, id, Duration::from_secs(30), |d| {
            d["tasks"][0]["version"] == json!(2) && d["queue"]["status"] == json!("completed")
        })
        .await;
    let calls = mock.requests();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[1].authorization.as_deref(),
        Some("Bearer sk-carols-own")
    );
    assert_eq!(server.credits(&token).await, 19);

    // Each version records the key it ran on.
    let db = server.database().await;
    let keys: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, CASE WHEN used_user_key THEN 1 ELSE 0 END FROM task_versions ORDER BY version")
            .fetch_all(&db)
            .await
            .expect("versions");
    assert_eq!(keys, vec![(1, 0), (2, 1)], "which runs used the user's key");
}
