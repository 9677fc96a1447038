//! `deltawall stix …`.

use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// STIX commands.
#[derive(Debug, Subcommand)]
pub enum StixCommand {
    /// Validate a STIX 2.1 bundle, object or TAXII envelope; every problem is reported with
    /// its JSON pointer. Exits 1 when there are errors.
    Validate {
        /// The JSON file (`-` for standard input).
        file: PathBuf,
    },
}

/// Runs a STIX command.
pub fn run(cmd: StixCommand) -> anyhow::Result<ExitCode> {
    let StixCommand::Validate { file } = cmd;
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let report = deltawall_stix::validate_document(&text);
    print!("{report}");
    Ok(if report.errors().next().is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
