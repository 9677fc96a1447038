//! `demo`, `audit verify`, `backup` and `restore`.

use crate::config::{self, DbArgs};
use anyhow::Context;
use clap::{Args, Subcommand};
use deltawall_store::audit::Verification;
use deltawall_store::{Store, backup, orgs};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Password for the demo accounts (default: generated and printed).
    #[arg(long, env = "DELTAWALL_DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Also write a large group for benchmarks: a holding company with this many group
    /// companies, each with three full assessment cycles, findings and risks.
    #[arg(long, value_name = "COMPANIES")]
    large_group: Option<usize>,
}

/// Whether no organisation exists yet.
pub async fn is_empty(store: &Store) -> anyhow::Result<bool> {
    let mut conn = store.read().await?;
    Ok(orgs::count(&mut conn).await? == 0)
}

/// Seeds the demo sector and prints how to sign in.
pub async fn seed_demo(store: &Store, password: Option<String>) -> anyhow::Result<()> {
    let password =
        password.unwrap_or_else(|| deltawall_app::platform::auth::secret::random_token(12));
    deltawall_domain::validate::password(&password, "")
        .map_err(|e| anyhow::anyhow!("demo password: {e}"))?;
    let summary = deltawall_demo::seed(store, &password).await?;
    println!(
        "Seeded the demo sector: {} organisations, {} users.",
        summary.organisations, summary.users
    );
    println!("Every demo account uses the password: {password}");
    for (login, what) in &summary.highlights {
        println!("  {login:<14} {what}");
    }
    Ok(())
}

/// `deltawall demo`.
pub async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let cfg = config::build(&args.db, None)?;
    let store = config::open_store(&cfg).await?;
    seed_demo(&store, args.password).await?;
    if let Some(n) = args.large_group {
        let now = deltawall_store::records::now_us();
        let g = deltawall_demo::large::large_group(&store, n, now).await?;
        println!(
            "Wrote a large group: {} organisations, {} result revisions, {} findings.",
            g.orgs, g.revisions, g.findings
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `deltawall audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and name the first broken link.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs an audit command.
pub async fn audit(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { db } = cmd;
    let cfg = config::build(&db, None)?;
    let store = config::open_store(&cfg).await?;
    let mut conn = store.read().await?;
    let outcome = deltawall_store::audit::verify(&mut conn).await?;
    drop(conn);
    store.close().await;
    match outcome {
        Verification::Intact { entries } => {
            println!("audit trail intact: {entries} entries verified");
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken { verified, error } => {
            println!("audit trail BROKEN after {verified} good entries: {error}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Options of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Where to write the backup (JSON); written atomically.
    file: PathBuf,
}

/// `deltawall backup FILE`: a consistent snapshot of the live database.
pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let cfg = config::build(&args.db, None)?;
    let store = config::open_store(&cfg).await?;
    let doc = backup::export(&store).await?;
    store.close().await;
    write_atomically(&args.file, &serde_json::to_vec(&doc)?)?;
    let rows: usize = doc["tables"].as_object().map_or(0, |t| {
        t.values().filter_map(|v| v.as_array()).map(Vec::len).sum()
    });
    println!("wrote {} ({rows} rows)", args.file.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary file beside the target, syncs it, then renames it into place, so
/// the target is either the old file or the complete new one.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("backup")
    ));
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move the backup into {}", path.display()))?;
    Ok(())
}

/// Options of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The backup file to restore.
    file: PathBuf,
}

/// `deltawall restore FILE`: into an empty database, all or nothing.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not valid JSON", args.file.display()))?;
    let cfg = config::build(&args.db, None)?;
    let store = config::open_store(&cfg).await?;
    let rows = backup::restore(&store, &doc).await?;
    store.close().await;
    println!("restored {rows} rows from {}", args.file.display());
    Ok(ExitCode::SUCCESS)
}
