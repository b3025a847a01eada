//! One image of a batch: its picture (or a before/after comparison), status, attempt, progress,
//! error, and what can be done with it.

use leptos::prelude::*;

use super::live::LiveBatch;
use crate::{
    AppError,
    api::retry_task,
    components::{ErrorLine, Notice, StatusBadge, When},
    i18n::use_t,
    types::{Status, TaskView},
};

/// The URL of a task's latest result, changed by every new version so caches never show an
/// older one.
pub fn result_url(task: &TaskView) -> Option<String> {
    task.generated_image_url
        .as_ref()
        .map(|url| format!("{url}?v={}", task.version))
}

/// The file name without its folders.
pub fn short_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[component]
pub fn TaskCard(
    live: LiveBatch,
    task: RwSignal<TaskView>,
    editing: RwSignal<i64>,
) -> impl IntoView {
    let t = use_t();
    let comparing = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<String>);
    let status = Signal::derive(move || task.with(|t| t.status));
    let id = task.with_untracked(|t| t.id);
    let name = move || task.with(|t| t.original_filename.clone());

    // "Task re-queued" stays while the retry runs and goes once it has finished.
    Effect::new(move |previous: Option<Status>| {
        let now = status.get();
        if previous.is_some_and(|p| p != now) && now.is_finished() {
            notice.set(None);
        }
        now
    });
    let retry = move |_| {
        leptos::task::spawn_local(async move {
            match retry_task(id).await {
                Ok(left) => {
                    error.set(None);
                    notice.set(Some((t().retried)(left)));
                    live.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <li
            class="flex flex-col overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm"
            data-testid="task-card"
            data-task-id=id
            aria-label=name
        >
            <div class="relative aspect-square overflow-hidden bg-slate-100">
                {move || {
                    let current = task.get();
                    match (comparing.get(), result_url(&current)) {
                        (true, Some(after)) => {
                            view! { <Compare before=current.original_image_url.clone() after /> }.into_any()
                        }
                        (_, result) => {
                            let showing_result = result.is_some();
                            let src = result.unwrap_or_else(|| current.original_image_url.clone());
                            let alt = if showing_result { t().generated_image } else { t().original_image };
                            view! {
                                <img
                                    src=src
                                    alt=format!("{alt}: {}", current.original_filename)
                                    loading="lazy"
                                    class="absolute inset-0 h-full w-full object-contain"
                                />
                            }
                                .into_any()
                        }
                    }
                }}
                <When when=move || status.get() == Status::Processing>
                    <div class="absolute inset-x-0 bottom-0 h-1.5 bg-blue-100">
                        <div
                            class="h-full bg-blue-600 transition-all"
                            style=move || {
                                let p = task.with(|t| t.progress).unwrap_or(0.05);
                                format!("width: {:.0}%", p * 100.0)
                            }
                        ></div>
                    </div>
                </When>
            </div>
            <div class="flex flex-1 flex-col gap-1.5 p-3">
                <p class="truncate text-sm font-medium text-slate-800" title=name>
                    {move || task.with(|t| short_name(&t.original_filename).to_owned())}
                </p>
                <div class="flex flex-wrap items-center gap-2 text-xs text-slate-600">
                    <StatusBadge status />
                    <When when=move || {
                        matches!(status.get(), Status::Processing | Status::Failed)
                            && task.with(|t| t.attempt > 0)
                    }>
                        <span data-testid="attempt">{move || (t().attempt)(task.with(|t| t.attempt))}</span>
                    </When>
                    <When when=move || task.with(|t| t.version > 1)>
                        <span>{move || format!("v{}", task.with(|t| t.version))}</span>
                    </When>
                </div>
                {move || {
                    task.with(|t| t.error_message.clone())
                        .filter(|_| status.get() == Status::Failed)
                        .map(|message| {
                            view! {
                                <p class="break-words text-xs text-red-700" data-testid="task-error">
                                    {message}
                                </p>
                            }
                        })
                }}
                <div class="mt-auto flex flex-wrap gap-1.5 pt-1 text-xs">
                    <When when=move || status.get() == Status::Failed>
                        <button
                            type="button"
                            class="rounded-md bg-red-600 px-2 py-1 font-medium text-white hover:bg-red-500"
                            on:click=retry
                        >
                            {move || t().retry}
                        </button>
                    </When>
                    <When when=move || status.get().is_finished()>
                        <button
                            type="button"
                            class="rounded-md px-2 py-1 font-medium text-indigo-700 ring-1 ring-indigo-300 hover:bg-indigo-50"
                            on:click=move |_| editing.set(id)
                        >
                            {move || t().edit}
                        </button>
                    </When>
                    <When when=move || task.with(|t| t.generated_image_url.is_some())>
                        <button
                            type="button"
                            class="rounded-md px-2 py-1 text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
                            aria-pressed=move || comparing.get().to_string()
                            on:click=move |_| comparing.update(|c| *c = !*c)
                        >
                            {move || t().compare}
                        </button>
                        <a
                            class="rounded-md px-2 py-1 text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
                            href=move || task.with(|t| result_url(t).unwrap_or_default())
                            download=""
                            rel="external"
                        >
                            {move || t().download}
                        </a>
                    </When>
                </div>
                <ErrorLine error=error />
                <Notice message=notice small=true />
            </div>
        </li>
    }
    .into_any()
}

/// Before and after over each other, with a slider that moves the split.
#[component]
pub fn Compare(before: String, after: String) -> impl IntoView {
    let t = use_t();
    let split = RwSignal::new(50_u32);
    view! {
        <div class="absolute inset-0 select-none" data-testid="compare">
            <img src=before alt=move || t().before class="absolute inset-0 h-full w-full object-contain" />
            <img
                src=after
                alt=move || t().after
                class="absolute inset-0 h-full w-full object-contain"
                style=move || format!("clip-path: inset(0 0 0 {}%)", split.get())
            />
            <div
                class="pointer-events-none absolute inset-y-0 w-0.5 bg-white shadow"
                style=move || format!("left: {}%", split.get())
            ></div>
            <span class="absolute left-2 top-2 rounded bg-black/60 px-1.5 text-xs text-white">{move || t().before}</span>
            <span class="absolute right-2 top-2 rounded bg-black/60 px-1.5 text-xs text-white">{move || t().after}</span>
            <input
                type="range"
                min="0"
                max="100"
                aria-label=move || t().compare
                class="absolute inset-x-2 bottom-2"
                prop:value=move || split.get().to_string()
                on:input=move |ev| {
                    // A range input without a `step` gives whole numbers.
                    if let Ok(v) = event_target_value(&ev).parse::<u32>() {
                        split.set(v);
                    }
                }
            />
        </div>
    }
    .into_any()
}
