use leptos::prelude::*;

use crate::i18n::use_t;

/// Shown for any path the router does not know; answers with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let t = use_t();
    view! {
        <div class="mx-auto max-w-md p-8 text-center">
            <h1 class="text-2xl font-semibold">{move || t().not_found}</h1>
            <a class="mt-4 inline-block text-indigo-700 hover:underline" href="/">
                {move || t().back_home}
            </a>
        </div>
    }
    .into_any()
}
