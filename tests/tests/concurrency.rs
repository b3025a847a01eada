//! The admin's global concurrency setting over REST.

use integration_tests::{TestServer, error_message, json_response};
use reqwest::{Method, StatusCode, header};
use serde_json::json;

const PATH: &str = "/api/admin/config/concurrency";

#[tokio::test]
async fn defaults_to_three_and_changes() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let (status, body) = server.call(Method::GET, PATH, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"success": true, "data": {"concurrency": 3}}));

    let (status, body) = server
        .call(
            Method::POST,
            PATH,
            Some(&admin),
            Some(json!({"concurrency": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["success"], json!(true));
    let (_, body) = server.call(Method::GET, PATH, Some(&admin), None).await;
    assert_eq!(body["data"]["concurrency"], json!(5));
}

#[tokio::test]
async fn rejects_values_outside_one_to_ten_and_keeps_the_old_one() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    for bad in [
        json!(0),
        json!(11),
        json!(-3),
        json!(2.5),
        json!("5"),
        json!(null),
    ] {
        let (status, body) = server
            .call(
                Method::POST,
                PATH,
                Some(&admin),
                Some(json!({ "concurrency": bad })),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(error_message(&body).contains("1 to 10"), "{body}");
    }
    let (status, body) = server
        .call(Method::POST, PATH, Some(&admin), Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_message(&body);

    let (status, body) = json_response(
        server
            .request(Method::POST, PATH, Some(&admin))
            .header(header::CONTENT_TYPE, "application/json")
            .body("{concurrency: 4"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_message(&body);

    let (_, body) = server.call(Method::GET, PATH, Some(&admin), None).await;
    assert_eq!(body["data"]["concurrency"], json!(3));
}

#[tokio::test]
async fn only_admins_may_read_or_change_it() {
    let server = TestServer::start().await;
    let user = server.register("mallory", "password123").await;
    let (status, body) = server.call(Method::GET, PATH, Some(&user), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    error_message(&body);
    let (status, _) = server
        .call(
            Method::POST,
            PATH,
            Some(&user),
            Some(json!({"concurrency": 9})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.call(Method::GET, PATH, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
