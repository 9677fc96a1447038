//! `detect` and `publish` as in the `deltawall` binary, without the platform, so that the
//! scaling benchmark (docs/BENCHMARKS.md) can build an optimised worker quickly:
//! `cargo build --release -p deltawall-stream --example stream_bench`.

use clap::Parser;
use std::process::ExitCode;

#[derive(Debug, clap::Parser)]
enum Cmd {
    /// As `deltawall detect` (no `--send`).
    Detect(deltawall_stream::cli::DetectArgs),
    /// As `deltawall publish`.
    Publish(deltawall_stream::cli::PublishArgs),
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        match Cmd::parse() {
            Cmd::Detect(args) => deltawall_stream::cli::detect(args, None, None).await,
            Cmd::Publish(args) => deltawall_stream::cli::publish_files(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
