use leptos::prelude::*;

use crate::{
    api::{Login, Logout, Register, current_user},
    components::{AuthForms, SignedIn},
};

/// The start page: the sign-in forms for visitors, the account summary once signed in.
#[component]
pub fn HomePage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let register = ServerAction::<Register>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(
        move || {
            (
                login.version().get(),
                register.version().get(),
                logout.version().get(),
            )
        },
        |_| current_user(),
    );

    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl items-center justify-between px-6 py-4">
                <a href="/" class="text-lg font-semibold tracking-tight">
                    "imgbatch"
                </a>
                <span class="text-sm text-slate-500">"Batch image-to-image generation"</span>
            </div>
        </header>
        <main class="mx-auto max-w-5xl px-6 py-10">
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! { <SignedIn user logout /> }.into_any(),
                        Ok(None) => view! { <AuthForms login register /> }.into_any(),
                        Err(error) => {
                            view! {
                                <p role="alert" class="text-red-600">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </main>
    }
}
