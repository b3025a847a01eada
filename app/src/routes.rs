//! Every page is a lazily loaded route: built with `cargo leptos build --split`, its code is a
//! WebAssembly chunk of its own that the browser fetches when the page is first shown (the server
//! names the current page's chunks in the HTML so they load alongside the main bundle). The
//! server renders every page in full either way.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages;

/// Declares a route type whose view is the given page component.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(
    /// `/`: sends visitors on to their start page.
    Home => pages::HomePage
);
lazy_page!(
    /// `/login`: sign in or create an account.
    Login => pages::LoginPage
);
lazy_page!(
    /// `/batch`: choose pictures, write a prompt, start.
    NewBatch => pages::NewBatchPage
);
lazy_page!(
    /// `/batch/:id`: one batch's live progress and results.
    Batch => pages::BatchPage
);
lazy_page!(
    /// `/history`: the user's batches.
    History => pages::HistoryPage
);
lazy_page!(
    /// `/account`: balance, credit history, keys and sessions.
    Account => pages::AccountPage
);
lazy_page!(
    /// `/admin`: concurrency, presets, users, queues and statistics.
    Admin => pages::AdminPage
);
