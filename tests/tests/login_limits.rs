//! Sign-in limits over HTTP: an account backs off after repeated wrong passwords whatever the
//! address; the address limit counts the client a trusted proxy forwarded (an IPv6 client by its
//! /64), and ignores `X-Forwarded-For` from anyone else.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use integration_tests::{TestServer, error_message, json_response};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn login_from(
    server: &TestServer,
    forwarded: &str,
    username: &str,
    password: &str,
) -> StatusCode {
    answer_from(server, forwarded.to_owned(), username, password)
        .await
        .0
}

async fn answer_from(
    server: &TestServer,
    forwarded: String,
    username: &str,
    password: &str,
) -> (StatusCode, Value) {
    let body = json!({ "username": username, "password": password });
    json_response(
        server
            .request(Method::POST, "/api/auth/login", None)
            .header("x-forwarded-for", forwarded)
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn an_account_backs_off_after_repeated_wrong_passwords() {
    // Every attempt from another forwarded address: only the account's own limit counts.
    let server = TestServer::start_with(&[("IMGBATCH_TRUSTED_PROXIES", "127.0.0.1")]).await;
    server.register("dora", "password123").await;
    let sent = AtomicU32::new(0);
    let attempt = |username: &'static str, password: &'static str| {
        // Every attempt from another forwarded address.
        let forwarded = format!("198.51.100.{}", sent.fetch_add(1, Ordering::Relaxed));
        answer_from(&server, forwarded, username, password)
    };
    for _ in 0..6 {
        let (status, _) = attempt("dora", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, from any address.
    let (status, answer) = attempt("dora", "password123").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert!(
        error_message(&answer).contains("try again in 1 s"),
        "{answer}"
    );

    // Other accounts are not affected.
    server.register("eddie", "password123").await;
    let (status, _) = attempt("eddie", "password123").await;
    assert_eq!(status, StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let (status, _) = attempt("dora", "password123").await;
    assert_eq!(status, StatusCode::OK);
    // Success starts the count over: a mistake is free again.
    let (status, _) = attempt("dora", "wrong-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = attempt("dora", "password123").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let server = TestServer::start_with(&[("IMGBATCH_TRUSTED_PROXIES", "127.0.0.1/32, ::1")]).await;
    // Unknown names, each used once, so that only the address limit counts.
    for i in 0..10 {
        let status = login_from(&server, "203.0.113.5", &format!("nobody{i}"), "password123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = login_from(&server, "203.0.113.5", "nobody-more", "password123").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy still has its attempts.
    let status = login_from(&server, "203.0.113.6", "nobody-else", "password123").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // IPv6 clients are counted by their /64.
    for i in 0..10 {
        let status = login_from(&server, "2001:db8::1", &format!("six{i}"), "password123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = login_from(&server, "2001:db8::ffff:2", "six-more", "password123").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "same /64");
    let status = login_from(&server, "2001:db8:0:1::1", "six-else", "password123").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another /64");
}

#[tokio::test]
async fn without_trusted_proxies_the_forwarded_header_is_ignored() {
    let server = TestServer::start().await;
    for i in 0..10 {
        let forwarded = format!("203.0.113.{i}");
        let status = login_from(&server, &forwarded, &format!("nobody{i}"), "password123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // A new forwarded address does not buy new attempts.
    let status = login_from(&server, "198.51.100.1", "nobody-more", "password123").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
