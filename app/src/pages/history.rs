//! `/history`: the user's batches, newest first, a page at a time.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    api,
    components::{LoadFailed, Loading, RequireUser, StatusBadge},
    i18n::use_t,
    types::BatchSummary,
};

const PER_PAGE: i64 = 20;

#[component]
pub fn HistoryPage() -> impl IntoView {
    view! { <RequireUser children=|_| view! { <History /> } /> }
}

#[component]
fn History() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let page = move || {
        query
            .with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()))
            .unwrap_or(1)
            .max(1)
    };
    // One more than a page, to know whether an older page exists.
    let batches = Resource::new(page, |page| {
        api::history(PER_PAGE + 1, (page - 1) * PER_PAGE)
    });
    view! {
        <h1 class="mb-4 text-xl font-semibold">{move || t().history_title}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match batches.await {
                    Ok(list) if list.is_empty() && page() == 1 => {
                        view! {
                            <div class="rounded-2xl border border-dashed border-slate-300 bg-white p-8 text-center">
                                <p class="text-slate-600">{move || t().history_empty}</p>
                                <A href="/batch" attr:class="mt-3 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">
                                    {move || t().start_first_batch}
                                </A>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(mut list) => {
                        let more = list.len() as i64 > PER_PAGE;
                        list.truncate(PER_PAGE as usize);
                        let current = page();
                        view! {
                            <ul class="flex flex-col gap-3" data-testid="history">
                                {list.into_iter().map(|b| view! { <Row summary=b /> }).collect_view()}
                            </ul>
                            <nav class="mt-4 flex items-center justify-between text-sm" aria-label=move || (t().page)(current)>
                                {(current > 1)
                                    .then(|| view! {
                                        <A href=format!("/history?page={}", current - 1) attr:class="rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                                            {move || t().newer}
                                        </A>
                                    })}
                                <span class="text-slate-600">{move || (t().page)(current)}</span>
                                {more
                                    .then(|| view! {
                                        <A href=format!("/history?page={}", current + 1) attr:class="rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                                            {move || t().older}
                                        </A>
                                    })}
                            </nav>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn Row(summary: BatchSummary) -> impl IntoView {
    let t = use_t();
    let b = summary.batch;
    let status = b.status;
    let date = b
        .created_at
        .get(..16)
        .unwrap_or(&b.created_at)
        .replace('T', " ");
    view! {
        <li>
            <A
                href=format!("/batch/{}", b.id)
                attr:class="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm hover:border-indigo-300 sm:flex-row sm:items-center"
            >
                <div class="min-w-0 flex-1">
                    <p class="truncate font-medium">{t().batch_name(&b)}</p>
                    <p class="mt-0.5 text-sm text-slate-600">
                        <time datetime=b.created_at.clone()>{date}</time>
                        " · "
                        {b.model.clone()}
                        " · "
                        <span class="tabular-nums">{(t().done_of)(b.completed_images, b.total_images)}</span>
                    </p>
                </div>
                <div class="flex gap-1.5">
                    {summary
                        .thumbnails
                        .into_iter()
                        .map(|src| view! { <img src=src alt="" loading="lazy" class="h-12 w-12 rounded-md bg-slate-100 object-cover" /> })
                        .collect_view()}
                </div>
                // A column on phones would stretch the badge across the card.
                <div class="self-start sm:self-auto">
                    <StatusBadge status=Signal::derive(move || status) />
                </div>
            </A>
        </li>
    }
    .into_any()
}
