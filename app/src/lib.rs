//! The imgbatch user interface: pages and components rendered on the server and hydrated in the
//! browser, the server functions they call, and the types both sides share.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
mod browser;
mod calls;
mod components;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod error;
pub mod i18n;
mod pages;
pub mod problem;
mod routes;
#[cfg(feature = "ssr")]
pub mod session;
mod state;
pub mod types;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};

pub use error::AppError;
pub use problem::{PresetField, Problem};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::provide_request_nonce();
    let lang = i18n::initial_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The root component: language, session, head tags and the router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    i18n::provide_lang();
    state::provide_session();

    view! {
        <Stylesheet id="leptos" href="/pkg/imgbatch.css" />
        <Title text="imgbatch" />
        <Router>
            <components::Header />
            // Pages wait for their data on the server, so that redirects and statuses (403, 404)
            // reach the browser as HTTP before any HTML.
            <main class="mx-auto max-w-6xl px-4 pb-16 pt-6 sm:px-6">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") ssr=SsrMode::Async view={Lazy::<routes::Home>::new()} />
                    <Route path=path!("/login") ssr=SsrMode::Async view={Lazy::<routes::Login>::new()} />
                    <Route path=path!("/batch") ssr=SsrMode::Async view={Lazy::<routes::NewBatch>::new()} />
                    <Route path=path!("/batch/:id") ssr=SsrMode::Async view={Lazy::<routes::Batch>::new()} />
                    <Route path=path!("/history") ssr=SsrMode::Async view={Lazy::<routes::History>::new()} />
                    <Route path=path!("/account") ssr=SsrMode::Async view={Lazy::<routes::Account>::new()} />
                    <Route path=path!("/admin") ssr=SsrMode::Async view={Lazy::<routes::Admin>::new()} />
                </Routes>
            </main>
        </Router>
    }
}
