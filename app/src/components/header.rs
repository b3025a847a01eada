use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::{components::A, hooks::use_location};

use super::PostForm;
use crate::{
    api::Logout,
    i18n::{switch_lang, use_lang, use_t},
    state::use_session,
    types::UserView,
};

/// The bar on every page: the name, the pages, the balance, the language switch, sign-out.
#[component]
pub fn Header() -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let session = use_session();

    view! {
        <header class="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
            <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
                <a href="/" class="flex items-baseline gap-2">
                    <span class="text-lg font-semibold tracking-tight">"imgbatch"</span>
                    <span class="hidden text-sm text-slate-500 md:inline">{move || t().tagline}</span>
                </a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        session.user.await.ok().flatten().map(|user| view! { <Nav user /> }).into_any()
                    })}
                </Transition>
                <button
                    type="button"
                    class="ml-auto rounded-md px-2 py-1 text-sm text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600"
                    aria-label=move || t().switch_language_label
                    lang=move || lang.get().other().tag()
                    on:click=move |_| switch_lang(lang)
                >
                    {move || t().switch_language}
                </button>
            </div>
        </header>
    }
    .into_any()
}

#[component]
fn Nav(user: UserView) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let location = use_location();
    let link = move |href: &'static str| {
        move || {
            let path = location.pathname.get();
            let current = path == href || (href != "/" && path.starts_with(&format!("{href}/")));
            if current {
                "rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white"
            } else {
                "rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
            }
        }
    };
    let is_admin = user.is_admin;
    let balance_user = user.clone();
    view! {
        <nav aria-label=move || t().main_nav class="flex flex-wrap items-center gap-1">
            <A href="/batch" attr:class=link("/batch")>
                {move || t().nav_batch}
            </A>
            <A href="/history" attr:class=link("/history")>
                {move || t().nav_history}
            </A>
            <A href="/account" attr:class=link("/account")>
                {move || t().nav_account}
            </A>
            {is_admin
                .then(|| {
                    view! {
                        <A href="/admin" attr:class=link("/admin")>
                            {move || t().nav_admin}
                        </A>
                    }
                })}
        </nav>
        <div class="flex items-center gap-3 text-sm">
            <span class="font-medium" data-testid="header-user">
                {user.username.clone()}
            </span>
            <span
                class="rounded-full bg-indigo-50 px-2.5 py-0.5 font-medium text-indigo-800 ring-1 ring-inset ring-indigo-200"
                data-testid="header-credits"
            >
                {move || (t().credits)(session.balance(&balance_user))}
            </span>
            <PostForm action=Logout::url() submit=move |_| session.sign_out(false)>
                <button
                    type="submit"
                    class="rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100 hover:text-slate-900"
                >
                    {move || t().sign_out}
                </button>
            </PostForm>
        </div>
    }
    .into_any()
}
