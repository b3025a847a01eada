//! A form for a server function: a plain HTML form that posts to the function before the
//! WebAssembly runs, and dispatches the function's action once it does.
//!
//! Leptos' `ActionForm` reads the fields with a URL-encoded-form deserializer compiled into the
//! WebAssembly for every function it serves; each form here names its few fields instead.

use leptos::{ev::SubmitEvent, prelude::*, server_fn::ServerFn};
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
pub fn PostForm<S>(
    action: ServerAction<S>,
    /// Builds the function's arguments from the submitted fields.
    read: fn(&Fields) -> S,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        let form = ev
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(data) = form.and_then(|form| web_sys::FormData::new_with_form(&form).ok()) {
            action.dispatch(read(&Fields(data)));
        }
    };
    view! {
        <form action=S::url() method="post" on:submit=on_submit>
            {children()}
        </form>
    }
}
