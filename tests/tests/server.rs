//! Start-up, the CLI, health, the database settings and the served page.

use integration_tests::{Backend, TestDir, TestServer, error_message, json_response, run_cli};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn first_start_creates_an_admin_whose_password_is_printed_once() {
    let server = TestServer::start().await;
    assert_eq!(
        server.admin_password.len(),
        20,
        "the banner shows the password"
    );
    let token = server.admin_token().await;
    let (_, me) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(me["data"]["isAdmin"], json!(true));

    let dir = server.kill().await;
    let again = TestServer::start_in(dir, &[]).await;
    assert!(
        again.admin_password.is_empty(),
        "no second admin on restart"
    );
}

#[tokio::test]
async fn health_and_unknown_api_paths() {
    let server = TestServer::start().await;
    let (status, body) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], json!("ok"));
    let (status, body) = server
        .call(Method::GET, "/api/no/such/thing", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error_message(&body);
}

#[tokio::test]
async fn database_runs_in_wal_mode_with_the_default_settings() {
    let server = TestServer::start().await;
    let db = server.database().await;
    if server.data_dir.backend() == Backend::Sqlite {
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&db)
            .await
            .expect("journal mode");
        assert_eq!(mode, "wal");
    }
    let (value,): (String,) = sqlx::query_as(
        "SELECT config_value FROM system_config WHERE config_key = 'batch_concurrency'",
    )
    .fetch_one(&db)
    .await
    .expect("default concurrency");
    assert_eq!(value, "3");
}

#[tokio::test]
async fn the_home_page_is_server_rendered_with_hydration_scripts() {
    let server = TestServer::start().await;
    // A visitor's browser is sent on from the start page to the sign-in page.
    let response = server
        .client
        .get(server.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/login", "redirected to sign in");
    let html = response.text().await.expect("html");
    assert!(html.contains("<title>imgbatch</title>"), "{html}");
    assert!(
        html.contains("/pkg/imgbatch.js"),
        "hydration script is linked"
    );
    assert!(
        html.contains("Sign in"),
        "the login form is rendered on the server"
    );

    let missing = server
        .client
        .get(server.url("/no-such-page"))
        .send()
        .await
        .expect("page");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cli_adds_users_and_adjusts_credits_through_the_ledger() {
    let dir = TestDir::new().await;
    let out = run_cli(&dir, &["migrate"]).await;
    assert!(out.status.success(), "{out:?}");
    let out = run_cli(
        &dir,
        &[
            "user",
            "add",
            "ops",
            "--password",
            "secret-pass",
            "--admin",
            "--credits",
            "5",
        ],
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    let logs =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !logs.contains("secret-pass"),
        "the password never reaches the log"
    );

    let out = run_cli(&dir, &["user", "add", "ops", "--password", "secret-pass"]).await;
    assert!(!out.status.success(), "a duplicate username fails");

    let out = run_cli(&dir, &["user", "credits", "ops", "10"]).await;
    assert!(out.status.success(), "{out:?}");
    let out = run_cli(&dir, &["user", "credits", "ops", "-100"]).await;
    assert!(out.status.success(), "{out:?}");
    let out = run_cli(&dir, &["user", "credits", "nobody", "10"]).await;
    assert!(!out.status.success(), "an unknown user fails");

    let server = TestServer::start_in(dir, &[]).await;
    assert!(server.admin_password.is_empty(), "an admin already exists");
    let token = server.login("ops", "secret-pass").await;
    let (_, me) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(me["data"]["credits"], json!(0), "the balance stops at zero");
    assert_eq!(me["data"]["isAdmin"], json!(true));

    let db = server.database().await;
    let deltas: Vec<(i64,)> = sqlx::query_as("SELECT delta FROM credit_ledger ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("ledger");
    assert_eq!(deltas, vec![(5,), (10,), (-15,)]);
}

#[tokio::test]
async fn every_api_error_is_json() {
    let server = TestServer::start().await;
    let token = server.register("alice", "password123").await;

    let (status, body) = server
        .call(
            Method::GET,
            "/api/batch/queues?limit=abc",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("limit"), "{body}");

    let (status, body) = server
        .call(
            Method::POST,
            "/api/batch/create",
            Some(&token),
            Some(json!({"prompt": "blur", "model": "demo"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_message(&body).contains("multipart/form-data"),
        "{body}"
    );

    let (status, body) = server
        .call(
            Method::PUT,
            "/api/admin/config/concurrency",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    error_message(&body);

    let (status, body) = server
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"username": "bob"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_message(&body), "missing field `password`");

    // Last, on a connection of its own: the server closes a connection whose body it refused
    // unread, and a pooled client must not send another request over it.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let huge = json!({ "username": "x".repeat(2 * 1024 * 1024 + 1024), "password": "p" });
    let (status, body) = json_response(fresh.post(server.url("/api/auth/login")).json(&huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    error_message(&body);
}
