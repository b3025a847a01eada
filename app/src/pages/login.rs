use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    components::{AuthForms, Loading},
    state::use_session,
};

/// `/login`: sign in or create an account; a signed-in user goes on to the batch page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => view! { <Redirect path="/batch" /> }.into_any(),
                    _ => view! { <AuthForms /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
