//! `/admin`: batch configuration (concurrency, presets), task monitoring, statistics and users.

#[cfg(feature = "ssr")]
mod charts;
mod config;
mod monitor;
mod presets;
mod stats;
mod users;

#[cfg(feature = "ssr")]
pub use stats::charts_html;

use leptos::prelude::*;

use crate::{components::RequireUser, i18n::use_t};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! { <RequireUser admin=true children=|_| view! { <Admin /> } /> }
}

#[component]
fn Admin() -> impl IntoView {
    let t = use_t();
    // Monitoring and the queue numbers refresh every few seconds while the page is open.
    let tick = RwSignal::new(0_u32);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|n| *n = n.wrapping_add(1)),
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let section = "rounded-2xl border border-slate-200 bg-white p-5 shadow-sm";
    view! {
        <h1 class="mb-4 text-xl font-semibold">{move || t().admin_title}</h1>
        <div class="grid grid-cols-[minmax(0,1fr)] gap-6">
            <section class=section aria-labelledby="config-title">
                <h2 id="config-title" class="text-lg font-semibold">{move || t().batch_configuration}</h2>
                <config::Concurrency tick />
                <h3 class="mt-6 font-medium">{move || t().presets_title}</h3>
                <presets::Presets />
            </section>
            <section class=section aria-labelledby="monitor-title">
                <h2 id="monitor-title" class="text-lg font-semibold">{move || t().monitoring}</h2>
                <monitor::Monitor tick />
            </section>
            <section class=section aria-labelledby="stats-title">
                <h2 id="stats-title" class="text-lg font-semibold">{move || t().statistics}</h2>
                <stats::Statistics />
            </section>
            <section class=section aria-labelledby="users-title">
                <h2 id="users-title" class="text-lg font-semibold">{move || t().users_title}</h2>
                <users::Users />
            </section>
        </div>
    }
    .into_any()
}
