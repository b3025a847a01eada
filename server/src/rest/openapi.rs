//! The OpenAPI 3.1 document of the REST API, built from the same handler annotations that route
//! the requests (utoipa-axum), so a route cannot exist without its description.
//!
//! Refusals that come from shared parts rather than from a handler (sign-in, the cross-site
//! check, malformed input, time limits) are added to every operation they can reach by
//! [`add_shared_refusals`], from what the operation declares: its security, parameters and body.

use std::sync::LazyLock;

use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder,
        path::{HttpMethod, Operation},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use super::answers::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "imgbatch",
        description = "Batch image-to-image generation: upload up to 50 images with one prompt, \
            follow their progress, edit and download the results.\n\n\
            Authenticate with `Authorization: Bearer <token>` (the token from `/api/auth/login`), \
            or with the session cookie the same call sets for browsers; requests that change \
            something with the cookie alone must come from imgbatch's own pages.\n\n\
            Every answer is JSON with `success`; a refusal is `{\"success\":false,\"error\":…}`, \
            often with a `code` for programs.",
        license(name = "MIT OR Apache-2.0"),
    ),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "batches", description = "Creating, following and changing batches"),
        (name = "images", description = "Originals, results and earlier versions"),
        (name = "keys", description = "The caller's own provider API keys"),
        (name = "admin", description = "Administrators only"),
        (name = "reference", description = "This document"),
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
)]
struct Base;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(app::session::COOKIE_NAME))),
        );
    }
}

/// The whole document: `base` (the routes' own descriptions) under `/api`, with the shared
/// refusals added.
pub fn document(routes: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    doc = doc.nest("/api", routes);
    add_shared_refusals(&mut doc);
    doc
}

/// `/api/openapi.json`, serialized once.
pub fn json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        super::document()
            .to_pretty_json()
            .unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    });
    &JSON
}

struct Refusal {
    status: &'static str,
    name: &'static str,
    description: &'static str,
    /// Whether an operation can meet it.
    applies: fn(&Shape) -> bool,
}

/// What the shared refusals depend on.
struct Shape {
    /// Answers without signing in.
    public: bool,
    changes_state: bool,
    admin: bool,
    has_input: bool,
    json_body: bool,
    names_a_thing: bool,
    streams_upload: bool,
}

const REFUSALS: &[Refusal] = &[
    Refusal {
        status: "400",
        name: "BadRequest",
        description: "The request could not be read: malformed JSON, or a parameter of the wrong type",
        applies: |s| s.has_input,
    },
    Refusal {
        status: "401",
        name: "Unauthorized",
        description: "Not signed in, or the session or token has expired",
        applies: |s| !s.public,
    },
    Refusal {
        status: "403",
        name: "Forbidden",
        description: "Not an administrator, or a change sent from another website's page",
        applies: |s| s.changes_state || s.admin,
    },
    Refusal {
        status: "404",
        name: "NotFound",
        description: "No such thing, or it belongs to someone else",
        applies: |s| s.names_a_thing,
    },
    Refusal {
        status: "413",
        name: "PayloadTooLarge",
        description: "The request body is too large",
        applies: |s| s.json_body,
    },
    Refusal {
        status: "422",
        name: "Invalid",
        description: "Well-formed input with a value that breaks a rule (the message names it)",
        applies: |s| s.json_body,
    },
    Refusal {
        status: "500",
        name: "Internal",
        description: "The server failed; the details are in its log",
        applies: |_| true,
    },
    Refusal {
        status: "503",
        name: "TimedOut",
        description: "The server took longer than its request time limit to answer",
        applies: |s| !s.streams_upload,
    },
];

fn add_shared_refusals(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for refusal in REFUSALS {
        components.responses.insert(
            refusal.name.to_owned(),
            RefOr::T(error_response(refusal.description)),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in operations(item) {
            let shape = shape(path, method, operation);
            for refusal in REFUSALS.iter().filter(|r| (r.applies)(&shape)) {
                operation
                    .responses
                    .responses
                    .entry(refusal.status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(refusal.name)));
            }
        }
    }
}

/// A refusal's description with the [`ErrorBody`] schema.
pub fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|op| (method, op)))
}

fn shape(path: &str, method: HttpMethod, operation: &Operation) -> Shape {
    // An empty requirement among the alternatives: signing in is optional.
    let public = operation.security.as_ref().is_some_and(|requirements| {
        requirements
            .iter()
            .any(|r| *r == utoipa::openapi::security::SecurityRequirement::default())
    });
    let body_types: Vec<&String> = operation
        .request_body
        .as_ref()
        .and_then(|body| match body {
            RefOr::T(body) => Some(body.content.keys().collect()),
            RefOr::Ref(_) => None,
        })
        .unwrap_or_default();
    Shape {
        public,
        changes_state: method != HttpMethod::Get,
        admin: path.starts_with("/api/admin/"),
        has_input: path.contains('{')
            || operation.parameters.as_ref().is_some_and(|p| !p.is_empty())
            || !body_types.is_empty(),
        json_body: body_types.iter().any(|t| t.as_str() == "application/json"),
        names_a_thing: path.contains('{'),
        streams_upload: body_types.iter().any(|t| t.starts_with("multipart/")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::from_str(super::json()).expect("the document is JSON")
    }

    #[test]
    fn every_operation_is_described_and_answers_something() {
        let doc = doc();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() >= 25, "only {} paths", paths.len());
        for (path, item) in paths {
            assert!(path.starts_with("/api/"), "{path} is not under /api");
            for (method, op) in item.as_object().expect("path item") {
                let what = format!("{method} {path}");
                assert!(
                    op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                    "{what}: no summary"
                );
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{what}: no tag"
                );
                let statuses: Vec<&String> = op["responses"]
                    .as_object()
                    .expect("responses")
                    .keys()
                    .collect();
                assert!(
                    statuses
                        .iter()
                        .any(|s| s.starts_with('2') || s.starts_with('3')),
                    "{what}: no success"
                );
                assert!(statuses.iter().any(|s| *s == "500"), "{what}: no 500");
            }
        }
    }

    #[test]
    fn signed_in_operations_declare_401_and_public_ones_do_not() {
        let doc = doc();
        let login = &doc["paths"]["/api/auth/login"]["post"];
        assert_eq!(
            login["responses"]["401"]["description"],
            "Wrong username or password"
        );
        let me = &doc["paths"]["/api/auth/me"]["get"];
        assert_eq!(
            me["responses"]["401"]["$ref"],
            "#/components/responses/Unauthorized"
        );
        let reference = &doc["paths"]["/api/openapi.json"]["get"];
        assert!(reference["responses"].get("401").is_none());
        let upload = &doc["paths"]["/api/batch/create"]["post"];
        assert!(
            upload["responses"].get("503").is_none(),
            "uploads have no request deadline"
        );
        assert!(me["responses"].get("503").is_some());
    }
}
