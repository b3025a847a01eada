//! The UI's server functions answer with the same statuses as the REST API (one table), create
//! batches through the same upload reader, and carry the shared wire types.

use integration_tests::{TestServer, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Posts a server function with url-encoded arguments, as the browser's forms do.
async fn call(
    server: &TestServer,
    token: &str,
    name: &str,
    args: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = server
        .request(Method::POST, &format!("/rpc/{name}"), Some(token))
        .header("accept", "application/json")
        .form(args)
        .send()
        .await
        .expect("server function");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn create(
    server: &TestServer,
    token: &str,
    count: usize,
    prompt: &str,
) -> (StatusCode, Value) {
    let files = fixtures::pngs(count);
    let form = fixtures::batch_form(&fixtures::borrowed(&files), prompt, "demo");
    let response = server
        .request(Method::POST, "/rpc/create_batch", Some(token))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("create_batch");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn creating_a_batch_through_the_ui_charges_like_rest_and_keeps_the_statuses() {
    let server = TestServer::start().await;
    let token = server.register("carol", "carol-password").await;

    let (status, body) = create(&server, &token, 3, "sepia").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totalImages"], 3);
    assert_eq!(body["creditsCharged"], 3);
    assert_eq!(server.credits(&token).await, 17);

    // More images than credits: 402, as over REST, and nothing charged or stored.
    let files_before = server.stored_files();
    let (status, body) = create(&server, &token, 18, "sepia").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    // The rule comes as data, for the browser to say in the reader's language.
    assert_eq!(
        body["PaymentRequired"],
        serde_json::json!({ "not_enough_credits": { "needed": 18, "balance": 17 } }),
        "{body}"
    );
    assert_eq!(server.credits(&token).await, 17);
    assert_eq!(server.stored_files(), files_before);

    // More than 50 images: 413.
    let (status, body) = create(&server, &token, 51, "sepia").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    // An empty prompt: 422.
    let (status, _) = create(&server, &token, 1, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn reading_a_batch_gives_the_shared_types_and_hides_other_users_batches() {
    let server = TestServer::start().await;
    let token = server.register("dave", "dave-password").await;
    let (_, created) = create(&server, &token, 2, "invert").await;
    let id = created["queueId"].as_i64().expect("queueId").to_string();

    let (status, detail) = call(&server, &token, "batch", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["queue"]["totalImages"], 2);
    assert!(matches!(
        detail["queue"]["status"].as_str(),
        Some("pending" | "processing" | "completed")
    ));
    assert_eq!(detail["tasks"].as_array().map(Vec::len), Some(2));

    let other = server.register("erin", "erin-password").await;
    let (status, _) = call(&server, &other, "batch", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&server, &other, "cancel_batch", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Admin functions are refused to members with 403.
    let (status, _) = call(&server, &token, "admin/users", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &server,
        &token,
        "admin/set_concurrency",
        &[("concurrency", "5")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn signing_in_through_the_ui_is_throttled_with_429() {
    let server = TestServer::start().await;
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        let response = server
            .client
            .post(server.url("/rpc/login"))
            .header("accept", "application/json")
            .form(&[("username", "nobody"), ("password", "not-the-password")])
            .send()
            .await
            .expect("login");
        last = response.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
