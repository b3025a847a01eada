//! Building the application from its configuration and serving it until shutdown.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::State,
    http::{Request, StatusCode},
    response::IntoResponse,
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::RequestBodyTimeoutLayer,
    trace::TraceLayer,
};

use tokio_util::sync::CancellationToken;

use crate::{
    Result,
    accounts::Accounts,
    batch::Batches,
    config::{Config, Registration},
    db::{self, Db},
    keys::UserKeys,
    presets::Presets,
    providers::Models,
    queue::{Events, QueueState, RetryPolicy, StreamLimits, Worker, WorkerConfig},
    rest,
    security::{self, Site, deadline::Deadline},
    settings::Settings,
    state::AppState,
    storage::Storage,
};

/// A bound, ready-to-serve server with its queue worker.
pub struct Application {
    listener: TcpListener,
    router: Router,
    worker: Worker,
    accounts: Accounts,
    batches: Batches,
    retention_days: Option<u64>,
    shutdown: CancellationToken,
}

impl Application {
    /// Opens the database, migrates it, creates the first admin if needed and binds the socket.
    pub async fn build(config: &Config) -> Result<Self> {
        let db = open_database(config).await?;
        let (state, worker) = build_state(config, db).await?;
        if let Some(admin) = state.accounts.ensure_admin().await? {
            announce_admin(&admin);
        }
        let listener = TcpListener::bind(config.addr).await.map_err(|e| {
            crate::Error::Internal(format!("cannot listen on {}: {e}", config.addr))
        })?;
        let shutdown = state.shutdown.clone();
        let accounts = state.accounts.clone();
        let batches = state.batches.clone();
        Ok(Self {
            listener,
            router: router(state),
            worker,
            accounts,
            batches,
            retention_days: config.retention_days,
            shutdown,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves requests and runs the queue until SIGINT or SIGTERM; then stops claiming tasks,
    /// lets running calls finish for a bounded time and hands the rest back to the queue.
    pub async fn run_until_stopped(self) -> Result<()> {
        if let Some(addr) = self.local_addr() {
            tracing::info!("listening on http://{addr}");
        }
        let worker = tokio::spawn(self.worker.run(self.shutdown.clone()));
        tokio::spawn(sweep_expired_tokens(
            self.accounts.clone(),
            self.shutdown.clone(),
        ));
        tokio::spawn(keep_storage_tidy(
            self.batches.clone(),
            self.retention_days,
            self.shutdown.clone(),
        ));
        let signal = {
            let shutdown = self.shutdown.clone();
            async move {
                shutdown_signal().await;
                shutdown.cancel();
            }
        };
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await
        .map_err(|e| crate::Error::Internal(format!("server error: {e}")));
        self.shutdown.cancel();
        if let Err(error) = worker.await {
            tracing::error!(%error, "the queue worker crashed");
        }
        tracing::info!("stopped");
        served
    }
}

/// Creates the data directory, connects and migrates.
pub async fn open_database(config: &Config) -> Result<Db> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        crate::Error::Internal(format!(
            "cannot create the data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let db = db::connect(&config.database_url()).await?;
    db::migrate(&db).await?;
    Ok(db)
}

/// The services over one database, and the queue worker that runs their tasks.
pub async fn build_state(config: &Config, db: Db) -> Result<(AppState, Worker)> {
    let site_root = config.site_dir.to_string_lossy().into_owned();
    let leptos_options = LeptosOptions::builder()
        .output_name("imgbatch")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let settings = Settings::load(db.clone()).await?;
    let storage = Storage::open(
        config.storage_url.as_deref(),
        &config.data_dir.join("objects"),
    )
    .await?;
    let models = Models::from_config(config)?;
    let keys = UserKeys::load(db.clone(), config.secret_key.as_ref(), &config.data_dir)?;
    let events = Events::new(StreamLimits {
        per_user: config.streams_per_user as usize,
        total: config.streams_total as usize,
    });
    let queue_state = QueueState::default();
    let worker = Worker::new(
        db.clone(),
        storage.clone(),
        models.clone(),
        Arc::new(keys.clone()),
        settings.watch_concurrency(),
        events.clone(),
        queue_state.clone(),
        WorkerConfig {
            lease: Duration::from_secs(config.lease_secs.max(3)),
            retry: RetryPolicy {
                base: Duration::from_millis(config.retry_base_ms),
            },
            call_timeout: Duration::from_secs(config.provider_timeout_secs + 5),
            shutdown_grace: Duration::from_secs(10),
            poll: config.queue_poll(db.backend()),
        },
    );
    let state = AppState {
        accounts: Accounts::new(db.clone(), config.signup_credits, config.token_ttl())
            .with_registration(config.registration == Registration::Open),
        presets: Presets::new(db.clone()),
        batches: Batches::new(
            db.clone(),
            storage,
            models.clone(),
            keys.clone(),
            events,
            queue_state,
        )
        .with_manual_retries(config.manual_retries)
        .with_uploads_per_user(config.uploads_per_user as usize)
        .with_storage_quota_mb(config.storage_quota_mb),
        settings,
        models,
        keys,
        site: Site::new(config.public_url.clone()),
        deadline: Deadline(Duration::from_secs(config.request_timeout_secs)),
        proxies: config.trusted_proxies.clone(),
        db,
        leptos_options,
        shutdown: CancellationToken::new(),
    };
    Ok((state, worker))
}

/// The whole HTTP surface: REST under `/api`, the UI and its server functions, static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let shared: app::backend::SharedBackend = Arc::new(state.clone());
    let context = move || provide_context(shared.clone());
    let options = state.leptos_options.clone();

    Router::new()
        .nest("/api", rest::router())
        .route("/healthz", get(health))
        .leptos_routes_with_context(&state, routes, context, move || app::shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.deadline,
            security::deadline::answer_in_time,
        ))
        .layer(RequestBodyTimeoutLayer::new(state.deadline.0))
        .layer(axum::middleware::from_fn_with_state(
            rest::throttle::LoginThrottle::new(state.proxies.clone()),
            rest::throttle::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.site.clone(),
            security::origin::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (state.site.clone(), state.proxies.clone()),
            security::headers::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                    user_id = tracing::field::Empty,
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

async fn health(State(db): State<Db>) -> impl IntoResponse {
    let timeout = Duration::from_secs(2);
    match tokio::time::timeout(timeout, db::ping(&db)).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Ok(Err(error)) => {
            tracing::error!(%error, "health check: database error");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unavailable" })),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "database timed out" })),
        ),
    }
}

/// The first admin's password is shown once, on the terminal only, never in the log.
fn announce_admin(admin: &crate::accounts::BootstrapAdmin) {
    use std::io::Write;
    tracing::info!(username = %admin.username, "created the first administrator account");
    let banner = format!(
        "\n  imgbatch: first start, an administrator account was created\n    username: {}\n    password: {}\n  Keep the password; it is not shown again.\n\n",
        admin.username, admin.password
    );
    let _ = std::io::stderr().write_all(banner.as_bytes());
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Deletes expired session and API tokens at start and every hour, until shutdown.
/// At start and hourly: batches past the retention period, then files nothing refers to.
async fn keep_storage_tidy(
    batches: Batches,
    retention_days: Option<u64>,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Some(days) = retention_days {
            match batches.delete_older_than(days).await {
                Ok(0) => {}
                Ok(removed) => {
                    tracing::info!(removed, days, "batches past the retention period deleted")
                }
                Err(error) => tracing::warn!(%error, "deleting old batches failed"),
            }
        }
        match batches.sweep_orphans(crate::batch::ORPHAN_MIN_AGE).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "stored files no batch refers to removed"),
            Err(error) => tracing::warn!(%error, "sweeping stored files failed"),
        }
    }
}

async fn sweep_expired_tokens(accounts: Accounts, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => match accounts.sweep_expired_tokens().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "expired tokens removed"),
                Err(error) => tracing::warn!(%error, "removing expired tokens failed"),
            },
        }
    }
}
