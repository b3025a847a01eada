use leptos::prelude::*;

use crate::{
    api,
    components::{LoadFailed, Loading},
    i18n::use_lang,
};

/// Images per day, success rate, mean processing time and credits spent, as charts drawn on the
/// server in the page's language.
#[component]
pub fn Statistics() -> impl IntoView {
    let lang = use_lang();
    let charts = Resource::new(move || lang.get(), api::admin_charts);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match charts.await {
                    Ok(markup) => view! { <div inner_html=markup></div> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The charts as markup, for [`api::admin_charts`].
#[cfg(feature = "ssr")]
pub fn charts_html(stats: crate::types::Stats, lang: crate::i18n::Lang) -> String {
    let owner = Owner::new();
    owner.with(|| {
        provide_context(RwSignal::new(lang));
        view! { <Charts stats /> }.to_html()
    })
}

#[cfg(feature = "ssr")]
#[component]
fn Charts(stats: crate::types::Stats) -> impl IntoView {
    use super::charts::{Bar, BarChart, Ring};
    let t = crate::i18n::use_t();
    let day = |d: &str| d.get(5..).unwrap_or(d).to_owned();
    let images: Vec<Bar> = stats
        .images_per_day
        .iter()
        .map(|d| Bar {
            label: day(&d.day),
            value: d.completed as f64,
            stacked: d.failed as f64,
        })
        .collect();
    let durations: Vec<Bar> = stats
        .images_per_day
        .iter()
        .map(|d| Bar {
            label: day(&d.day),
            value: d.mean_processing_ms.unwrap_or(0.0),
            stacked: 0.0,
        })
        .collect();
    let credits: Vec<Bar> = stats
        .images_per_day
        .iter()
        .map(|d| Bar {
            label: day(&d.day),
            value: d.credits.max(0) as f64,
            stacked: 0.0,
        })
        .collect();
    let empty = stats.images_per_day.is_empty();
    // The heading counts what the bars show: finished images of the last 30 days.
    let finished: i64 = stats
        .images_per_day
        .iter()
        .map(|d| d.completed + d.failed)
        .sum();
    let card = "rounded-xl bg-slate-50 p-3";
    let seconds = |ms: f64| format!("{:.1} s", ms / 1000.0);
    let whole = |n: f64| format!("{n:.0}");
    let mean = stats
        .mean_processing_ms
        .map_or_else(|| "–".to_owned(), seconds);
    view! {
        <div class="mt-3 grid gap-4 sm:grid-cols-2" data-testid="charts">
            <figure class=card>
                <figcaption class="text-sm font-medium">
                    {move || t().images_per_day}
                    <span class="ml-2 font-normal text-slate-600 tabular-nums">{finished}</span>
                </figcaption>
                {if empty {
                    view! { <p class="mt-2 text-sm text-slate-600">{move || t().no_data}</p> }.into_any()
                } else {
                    view! { <BarChart label=t().images_per_day.to_owned() bars=images format=whole color="fill-emerald-500" /> }.into_any()
                }}
            </figure>
            <figure class=card>
                <figcaption class="text-sm font-medium">{move || t().success_rate}</figcaption>
                <div class="flex items-center gap-4">
                    <Ring label=t().success_rate.to_owned() share=stats.success_rate />
                    <p class="text-sm text-slate-700">
                        <span class="text-emerald-700">{move || (t().status)(crate::types::Status::Completed)} ": " {stats.completed_images}</span>
                        <br />
                        <span class="text-red-700">{move || (t().status)(crate::types::Status::Failed)} ": " {stats.failed_images}</span>
                    </p>
                </div>
            </figure>
            <figure class=card>
                <figcaption class="text-sm font-medium">
                    {move || t().mean_processing}
                    <span class="ml-2 font-normal text-slate-600 tabular-nums">{mean}</span>
                </figcaption>
                {if empty {
                    view! { <p class="mt-2 text-sm text-slate-600">{move || t().no_data}</p> }.into_any()
                } else {
                    view! { <BarChart label=t().mean_processing.to_owned() bars=durations format=seconds color="fill-blue-500" /> }.into_any()
                }}
            </figure>
            <figure class=card>
                <figcaption class="text-sm font-medium">
                    {move || t().credits_spent}
                    <span class="ml-2 font-normal text-slate-600 tabular-nums">{stats.credits_spent}</span>
                </figcaption>
                {if empty {
                    view! { <p class="mt-2 text-sm text-slate-600">{move || t().no_data}</p> }.into_any()
                } else {
                    view! { <BarChart label=t().credits_spent.to_owned() bars=credits format=whole color="fill-indigo-500" /> }.into_any()
                }}
            </figure>
        </div>
    }
    .into_any()
}
