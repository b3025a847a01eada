//! Administration of users: the list, credit grants written to the ledger, the admin role, and
//! the seed's admin panel address.

use integration_tests::{TestServer, error_message};
use reqwest::{Method, StatusCode, header::LOCATION};
use serde_json::{Value, json};

async fn users(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server
        .call(Method::GET, "/api/admin/users", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    body["data"].as_array().expect("users").clone()
}

fn id_of(users: &[Value], name: &str) -> i64 {
    users
        .iter()
        .find(|u| u["username"] == json!(name))
        .and_then(|u| u["id"].as_i64())
        .expect("listed user")
}

async fn grant(
    server: &TestServer,
    token: &str,
    user_id: i64,
    amount: Value,
) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            &format!("/api/admin/users/{user_id}/credits"),
            Some(token),
            Some(json!({ "amount": amount })),
        )
        .await
}

async fn set_admin(
    server: &TestServer,
    token: &str,
    user_id: i64,
    is_admin: Value,
) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            &format!("/api/admin/users/{user_id}/admin"),
            Some(token),
            Some(json!({ "isAdmin": is_admin })),
        )
        .await
}

/// The newest ledger row of a user: (delta, balance after, reason).
async fn last_ledger_row(server: &TestServer, user_id: i64) -> (i64, i64, String) {
    let db = server.database().await;
    sqlx::query_as(
        "SELECT delta, balance_after, reason FROM credit_ledger WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_one(&db)
    .await
    .expect("ledger row")
}

#[tokio::test]
async fn admins_list_users_grant_credits_and_share_their_role() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let bob = server.register("bob", "password123").await;

    // Not for regular users.
    for (method, path, body) in [
        (Method::GET, "/api/admin/users".to_owned(), None),
        (
            Method::POST,
            "/api/admin/users/1/credits".to_owned(),
            Some(json!({"amount": 5})),
        ),
        (
            Method::POST,
            "/api/admin/users/1/admin".to_owned(),
            Some(json!({"isAdmin": false})),
        ),
    ] {
        let (status, body) = server.call(method, &path, Some(&bob), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        error_message(&body);
    }
    let (status, _) = server
        .call(Method::GET, "/api/admin/users", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let list = users(&server, &admin).await;
    assert_eq!(list.len(), 2);
    let (admin_id, bob_id) = (id_of(&list, "admin"), id_of(&list, "bob"));
    let listed_bob = list.iter().find(|u| u["id"] == json!(bob_id)).expect("bob");
    assert_eq!(listed_bob["isAdmin"], json!(false));
    assert_eq!(listed_bob["credits"], json!(20));
    assert_eq!(listed_bob["batches"], json!(0));
    assert!(listed_bob["createdAt"].is_string());
    assert_eq!(
        list.iter()
            .find(|u| u["id"] == json!(admin_id))
            .expect("admin")["isAdmin"],
        json!(true)
    );

    // A grant shows in the balance and the ledger.
    let (status, body) = grant(&server, &admin, bob_id, json!(30)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], json!(bob_id));
    assert_eq!(body["data"]["credits"], json!(50));
    assert_eq!(server.credits(&bob).await, 50);
    assert_eq!(
        last_ledger_row(&server, bob_id).await,
        (30, 50, "admin grant".to_owned())
    );

    // Taking away stops at zero, and taking from nothing writes nothing.
    let (status, body) = grant(&server, &admin, bob_id, json!(-80)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["credits"], json!(0));
    assert_eq!(server.credits(&bob).await, 0);
    assert_eq!(
        last_ledger_row(&server, bob_id).await,
        (-50, 0, "admin grant".to_owned())
    );
    let rows_before = server.count("credit_ledger").await;
    let (status, body) = grant(&server, &admin, bob_id, json!(-5)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["credits"], json!(0));
    assert_eq!(server.count("credit_ledger").await, rows_before);

    // Amounts break a rule: 422 naming it.
    for bad in [
        json!(0),
        json!(1.5),
        json!("10"),
        json!(1_000_001),
        json!(-1_000_001),
        Value::Null,
    ] {
        let (status, body) = grant(&server, &admin, bob_id, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        let message = error_message(&body);
        assert!(message.contains("whole number"), "{message}");
        assert!(message.contains("1000000"), "{message}");
    }
    let (status, body) = grant(&server, &admin, 9_999, json!(5)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Nobody revokes their own role; the role takes a boolean; unknown users are 404.
    let (status, body) = set_admin(&server, &admin, admin_id, json!(false)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = error_message(&body);
    assert!(message.contains("your own"), "{message}");
    let (status, body) = set_admin(&server, &admin, bob_id, json!("yes")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_message(&body).contains("isAdmin"));
    let (status, _) = set_admin(&server, &admin, 9_999, json!(true)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Making bob an administrator lets him use admin routes, including changing roles.
    let (status, body) = set_admin(&server, &admin, bob_id, json!(true)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["isAdmin"], json!(true));
    let (status, body) = server
        .call(
            Method::GET,
            "/api/admin/config/concurrency",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(users(&server, &bob).await.len(), 2);
    let (status, body) = set_admin(&server, &bob, admin_id, json!(false)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["isAdmin"], json!(false));
    let (status, _) = server
        .call(Method::GET, "/api/admin/users", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = set_admin(&server, &bob, admin_id, json!(true)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(users(&server, &admin).await.len(), 2);
}

#[tokio::test]
async fn the_admin_panel_address_leads_to_the_admin_page() {
    let server = TestServer::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .get(server.url("/api/admin/panel"))
        .send()
        .await
        .expect("panel");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/admin");
}
