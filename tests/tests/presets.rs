//! Preset prompts: the public list and the admin's create, update and delete.

use integration_tests::{TestServer, error_message};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn titles(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn users_see_the_seeded_active_presets_in_order() {
    let server = TestServer::start().await;
    let token = server.register("alice", "password123").await;
    let (status, body) = server
        .call(Method::GET, "/api/batch/presets", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["success"], json!(true));
    let presets = body["data"].as_array().expect("array");
    assert_eq!(presets.len(), 3);
    let first = &presets[0];
    for field in ["id", "title", "content", "category"] {
        assert!(!first[field].is_null(), "{field} missing in {first}");
    }
    let (status, _) = server
        .call(Method::GET, "/api/batch/presets", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_manages_presets() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let user = server.register("bob", "password123").await;

    let new =
        json!({"title": "Sketch", "content": "pencil sketch", "category": "style", "sortOrder": 1});
    let (status, created) = server
        .call(Method::POST, "/api/admin/presets", Some(&admin), Some(new))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["data"]["id"].as_i64().expect("id");
    assert_eq!(created["data"]["isActive"], json!(true));

    let (_, public) = server
        .call(Method::GET, "/api/batch/presets", Some(&user), None)
        .await;
    assert_eq!(titles(&public)[0], "Sketch", "sortOrder 1 comes first");

    let path = format!("/api/admin/presets/{id}");
    // A client may send back the whole object it read, read-only fields included.
    let mut whole = created["data"].clone();
    whole["category"] = json!("sketches");
    let (status, updated) = server
        .call(Method::PUT, &path, Some(&admin), Some(whole))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["category"], json!("sketches"));

    let change = json!({"title": "Pencil sketch", "isActive": false});
    let (status, updated) = server
        .call(Method::PUT, &path, Some(&admin), Some(change))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["title"], json!("Pencil sketch"));
    assert_eq!(updated["data"]["content"], json!("pencil sketch"));
    assert_eq!(updated["data"]["isActive"], json!(false));

    let (_, public) = server
        .call(Method::GET, "/api/batch/presets", Some(&user), None)
        .await;
    assert!(
        !titles(&public).contains(&"Pencil sketch".to_owned()),
        "inactive presets are hidden"
    );
    let (_, all) = server
        .call(Method::GET, "/api/admin/presets", Some(&admin), None)
        .await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(4));

    let (status, _) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error_message(&body);
}

#[tokio::test]
async fn preset_errors() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let user = server.register("carol", "password123").await;
    let valid = json!({"title": "t", "content": "c"});

    let cases = [
        (
            Method::POST,
            "/api/admin/presets",
            None,
            Some(valid.clone()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/admin/presets",
            Some(&user),
            Some(valid.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            Method::GET,
            "/api/admin/presets",
            Some(&user),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(json!({"title": " ", "content": "c"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(json!({"title": "t"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PUT,
            "/api/admin/presets/999999",
            Some(&admin),
            Some(json!({"title": "x"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            "/api/admin/presets/abc",
            Some(&admin),
            Some(json!({"title": "x"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            "/api/admin/presets/999999",
            Some(&admin),
            None,
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, token, body, expected) in cases {
        let (status, answer) = server
            .call(method.clone(), path, token.map(String::as_str), body)
            .await;
        assert_eq!(status, expected, "{method} {path} -> {answer}");
        error_message(&answer);
    }
    let (_, all) = server
        .call(Method::GET, "/api/admin/presets", Some(&admin), None)
        .await;
    assert_eq!(
        all["data"].as_array().map(Vec::len),
        Some(3),
        "nothing was created"
    );
}

/// Found by the API property test: a preset placed at the largest sort order made the next one,
/// placed after it, overflow (a 500 in debug builds, a silent wrap to the top in release).
#[tokio::test]
async fn sort_orders_stay_in_range() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let preset = |sort_order: Value| json!({ "title": "Edge", "content": "at the edge", "sortOrder": sort_order });

    let (status, body) = server
        .call(
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(preset(json!(i64::MAX))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "sort_order_range");
    assert!(error_message(&body).contains("1000000000"), "{body}");

    let (status, body) = server
        .call(
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(preset(json!(1_000_000_000))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The next one goes after it, without leaving the range.
    let (status, body) = server
        .call(
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(json!({ "title": "Last", "content": "after the edge" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["sortOrder"], 1_000_000_000);
    let (_, list) = server
        .call(Method::GET, "/api/admin/presets", Some(&admin), None)
        .await;
    assert_eq!(titles(&list).last().map(String::as_str), Some("Last"));

    let id = body["data"]["id"].as_i64().expect("id");
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/admin/presets/{id}"),
            Some(&admin),
            Some(json!({ "sortOrder": -1_000_000_001_i64 })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// JSON Schema, and so the OpenAPI document, counts `8.0` as an integer; so does the API.
#[tokio::test]
async fn whole_numbers_may_be_written_with_a_fraction() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let (status, body) = server
        .call(
            Method::POST,
            "/api/admin/config/concurrency",
            Some(&admin),
            Some(json!({ "concurrency": 4.0 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["concurrency"], 4);
    let (status, body) = server
        .call(
            Method::POST,
            "/api/admin/presets",
            Some(&admin),
            Some(json!({ "title": "Whole", "content": "c", "sortOrder": 25.0 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["sortOrder"], 25);
    // A real fraction is still refused.
    let (status, _) = server
        .call(
            Method::POST,
            "/api/admin/config/concurrency",
            Some(&admin),
            Some(json!({ "concurrency": 4.5 })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
