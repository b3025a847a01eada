use leptos::prelude::*;

/// Shown for any path the router does not know; answers with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="mx-auto max-w-md p-8 text-center">
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <a class="mt-4 inline-block text-indigo-600 hover:underline" href="/">
                "Back to imgbatch"
            </a>
        </main>
    }
}
