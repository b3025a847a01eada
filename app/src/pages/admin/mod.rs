//! `/admin`: batch configuration (concurrency, presets), task monitoring, statistics and users.

use leptos::prelude::*;

use crate::{components::RequireUser, i18n::use_t};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! { <RequireUser admin=true children=|_| view! { <Admin /> } /> }
}

#[component]
fn Admin() -> impl IntoView {
    let t = use_t();
    view! { <h1 class="mb-4 text-xl font-semibold">{move || t().admin_title}</h1> }
}
