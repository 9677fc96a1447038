//! `deltawall`: the one command of the platform.

mod config;
mod feed;
mod jobs;
mod ops;
mod send;
mod serve;
mod stix;
mod stream;
mod taxii;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Deltawall: cybersecurity for a whole financial sector.
#[derive(Debug, Parser)]
#[command(name = "deltawall", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web service (UI, JSON API).
    Serve(serve::ServeArgs),
    /// Seed a realistic demo sector into an empty database.
    Demo(ops::DemoArgs),
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(ops::AuditCommand),
    /// Write a consistent backup of a live database to a file.
    Backup(ops::BackupArgs),
    /// Restore a backup file into an empty database.
    Restore(ops::RestoreArgs),
    /// Scheduled jobs: list their runs, make one due now.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// STIX 2.1 tools.
    #[command(subcommand)]
    Stix(stix::StixCommand),
    /// A TAXII 2.1 client for scripts: push a STIX file to a collection, pull one.
    #[command(subcommand)]
    Taxii(taxii::TaxiiCommand),
    #[command(flatten)]
    Detect(deltawall_detect::cli::DetectCommand),
    /// Streaming detection: workers consuming events from NATS JetStream.
    #[command(name = "detect")]
    Stream(deltawall_stream::cli::DetectArgs),
    /// Publish log files to NATS JetStream for `detect`.
    Publish(deltawall_stream::cli::PublishArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The detection engine and the STIX tools are synchronous: no runtime needed.
    let command = match cli.command {
        Command::Detect(deltawall_detect::cli::DetectCommand::Scan(args))
            if args.send.is_some() || args.subscription.is_active() =>
        {
            return report(feed::scan(args));
        }
        Command::Detect(cmd) => return report(deltawall_detect::cli::run(cmd)),
        Command::Stix(cmd) => return report(stix::run(cmd)),
        other => other,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(args) => serve::run(args).await,
            Command::Demo(args) => ops::demo(args).await,
            Command::Audit(cmd) => ops::audit(cmd).await,
            Command::Backup(args) => ops::backup(args).await,
            Command::Restore(args) => ops::restore(args).await,
            Command::Jobs(cmd) => jobs::command(cmd).await,
            Command::Taxii(cmd) => taxii::run(cmd).await,
            Command::Stream(args) => stream::detect(args).await,
            Command::Publish(args) => stream::publish(args).await,
            Command::Detect(_) | Command::Stix(_) => {
                unreachable!("handled before the runtime starts")
            }
        }
    });
    report(result)
}

fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
