use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    components::{Loading, describe},
    i18n::use_t,
    state::use_session,
    types::UserView,
};

/// Renders `children` for a signed-in user (an administrator if `admin`), sends visitors to the
/// sign-in page, and tells a signed-in non-admin that the page is not for them.
#[component]
pub fn RequireUser<F, V>(children: F, #[prop(optional)] admin: bool) -> impl IntoView
where
    F: Fn(UserView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    let t = use_t();
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) if admin && !user.is_admin => {
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(http::StatusCode::FORBIDDEN);
                            }
                            view! {
                                <p role="alert" class="rounded-lg bg-amber-50 p-4 text-amber-900">
                                    {t().admin_only}
                                </p>
                            }
                                .into_any()
                        }
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => {
                            view! {
                                <p role="alert" class="text-red-700">
                                    {describe(t(), &error)}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}
