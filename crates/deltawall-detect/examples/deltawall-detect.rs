//! Runs the detection commands without the `deltawall` binary:
//! `cargo run -p deltawall-detect --example deltawall-detect -- scan logs/`.

use clap::Parser;
use deltawall_detect::cli::{DetectCommand, run};

#[derive(Parser)]
#[command(name = "deltawall-detect")]
struct Cli {
    #[command(subcommand)]
    command: DetectCommand,
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
