//! Accounts over the REST API: register, log in, sessions, tokens and their failures.

use integration_tests::{TestServer, error_message, json_response};
use reqwest::{Method, StatusCode, header};
use serde_json::json;

#[tokio::test]
async fn register_gives_a_token_and_the_signup_credits() {
    let server = TestServer::start().await;
    let body = json!({ "username": "alice", "password": "correct horse" });
    let (status, body) = server
        .call(Method::POST, "/api/auth/register", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["success"], json!(true));
    assert!(body["token"].as_str().is_some_and(|t| t.len() > 30));
    assert_eq!(body["user"]["username"], json!("alice"));
    assert_eq!(body["user"]["isAdmin"], json!(false));
    assert_eq!(body["user"]["credits"], json!(20));

    let token = body["token"].as_str().unwrap_or_default();
    let (status, me) = server
        .call(Method::GET, "/api/auth/me", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me,
        json!({"success": true, "data": {
            "id": body["user"]["id"], "username": "alice", "isAdmin": false, "credits": 20
        }})
    );
}

#[tokio::test]
async fn signup_credits_come_from_configuration_and_the_ledger() {
    let server = TestServer::start_with(&[("IMGBATCH_SIGNUP_CREDITS", "7")]).await;
    let token = server.register("bob", "password123").await;
    let (_, me) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(me["data"]["credits"], json!(7));

    let db = server.database().await;
    let (balance, ledger): (i64, i64) = sqlx::query_as(
        "SELECT credits, (SELECT CAST(SUM(delta) AS BIGINT) FROM credit_ledger WHERE user_id = users.id) \
         FROM users WHERE username = 'bob'",
    )
    .fetch_one(&db)
    .await
    .expect("balance and ledger");
    assert_eq!((balance, ledger), (7, 7));
}

#[tokio::test]
async fn registration_rejects_bad_and_duplicate_usernames() {
    let server = TestServer::start().await;
    server.register("carol", "password123").await;

    let cases = [
        (
            json!({"username": "Carol", "password": "password123"}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"username": "x", "password": "password123"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "no spaces", "password": "password123"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "dave", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "dave"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = server
            .call(Method::POST, "/api/auth/register", None, Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body} -> {answer}");
        error_message(&answer);
    }
    let db = server.database().await;
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(users, 2, "only admin and carol exist");
}

#[tokio::test]
async fn login_checks_the_password() {
    let server = TestServer::start().await;
    server.register("erin", "password123").await;

    for (username, password) in [("erin", "wrong password"), ("nobody", "password123")] {
        let body = json!({ "username": username, "password": password });
        let (status, answer) = server
            .call(Method::POST, "/api/auth/login", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_message(&answer), "wrong username or password");
    }
    let token = server.login("erin", "password123").await;
    let (status, _) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let server = TestServer::start().await;
    for token in [None, Some("ib_not-a-real-token")] {
        let (status, body) = server.call(Method::GET, "/api/auth/me", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&body);
    }
    let response = server
        .client
        .get(server.url("/api/auth/me"))
        .header(header::AUTHORIZATION, "Basic YWxpY2U6c2VjcmV0")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_tokens_are_rejected() {
    let server = TestServer::start_with(&[("IMGBATCH_TOKEN_TTL", "1")]).await;
    let token = server.register("frank", "password123").await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (status, body) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_message(&body).contains("expired"), "{body}");
}

#[tokio::test]
async fn the_login_cookie_is_httponly_and_authenticates_the_browser() {
    let server = TestServer::start().await;
    server.register("grace", "password123").await;
    let response = server
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"username": "grace", "password": "password123"}))
        .send()
        .await
        .expect("login");
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap_or_default().to_owned();

    let (status, me) = json_response(
        server
            .request(Method::GET, "/api/auth/me", None)
            .header(header::COOKIE, pair.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["username"], json!("grace"));

    let (status, _) = json_response(
        server
            .request(Method::POST, "/api/auth/logout", None)
            .header(header::COOKIE, pair.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = json_response(
        server
            .request(Method::GET, "/api/auth/me", None)
            .header(header::COOKIE, pair),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "logout revokes the session"
    );
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors() {
    let server = TestServer::start().await;
    let (status, body) = json_response(
        server
            .request(Method::POST, "/api/auth/login", None)
            .header(header::CONTENT_TYPE, "application/json")
            .body("{\"username\": \"a\""),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_message(&body);

    let (status, body) = json_response(
        server
            .request(Method::POST, "/api/auth/login", None)
            .body("username=a&password=b"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("application/json"));
}

#[tokio::test]
async fn password_guessing_is_slowed_down() {
    let server = TestServer::start().await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let body = json!({ "username": "admin", "password": "guess-guess" });
        let (status, answer) = server
            .call(Method::POST, "/api/auth/login", None, Some(body))
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(error_message(&answer).contains("try again"), "{answer}");
        }
        statuses.push(status);
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(limited >= 2, "{statuses:?}");
    // The UI's login server function shares the limit.
    let response = server
        .request(Method::POST, "/rpc/login", None)
        .form(&[("username", "admin"), ("password", "guess")])
        .send()
        .await
        .expect("server function");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Other endpoints are not limited.
    let (status, _) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_token() {
    let server = TestServer::start().await;
    let laptop = server.register("erin", "password123").await;
    let script = server.login("erin", "password123").await;
    let other = server.register("frank", "password123").await;

    let response = server
        .request(Method::POST, "/api/auth/logout-everywhere", Some(&laptop))
        .send()
        .await
        .expect("logout everywhere");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["ended"], json!(2));

    for token in [&laptop, &script] {
        let (status, _) = server
            .call(Method::GET, "/api/auth/me", Some(token), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = server
        .call(Method::GET, "/api/auth/me", Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::OK, "other users keep their sessions");
}

#[tokio::test]
async fn expired_tokens_are_deleted_when_the_server_starts() {
    let server = TestServer::start_with(&[("IMGBATCH_TOKEN_TTL", "1")]).await;
    server.register("gina", "password123").await;
    assert!(server.count("api_tokens").await >= 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let data_dir = server.terminate(std::time::Duration::from_secs(10)).await;

    let server = TestServer::start_in(data_dir, &[]).await;
    // The sweep runs at start; give it a moment.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.count("api_tokens").await > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(server.count("api_tokens").await, 0);
}

#[tokio::test]
async fn closed_registration_refuses_sign_ups_but_not_administrators() {
    let server = TestServer::start_with(&[("IMGBATCH_REGISTRATION", "closed")]).await;
    let users = server.count("users").await;
    let body = json!({ "username": "mallory", "password": "password123" });
    let (status, answer) = server
        .call(Method::POST, "/api/auth/register", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "registration_closed");
    assert!(error_message(&answer).contains("ask an administrator"));
    // The UI's form gets the same refusal, as data it can say in the reader's language.
    let response = server
        .request(Method::POST, "/rpc/register", None)
        .header(header::ACCEPT, "application/json")
        .form(&[("username", "mallory"), ("password", "password123")])
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let answer: serde_json::Value = response.json().await.expect("json");
    assert_eq!(answer, json!({ "Forbidden": "registration_closed" }));
    assert_eq!(server.count("users").await, users);

    // Administrators still add accounts, which can sign in.
    let output = server
        .cli(&["user", "add", "mallory", "--password", "password123"])
        .await;
    assert!(output.status.success(), "{output:?}");
    server.login("mallory", "password123").await;
}
