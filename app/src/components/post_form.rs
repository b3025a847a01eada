//! A form for a server function: a plain HTML form that posts to the function before the
//! WebAssembly runs, and hands its fields to the page once it does.
//!
//! Leptos' `ActionForm` reads the fields with a URL-encoded-form deserializer compiled into the
//! WebAssembly for every function it serves; each form here names its few fields instead.

use leptos::{ev::SubmitEvent, prelude::*};
use wasm_bindgen::JsCast;

/// The fields of a submitted form, by `name`.
pub struct Fields(web_sys::FormData);

impl Fields {
    /// The field's text; empty when the form has no such field.
    pub fn text(&self, name: &str) -> String {
        self.0.get(name).as_string().unwrap_or_default()
    }
}

#[component]
pub fn PostForm(
    /// The server function's URL, where the form posts without the WebAssembly.
    action: &'static str,
    /// Gets the submitted fields instead, once the WebAssembly runs.
    submit: impl Fn(Fields) + 'static,
    children: Children,
) -> impl IntoView {
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        let form = ev
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(data) = form.and_then(|form| web_sys::FormData::new_with_form(&form).ok()) {
            submit(Fields(data));
        }
    };
    view! {
        <form action=action method="post" on:submit=on_submit>
            {children()}
        </form>
    }
}
