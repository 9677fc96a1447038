//! `deltawall serve`.

use crate::config::{self, DbArgs, ServerArgs};
use anyhow::Context;
use clap::Args;
use deltawall_app::platform::setup;
use deltawall_web::{AppState, build_router};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    server: ServerArgs,
    /// Seed the demo sector first when the database is empty.
    #[arg(long)]
    demo: bool,
    /// Password for the demo accounts (default: generated and printed).
    #[arg(long, env = "DELTAWALL_DEMO_PASSWORD", hide_env_values = true)]
    demo_password: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "DELTAWALL_LOG_JSON")]
    log_json: bool,
    /// Run every scheduled job this often instead of its default (maintenance every 600 s,
    /// reminders every 300 s); give every replica the same value.
    #[arg(long, env = "DELTAWALL_JOBS_INTERVAL_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    jobs_interval_secs: Option<u64>,
    /// This replica's name in the job records (default: host name and process id).
    #[arg(long, env = "DELTAWALL_REPLICA_ID")]
    replica_id: Option<String>,
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs the server until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_json);
    let cfg = config::build(&args.db, Some(&args.server))?;
    let store = config::open_store(&cfg).await?;
    if args.demo && crate::ops::is_empty(&store).await? {
        crate::ops::seed_demo(&store, args.demo_password.clone()).await?;
    }
    let reached = deltawall_app::sharing::taxii::backfill_reach(&store)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if reached > 0 {
        tracing::info!(
            rows = reached,
            "computed the audience of stored TAXII objects"
        );
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    println!("Deltawall is listening on {}", cfg.public_url);
    println!("  database: {}", redact(&cfg.database_url()));
    if let Some(token) = setup::issue_token(&store)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        println!();
        println!("No administrator exists yet. Open this one-time link to register the supervisor");
        println!("and its first administrator (it works once and is not stored in plain text):");
        println!(
            "  {}/setup?token={token}",
            cfg.public_url.trim_end_matches('/')
        );
        println!("Or stop the server and run it with --demo to explore a demo sector.");
    } else if !args.demo {
        println!("Sign in at {}/login", cfg.public_url.trim_end_matches('/'));
    }
    let scheduler = crate::jobs::Scheduler {
        replica: args
            .replica_id
            .clone()
            .unwrap_or_else(crate::jobs::default_replica),
        interval_override: args.jobs_interval_secs.map(std::time::Duration::from_secs),
        throttle_window_secs: cfg.throttle.address_window_secs,
        clock: cfg.clock.clone(),
    };
    let jobs = tokio::spawn(scheduler.run(store.clone()));
    let state = AppState {
        store: store.clone(),
        config: Arc::new(cfg),
    };
    let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum_serve(listener, app).await?;
    jobs.abort();
    store.close().await;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: axum_compat::MakeService,
) -> anyhow::Result<()> {
    axum_compat::serve(listener, app, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// The one place that names axum's serve types, so `serve.rs` reads plainly.
mod axum_compat {
    use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
    use std::net::SocketAddr;

    pub type MakeService = IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr>;

    pub async fn serve(
        listener: tokio::net::TcpListener,
        app: MakeService,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await?;
        Ok(())
    }
}
