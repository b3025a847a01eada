//! The drop zone, the two pickers and the thumbnails of the chosen files.

use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::selection::{MAX_IMAGES, Problem, Selection, human_size};
use crate::{browser::files, components::When, i18n::use_t};

/// Takes a dragged folder, dragged files, or files and folders from the two pickers.
#[component]
pub fn Picker(selection: Selection) -> impl IntoView {
    let t = use_t();
    let dragging = RwSignal::new(false);
    let files_input = NodeRef::<leptos::html::Input>::new();

    let on_drop = move |event: ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let Some(data) = event.data_transfer() else {
            return;
        };
        let entries = files::dropped_entries(&data);
        if entries.is_empty() {
            if let Some(list) = data.files() {
                selection.add(files::from_file_list(&list));
            }
            return;
        }
        leptos::task::spawn_local(async move {
            selection.add(files::read_entries(entries).await);
        });
    };
    let on_pick = move |event: ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(list) = input.files() {
            selection.add(files::from_file_list(&list));
        }
        // The same files can be chosen again after being removed.
        input.set_value("");
    };
    let open_files = move |_| {
        if let Some(input) = files_input.get() {
            input.click();
        }
    };

    view! {
        <div
            class=move || {
                format!(
                    "rounded-2xl border-2 border-dashed p-6 text-center transition {}",
                    if dragging.get() {
                        "border-indigo-500 bg-indigo-50"
                    } else {
                        "border-slate-300 bg-white"
                    },
                )
            }
            data-testid="drop-zone"
            on:dragover=move |event: ev::DragEvent| {
                event.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <button
                type="button"
                class="mx-auto block max-w-md text-base font-medium text-slate-800 hover:text-indigo-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600"
                on:click=open_files
            >
                {move || t().drop_here}
            </button>
            <p class="mt-1 text-sm text-slate-500">{move || t().drop_hint}</p>
            <div class="mt-4 flex flex-wrap justify-center gap-2">
                <label class="cursor-pointer rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 focus-within:outline focus-within:outline-2 focus-within:outline-indigo-600">
                    {move || t().choose_files}
                    <input
                        node_ref=files_input
                        type="file"
                        multiple=true
                        accept="image/*"
                        class="sr-only"
                        on:change=on_pick
                    />
                </label>
                <label class="cursor-pointer rounded-lg bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 focus-within:outline focus-within:outline-2 focus-within:outline-indigo-600">
                    {move || t().choose_folder}
                    <input
                        type="file"
                        multiple=true
                        prop:webkitdirectory=true
                        class="sr-only"
                        on:change=on_pick
                    />
                </label>
            </div>
        </div>
        <Thumbnails selection />
    }
    .into_any()
}

#[component]
fn Thumbnails(selection: Selection) -> impl IntoView {
    let t = use_t();
    let count = move || selection.valid_count();
    let too_many = move || (count() > MAX_IMAGES).then(|| (t().too_many)(count()));
    view! {
        <section class="mt-4" aria-label=move || t().chosen_images>
            <div class="flex items-center justify-between gap-2 text-sm">
                <p class="font-medium text-slate-700" data-testid="chosen-count">
                    {move || {
                        if selection.files.with(Vec::is_empty) {
                            t().no_images_yet.to_owned()
                        } else {
                            (t().chosen_count)(count())
                        }
                    }}
                </p>
                <When when=move || !selection.files.with(Vec::is_empty)>
                    <button
                        type="button"
                        class="rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100"
                        on:click=move |_| selection.clear()
                    >
                        {move || t().clear_all}
                    </button>
                </When>
            </div>
            {move || {
                too_many()
                    .map(|message| {
                        view! {
                            <p role="alert" class="mt-2 rounded-lg bg-red-50 p-3 text-sm text-red-800">
                                {message}
                            </p>
                        }
                    })
            }}
            <ul class="mt-3 grid grid-cols-3 gap-3 sm:grid-cols-5 lg:grid-cols-8">
                <For
                    each=move || selection.files.with(|files| files.iter().map(|c| c.id).collect::<Vec<_>>())
                    key=|id| *id
                    children=move |id| {
                        let Some(chosen) = selection.get(id) else {
                            return ().into_any();
                        };
                        let problem = chosen.problem;
                        let path = chosen.path.clone();
                        view! {
                            <li
                                class=if problem.is_some() {
                                    "relative rounded-lg bg-red-50 p-1 ring-1 ring-red-300"
                                } else {
                                    "relative rounded-lg bg-white p-1 ring-1 ring-slate-200"
                                }
                                data-testid="chosen-file"
                                data-path=path.clone()
                            >
                                {match chosen.url.clone() {
                                    Some(url) => {
                                        view! {
                                            <img
                                                src=url
                                                alt=path.clone()
                                                class="aspect-square w-full rounded-md object-cover"
                                            />
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <div class="flex aspect-square w-full items-center justify-center rounded-md bg-slate-100 text-2xl text-slate-400">
                                                "?"
                                            </div>
                                        }
                                            .into_any()
                                    }
                                }}
                                // The file name first: a long folder path would push it out of sight.
                                <p class="mt-1 truncate text-xs text-slate-700" title=path.clone()>
                                    {file_name(&path).to_owned()}
                                </p>
                                {folder(&path).map(|folder| view! {
                                    <p class="truncate text-xs text-slate-400" title=path.clone()>{folder.to_owned()}</p>
                                })}
                                <p class="text-xs text-slate-500">{human_size(chosen.size)}</p>
                                {problem
                                    .map(|problem| {
                                        view! {
                                            <p class="text-xs font-medium text-red-700" data-testid="file-problem">
                                                {move || match problem {
                                                    Problem::NotAnImage => t().not_an_image,
                                                    Problem::TooBig => t().over_10_mb,
                                                }}
                                                " · "
                                                {move || t().left_out}
                                            </p>
                                        }
                                    })}
                                <button
                                    type="button"
                                    class="absolute right-1 top-1 rounded-full bg-white/90 px-1.5 text-sm leading-5 text-slate-700 shadow ring-1 ring-slate-300 hover:bg-red-50 hover:text-red-700"
                                    aria-label={
                                        let path = path.clone();
                                        move || format!("{} {}", t().remove, path)
                                    }
                                    on:click=move |_| selection.remove(id)
                                >
                                    "×"
                                </button>
                            </li>
                        }
                            .into_any()
                    }
                />
            </ul>
        </section>
    }
    .into_any()
}

/// The last segment of a relative path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The folders of a relative path, if it has any.
fn folder(path: &str) -> Option<&str> {
    path.rsplit_once('/')
        .map(|(folder, _)| folder)
        .filter(|f| !f.is_empty())
}
