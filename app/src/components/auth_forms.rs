use leptos::{prelude::*, server_fn::ServerFn};

use super::{ErrorLine, PostForm, When};
use crate::{
    api::{Login, Register},
    i18n::{Messages, use_t},
    state::use_session,
};

/// Sign-in and registration, one form at a time. Plain HTML forms, so they work before the
/// WebAssembly arrives.
#[component]
pub fn AuthForms() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let registering = RwSignal::new(false);
    let error = session.calls.error();
    let pending = Signal::derive(move || session.calls.pending());
    // The two forms share the session's error line: one form's refusal is not the other's.
    let show_tab = move |register: bool| {
        registering.set(register);
        session.calls.clear_error();
    };
    let tab = |active: bool| {
        if active {
            "flex-1 rounded-md bg-white px-3 py-1.5 text-sm font-medium shadow-sm"
        } else {
            "flex-1 rounded-md px-3 py-1.5 text-sm text-slate-600 hover:text-slate-900"
        }
    };

    view! {
        <section class="mx-auto mt-8 max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
            <p class="mb-6 text-center text-slate-600">{move || t().welcome}</p>
            <div class="mb-6 flex gap-1 rounded-lg bg-slate-100 p-1" role="tablist">
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || (!registering.get()).to_string()
                    class=move || tab(!registering.get())
                    on:click=move |_| show_tab(false)
                >
                    {move || t().sign_in}
                </button>
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || registering.get().to_string()
                    class=move || tab(registering.get())
                    on:click=move |_| show_tab(true)
                >
                    {move || t().create_account}
                </button>
            </div>
            <When
                when=move || registering.get()
                fallback=move || {
                    view! {
                        <PostForm action=Login::url() submit=move |f| session.sign_in(f.text("username"), f.text("password")) attr:aria-label=move || t().sign_in>
                            <Credentials t registering=false />
                            <ErrorLine error />
                            <SubmitButton label=move || t().sign_in pending />
                        </PostForm>
                    }
                }
            >
                <PostForm action=Register::url() submit=move |f| session.register(f.text("username"), f.text("password")) attr:aria-label=move || t().create_account>
                    <Credentials t registering=true />
                    <ErrorLine error />
                    <SubmitButton label=move || t().create_account pending />
                </PostForm>
            </When>
        </section>
    }
    .into_any()
}

#[component]
fn Credentials(
    t: impl Fn() -> &'static Messages + Copy + Send + Sync + 'static,
    /// A new account: the rules are shown and checked by the browser before sending.
    registering: bool,
) -> impl IntoView {
    let input = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";
    let hint = "mt-1 block text-xs font-normal text-slate-500";
    let autocomplete = if registering {
        "new-password"
    } else {
        "current-password"
    };
    let label = "block text-sm font-medium text-slate-700";
    view! {
        <label class=label for="username">
            {move || t().username}
        </label>
        <input
            id="username"
            class=input
            type="text"
            name="username"
            autocomplete="username"
            required
            minlength=if registering { "3" } else { "1" }
            maxlength="32"
            pattern=if registering { "[A-Za-z0-9_.\\-]{3,32}" } else { ".*" }
            title=move || if registering { t().username_hint } else { "" }
            aria-describedby=registering.then_some("username-hint")
        />
        {registering.then(|| view! { <p id="username-hint" class=hint>{move || t().username_hint}</p> })}
        <label class=format!("{label} mt-4") for="password">
            {move || t().password}
        </label>
        <input
            id="password"
            class=input
            type="password"
            name="password"
            autocomplete=autocomplete
            required
            minlength=if registering { "8" } else { "1" }
            maxlength="128"
            aria-describedby=registering.then_some("password-hint")
        />
        {registering.then(|| view! { <p id="password-hint" class=hint>{move || t().password_hint}</p> })}
    }
    .into_any()
}

#[component]
fn SubmitButton(
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="mt-6 w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
            disabled=move || pending.get()
        >
            {label}
        </button>
    }
    .into_any()
}
