use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{components::Loading, state::use_session};

/// `/`: the batch page once signed in, the sign-in page otherwise.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let target = match session.user.await {
                    Ok(Some(_)) => "/batch",
                    _ => "/login",
                };
                view! { <Redirect path=target /> }.into_any()
            })}
        </Transition>
    }
    .into_any()
}
