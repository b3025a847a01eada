//! `/batch`: choose images, write a prompt (or pick a preset), pick a model, start.

mod form;
mod picker;
mod selection;

use leptos::prelude::*;

use crate::components::RequireUser;

/// The start page once signed in.
#[component]
pub fn NewBatchPage() -> impl IntoView {
    view! { <RequireUser children=|user| view! { <form::NewBatch user /> } /> }
}
