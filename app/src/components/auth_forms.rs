use leptos::prelude::*;

use crate::api::{Login, Register};

/// Sign-in and registration, one form at a time.
#[component]
pub fn AuthForms(login: ServerAction<Login>, register: ServerAction<Register>) -> impl IntoView {
    let registering = RwSignal::new(false);
    let login_error = move || {
        login
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let register_error = move || {
        register
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let tab = |active: bool| {
        if active {
            "flex-1 rounded-md bg-white px-3 py-1.5 text-sm font-medium shadow-sm"
        } else {
            "flex-1 rounded-md px-3 py-1.5 text-sm text-slate-600 hover:text-slate-900"
        }
    };

    view! {
        <section class="mx-auto max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
            <div class="mb-6 flex gap-1 rounded-lg bg-slate-100 p-1" role="tablist">
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || (!registering.get()).to_string()
                    class=move || tab(!registering.get())
                    on:click=move |_| registering.set(false)
                >
                    "Sign in"
                </button>
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || registering.get().to_string()
                    class=move || tab(registering.get())
                    on:click=move |_| registering.set(true)
                >
                    "Create account"
                </button>
            </div>
            <Show
                when=move || registering.get()
                fallback=move || {
                    view! {
                        <ActionForm action=login attr:aria-label="Sign in">
                            <Credentials autocomplete="current-password" />
                            <ErrorLine message=Signal::derive(login_error) />
                            <SubmitButton label="Sign in" pending=login.pending() />
                        </ActionForm>
                    }
                }
            >
                <ActionForm action=register attr:aria-label="Create account">
                    <Credentials autocomplete="new-password" />
                    <ErrorLine message=Signal::derive(register_error) />
                    <SubmitButton label="Create account" pending=register.pending() />
                </ActionForm>
            </Show>
        </section>
    }
}

#[component]
fn Credentials(autocomplete: &'static str) -> impl IntoView {
    let input = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";
    view! {
        <label class="block text-sm font-medium text-slate-700">
            "Username"
            <input class=input type="text" name="username" autocomplete="username" required />
        </label>
        <label class="mt-4 block text-sm font-medium text-slate-700">
            "Password"
            <input class=input type="password" name="password" autocomplete=autocomplete required />
        </label>
    }
}

#[component]
fn ErrorLine(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p role="alert" class="mt-4 text-sm text-red-600">
                {move || message.get()}
            </p>
        </Show>
    }
}

#[component]
fn SubmitButton(label: &'static str, pending: Memo<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="mt-6 w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
            disabled=move || pending.get()
        >
            {label}
        </button>
    }
}
