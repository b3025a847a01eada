//! `/api/openapi.json` against the running server: every operation it lists is routed and
//! answers only with statuses it lists, no route takes a method it does not list, and the page
//! that renders it is served.

use std::time::Duration;

use integration_tests::TestServer;
use reqwest::{Client, Method, StatusCode, header, redirect};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn document(server: &TestServer) -> Value {
    let response = server
        .request(Method::GET, "/api/openapi.json", None)
        .send()
        .await
        .expect("document");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "served as JSON"
    );
    response.json().await.expect("the document is JSON")
}

/// The path with made-up values for its parameters.
fn concrete(path: &str) -> String {
    path.replace("{id}", "424242")
        .replace("{version}", "1")
        .replace("{provider}", "openai")
}

fn documented_statuses(operation: &Value) -> Vec<u16> {
    operation["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .filter_map(|status| status.parse().ok())
        .collect()
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_as_documented() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let doc = document(&server).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let client = Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            operations += 1;
            let what = format!("{} {path}", method.to_uppercase());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let documented = documented_statuses(operation);

            // Without signing in: 401 exactly where the document says sign-in is needed.
            let response = client
                .request(method.clone(), server.url(&concrete(path)))
                .send()
                .await
                .expect(&what);
            let status = response.status().as_u16();
            let needs_sign_in = !operation["security"]
                .as_array()
                .is_some_and(|alternatives| {
                    alternatives
                        .iter()
                        .any(|r| r.as_object().is_some_and(|r| r.is_empty()))
                });
            assert_ne!(status, 405, "{what} is documented but not routed");
            assert_eq!(status == 401, needs_sign_in, "{what} answered {status}");
            assert!(
                documented.contains(&status),
                "{what} answered {status}, documented {documented:?}"
            );

            // Signed in as an administrator, with no body: still only documented answers.
            if path.starts_with("/api/auth/logout") {
                continue; // Would end the admin's session for the rest of the walk.
            }
            let response = client
                .request(method.clone(), server.url(&concrete(path)))
                .bearer_auth(&admin)
                .send()
                .await
                .expect(&what);
            let status = response.status().as_u16();
            assert!(
                documented.contains(&status),
                "{what} as admin answered {status}, documented {documented:?}"
            );
        }
    }
    assert!(operations >= 36, "only {operations} operations documented");
}

#[tokio::test]
async fn no_route_takes_a_method_the_document_does_not_list() {
    let server = TestServer::start().await;
    let admin = server.admin_token().await;
    let doc = document(&server).await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.into_iter().filter(|m| item.get(*m).is_none()) {
            let what = format!("{} {path}", method.to_uppercase());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = server
                .request(method, &concrete(path), Some(&admin))
                .send()
                .await
                .expect(&what);
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{what} is routed but not documented"
            );
        }
    }
    // A path the document does not have is not routed either.
    let (status, _) = server
        .call(Method::GET, "/api/batch/everything", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_reference_page_renders_the_document_without_scripts() {
    let server = TestServer::start().await;
    let response = server
        .request(Method::GET, "/api/docs", None)
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html"))
    );
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = response.text().await.expect("html");
    assert!(!html.contains("<script"), "the page needs no script");
    let doc = document(&server).await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
            let anchor = format!("id=\"{method}-{}\"", path.replace(['/', '{', '}'], "-"));
            assert!(html.contains(&anchor), "{method} {path} is not on the page");
        }
    }
    for schema in ["BatchDetail", "TaskView", "ErrorBody", "BatchUpload"] {
        assert!(
            html.contains(&format!("id=\"schema-{schema}\"")),
            "{schema}"
        );
    }
}
