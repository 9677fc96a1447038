//! `deltawall detect` and `deltawall publish` (NATS JetStream); `--send` delivers alerts
//! with the same platform client as `scan --send`.

use crate::send::client::{Client, Failure};
use anyhow::Context;
use deltawall_stream::cli::{DetectArgs, PublishArgs};
use deltawall_stream::worker::Forward;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

struct Platform(Client);

impl Forward for Platform {
    fn deliver<'a>(
        &'a self,
        body: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            match self.0.deliver(body).await {
                Ok(_) => Ok(()),
                Err(Failure::Retry(e) | Failure::Fatal(e)) => Err(format!("{e:#}")),
            }
        })
    }
}

/// Runs `detect`.
pub async fn detect(args: DetectArgs) -> anyhow::Result<ExitCode> {
    let platform = match &args.send {
        Some(url) => {
            let token = args
                .token
                .as_deref()
                .context("--send needs an API token: --token or DELTAWALL_TOKEN")?;
            Some(Platform(Client::new(url, token)?))
        }
        None => None,
    };
    let forward = platform.as_ref().map(|p| p as &dyn Forward);
    if !args.subscription.is_active() {
        return deltawall_stream::cli::detect(args, forward, None).await;
    }
    // The first poll blocks until the collections are read: off the runtime's threads.
    let subscription = args.subscription.clone();
    let running = tokio::task::spawn_blocking(move || crate::feed::Running::start(&subscription))
        .await
        .context("the subscription did not start")??;
    let heard = |line: &serde_json::Value| running.heard(line);
    let feed = Some((running.indicators.clone(), &heard as _));
    let result = deltawall_stream::cli::detect(args, forward, feed).await;
    tokio::task::block_in_place(|| running.finish());
    result
}

/// Runs `publish`.
pub async fn publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    deltawall_stream::cli::publish_files(args).await
}
