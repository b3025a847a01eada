//! `/api/docs`: the OpenAPI document as a readable page, rendered on the server (no script, so
//! the pages' Content-Security-Policy holds as it is).

use std::{fmt::Write, sync::LazyLock};

use axum::response::Html;
use serde_json::Value;

/// The REST API reference, rendered from `/api/openapi.json`.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "reference",
    security(()),
    responses((status = 200, description = "The API reference as HTML", content_type = "text/html", body = String))
)]
pub async fn page() -> Html<&'static str> {
    static PAGE: LazyLock<String> = LazyLock::new(|| {
        let doc = serde_json::from_str(super::openapi::json()).unwrap_or(Value::Null);
        render(&doc)
    });
    Html(&PAGE)
}

const METHODS: [&str; 4] = ["get", "post", "put", "delete"];

fn render(doc: &Value) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        html,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} REST API</title><link rel="stylesheet" href="/pkg/imgbatch.css"></head>
<body class="bg-slate-50 text-slate-900"><main class="mx-auto max-w-5xl px-4 py-8 sm:px-6">
<p class="text-sm"><a class="text-indigo-700 underline" href="/">{title}</a></p>
<h1 class="mt-2 text-2xl font-semibold">REST API <span class="text-base font-normal text-slate-500">{version}</span></h1>
<div class="mt-3 space-y-2 text-slate-700">{description}</div>
<p class="mt-3 text-sm">The machine-readable document: <a class="text-indigo-700 underline" href="/api/openapi.json">/api/openapi.json</a> (OpenAPI {openapi}).</p>
<nav aria-label="Sections" class="mt-6 flex flex-wrap gap-2 text-sm">"#,
        version = text(&doc["info"]["version"]),
        description = paragraphs(&doc["info"]["description"]),
        openapi = text(&doc["openapi"]),
    );
    let tags = doc["tags"].as_array().cloned().unwrap_or_default();
    for tag in &tags {
        let name = text(&tag["name"]);
        let _ = write!(
            html,
            r##"<a class="rounded-md px-2 py-1 ring-1 ring-slate-300 hover:bg-white" href="#tag-{name}">{name}</a>"##
        );
    }
    html.push_str(r##"<a class="rounded-md px-2 py-1 ring-1 ring-slate-300 hover:bg-white" href="#schemas">schemas</a></nav>"##);

    for tag in &tags {
        let name = text(&tag["name"]);
        let _ = write!(
            html,
            r#"<section id="tag-{name}" class="mt-10"><h2 class="text-xl font-semibold">{name}</h2><p class="text-slate-600">{}</p>"#,
            text(&tag["description"])
        );
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                let operation = &item[method];
                let in_tag = operation["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t.as_str() == tag["name"].as_str()));
                if in_tag {
                    operation_html(&mut html, method, path, operation, &doc["components"]);
                }
            }
        }
        html.push_str("</section>");
    }
    schemas_html(&mut html, &doc["components"]["schemas"]);
    html.push_str("</main></body></html>");
    html
}

fn operation_html(html: &mut String, method: &str, path: &str, op: &Value, components: &Value) {
    let anchor = format!("{method}-{}", path.replace(['/', '{', '}'], "-"));
    let access = match op["security"].as_array() {
        Some(list)
            if list
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty())) =>
        {
            "no sign-in needed"
        }
        _ if path.starts_with("/api/admin/") => "administrators",
        _ => "signed in (bearer token or session cookie)",
    };
    let _ = write!(
        html,
        r#"<article id="{anchor}" class="mt-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
<h3 class="flex flex-wrap items-baseline gap-2 font-mono text-sm"><span class="rounded bg-slate-900 px-2 py-0.5 font-semibold uppercase text-white">{method}</span><span class="font-semibold">{path}</span></h3>
<p class="mt-2 font-medium">{summary}</p><div class="mt-1 space-y-2 text-sm text-slate-700">{description}</div>
<p class="mt-2 text-sm text-slate-600">Access: {access}</p>"#,
        path = escape(path),
        summary = text(&op["summary"]),
        description = paragraphs(&op["description"]),
    );
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str(r#"<h4 class="mt-3 text-sm font-medium">Parameters</h4><table class="mt-1 w-full text-left text-sm"><tbody>"#);
        for param in params {
            let _ = write!(
                html,
                r#"<tr class="border-t border-slate-100"><td class="py-1 pr-3 font-mono">{}</td><td class="py-1 pr-3 text-slate-600">{}{}</td><td class="py-1 pr-3 font-mono text-slate-600">{}</td><td class="py-1">{}</td></tr>"#,
                text(&param["name"]),
                text(&param["in"]),
                if param["required"].as_bool() == Some(true) {
                    ", required"
                } else {
                    ""
                },
                schema_type(&param["schema"]),
                text(&param["description"]),
            );
        }
        html.push_str("</tbody></table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        html.push_str(r#"<h4 class="mt-3 text-sm font-medium">Body</h4><ul class="mt-1 text-sm">"#);
        for (media, body) in content {
            let _ = write!(
                html,
                r#"<li><span class="font-mono">{}</span>: {}</li>"#,
                escape(media),
                schema_type(&body["schema"])
            );
        }
        html.push_str("</ul>");
    }
    html.push_str(r#"<h4 class="mt-3 text-sm font-medium">Answers</h4><table class="mt-1 w-full text-left text-sm"><tbody>"#);
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        // A shared refusal is described once, under the document's components.
        let response = match response["$ref"].as_str() {
            Some(shared) => &components["responses"][shared.rsplit('/').next().unwrap_or_default()],
            None => response,
        };
        let description = text(&response["description"]);
        let schema = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, c)| match c.get("schema") {
                Some(schema) => format!("{} {}", escape(media), schema_type(schema)),
                None => escape(media),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            html,
            r#"<tr class="border-t border-slate-100"><td class="w-14 py-1 pr-3 font-mono font-semibold">{}</td><td class="py-1 pr-3">{description}</td><td class="py-1 font-mono text-slate-600">{schema}</td></tr>"#,
            escape(status),
        );
    }
    html.push_str("</tbody></table></article>");
}

fn schemas_html(html: &mut String, schemas: &Value) {
    html.push_str(
        r#"<section id="schemas" class="mt-10"><h2 class="text-xl font-semibold">Schemas</h2>"#,
    );
    for (name, schema) in schemas.as_object().into_iter().flatten() {
        let _ = write!(
            html,
            r#"<article id="schema-{name}" class="mt-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm"><h3 class="font-mono font-semibold">{name}</h3><div class="mt-1 text-sm text-slate-700">{}</div>"#,
            paragraphs(&schema["description"]),
            name = escape(name),
        );
        properties_html(html, schema);
        html.push_str("</article>");
    }
    html.push_str("</section>");
}

fn properties_html(html: &mut String, schema: &Value) {
    for part in schema["allOf"].as_array().into_iter().flatten() {
        match part["$ref"].as_str() {
            Some(_) => {
                let _ = write!(
                    html,
                    r#"<p class="mt-1 text-sm">Every field of {}, and:</p>"#,
                    schema_type(part)
                );
            }
            None => properties_html(html, part),
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let words: Vec<String> = values.iter().map(|v| escape(&v.to_string())).collect();
        let _ = write!(
            html,
            r#"<p class="mt-1 font-mono text-sm">one of {}</p>"#,
            words.join(", ")
        );
    }
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    html.push_str(r#"<table class="mt-2 w-full text-left text-sm"><tbody>"#);
    for (field, property) in properties {
        let _ = write!(
            html,
            r#"<tr class="border-t border-slate-100"><td class="py-1 pr-3 font-mono">{}{}</td><td class="py-1 pr-3 font-mono text-slate-600">{}</td><td class="py-1">{}</td></tr>"#,
            escape(field),
            if required.contains(&field.as_str()) {
                ""
            } else {
                "?"
            },
            schema_type(property),
            text(&property["description"]),
        );
    }
    html.push_str("</tbody></table>");
}

/// A schema in a few words, with a link to a named one.
fn schema_type(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = escape(reference.rsplit('/').next().unwrap_or_default());
        return format!(
            r##"<a class="text-indigo-700 underline" href="#schema-{name}">{name}</a>"##
        );
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[combinator].as_array() {
            let parts: Vec<String> = parts.iter().map(schema_type).collect();
            return parts.join(" | ");
        }
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut words: Vec<String> = kinds
        .iter()
        .map(|kind| match *kind {
            "array" => format!("array of {}", schema_type(&schema["items"])),
            other => escape(other),
        })
        .collect();
    if let Some(format) = schema["format"].as_str() {
        words.push(format!("({})", escape(format)));
    }
    if words.is_empty() {
        "any".to_owned()
    } else {
        words.join(" | ")
    }
}

fn text(value: &Value) -> String {
    value.as_str().map(escape).unwrap_or_default()
}

/// Blank-line separated paragraphs, with `code` spans.
fn paragraphs(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let code = escape(p)
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        format!(r#"<code class="rounded bg-slate-100 px-1">{part}</code>"#)
                    } else {
                        part.to_owned()
                    }
                })
                .collect::<String>();
            format!("<p>{code}</p>")
        })
        .collect()
}

fn escape(raw: &str) -> String {
    html_escape::encode_quoted_attribute(raw).into_owned()
}
