//! Requests from other sites: a browser sends the session cookie with a form another site
//! submits, so state changes need proof they come from imgbatch's own pages; pages say which
//! scripts may run and that they may not be framed; over HTTPS the cookie is `Secure`.

use integration_tests::{TestServer, fixtures};
use reqwest::{Method, RequestBuilder, StatusCode, header};
use serde_json::{Value, json};

/// A request carrying `cookie` as a browser would, from a page of `site` (`Sec-Fetch-Site`).
fn from_browser(builder: RequestBuilder, cookie: Option<&str>, site: &str) -> RequestBuilder {
    let builder = builder.header("sec-fetch-site", site);
    match cookie {
        Some(token) => builder.header(header::COOKIE, format!("imgbatch_session={token}")),
        None => builder,
    }
}

#[tokio::test]
async fn another_site_cannot_sign_a_browser_in_or_out() {
    let server = TestServer::start().await;
    let token = server.register("victim", "password123").await;
    server.register("attacker", "password123").await;

    // An auto-submitting form on another site posting the attacker's credentials.
    let login = from_browser(
        server.request(Method::POST, "/rpc/login", None),
        None,
        "cross-site",
    )
    .form(&[("username", "attacker"), ("password", "password123")]);
    let response = login.send().await.expect("login");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    // Nor sign the victim out, over either API.
    for path in ["/rpc/logout", "/api/auth/logout"] {
        let response = from_browser(
            server.request(Method::POST, path, None),
            Some(&token),
            "cross-site",
        )
        .send()
        .await
        .expect("logout");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = server
        .call(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "the victim's session survives");

    // The same form from imgbatch's own page works.
    let response = from_browser(
        server.request(Method::POST, "/rpc/login", None),
        None,
        "same-origin",
    )
    .form(&[("username", "attacker"), ("password", "password123")])
    .send()
    .await
    .expect("login");
    assert!(response.headers().get(header::SET_COOKIE).is_some());
}

#[tokio::test]
async fn cookie_state_changes_from_other_origins_are_refused_and_change_nothing() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "2000")]).await;
    let token = server.register("carol", "password123").await;
    let files = fixtures::pngs(2);
    let id = server
        .create_batch(&token, &fixtures::borrowed(&files), "sepia", "demo")
        .await;

    // Older browsers send no Sec-Fetch-Site, only Origin.
    let cancel = format!("/api/batch/queue/{id}/cancel");
    let evil = server
        .request(Method::POST, &cancel, None)
        .header(header::COOKIE, format!("imgbatch_session={token}"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .expect("cancel");
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let body: Value = evil.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("another website")),
        "{body}"
    );

    // A cross-site upload is refused before anything is stored or charged.
    let stored = server.stored_files();
    let upload = from_browser(
        server.request(Method::POST, "/api/batch/create", None),
        Some(&token),
        "cross-site",
    )
    .multipart(fixtures::batch_form(
        &fixtures::borrowed(&fixtures::pngs(3)),
        "sepia",
        "demo",
    ))
    .send()
    .await
    .expect("upload");
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.credits(&token).await, 18);
    assert_eq!(server.stored_files(), stored);
    assert_ne!(
        server.queue(&token, id).await["queue"]["status"],
        "cancelled"
    );

    // The app's own origin may; so may a script with a bearer token, whatever it claims.
    let own = server
        .request(Method::POST, &cancel, None)
        .header(header::COOKIE, format!("imgbatch_session={token}"))
        .header(header::ORIGIN, server.url(""))
        .send()
        .await
        .expect("cancel");
    assert_eq!(own.status(), StatusCode::OK);
    let retry = server
        .request(Method::POST, "/api/batch/task/999999/retry", Some(&token))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("retry");
    assert_eq!(retry.status(), StatusCode::NOT_FOUND, "past the check");
}

#[tokio::test]
async fn pages_allow_only_their_own_scripts_and_no_framing() {
    let server = TestServer::start().await;
    let page = server
        .request(Method::GET, "/login", None)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let policy = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");

    // Every script of the page carries this response's nonce.
    let html = page.text().await.expect("html");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );

    // A second response has another nonce.
    let again = server
        .request(Method::GET, "/login", None)
        .send()
        .await
        .expect("page");
    assert_ne!(again.headers()[header::CONTENT_SECURITY_POLICY], policy);
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_only_the_public_origin_may_change_things() {
    let server = TestServer::start_with(&[("IMGBATCH_PUBLIC_URL", "https://photos.example")]).await;
    let body = json!({ "username": "dave", "password": "password123" });
    let response = server
        .request(Method::POST, "/api/auth/register", None)
        .json(&body)
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("__Host-imgbatch_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    let token = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, token)| token.to_owned())
        .expect("token");
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );

    // The prefixed cookie signs the browser in.
    let me = server
        .request(Method::GET, "/api/auth/me", None)
        .header(header::COOKIE, format!("__Host-imgbatch_session={token}"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);

    // Behind the proxy the Host is internal; the Origin must be the public one, scheme included.
    for (origin, allowed) in [
        ("https://photos.example", true),
        ("http://photos.example", false),
        (server.url("").trim_end_matches('/'), false),
    ] {
        let response = server
            .request(Method::DELETE, "/api/user/keys/openai", None)
            .header(header::COOKIE, format!("__Host-imgbatch_session={token}"))
            .header(header::ORIGIN, origin)
            .send()
            .await
            .expect("keys");
        let refused = response.status() == StatusCode::FORBIDDEN;
        assert_eq!(!refused, allowed, "{origin}: {}", response.status());
    }
}

/// The `Set-Cookie` of a sign-in sent with `X-Forwarded-Proto: https` when given.
async fn login_cookie(server: &TestServer, path: &str, forwarded_https: bool) -> String {
    let mut builder = server
        .request(Method::POST, path, None)
        .header("sec-fetch-site", "same-origin");
    if forwarded_https {
        builder = builder.header("x-forwarded-proto", "https");
    }
    let builder = if path.starts_with("/rpc/") {
        builder.form(&[("username", "proxied"), ("password", "password123")])
    } else {
        builder.json(&json!({ "username": "proxied", "password": "password123" }))
    };
    let response = builder.send().await.expect("login");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn behind_a_trusted_https_proxy_the_cookie_is_secure_and_pages_send_hsts() {
    let server = TestServer::start_with(&[("IMGBATCH_TRUSTED_PROXIES", "127.0.0.1")]).await;
    server.register("proxied", "password123").await;
    for path in ["/api/auth/login", "/rpc/login"] {
        let cookie = login_cookie(&server, path, true).await;
        assert!(
            cookie.starts_with("__Host-imgbatch_session="),
            "{path}: {cookie}"
        );
        assert!(cookie.contains("; Secure"), "{path}: {cookie}");
        // The same proxy passing plain HTTP on: a plain cookie.
        let cookie = login_cookie(&server, path, false).await;
        assert!(cookie.starts_with("imgbatch_session="), "{path}: {cookie}");
    }
    let page = server
        .request(Method::GET, "/login", None)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("page");
    assert!(
        page.headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );

    // Anyone else's header is not believed.
    let server = TestServer::start().await;
    server.register("proxied", "password123").await;
    let cookie = login_cookie(&server, "/api/auth/login", true).await;
    assert!(cookie.starts_with("imgbatch_session="), "{cookie}");
    let page = server
        .request(Method::GET, "/login", None)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("page");
    assert!(
        !page
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
}
