//! Configuration: flags override environment variables (`DELTAWALL_…`), which override an
//! optional TOML file (`--config`), which overrides the defaults. Validated once at start.

use anyhow::Context;
use clap::Args;
use deltawall_web::Config;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives; shared by every command that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Directory for the SQLite database and backups.
    #[arg(long, env = "DELTAWALL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://PATH` or `postgres://…`); default: SQLite in the data directory.
    #[arg(long, env = "DELTAWALL_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A TOML file with any of the settings (flags and environment win over it).
    #[arg(long, env = "DELTAWALL_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Server settings.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on.
    #[arg(long, env = "DELTAWALL_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// The URL users reach the server at.
    #[arg(long, env = "DELTAWALL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Send cookies without `Secure` (only for plain HTTP on a non-loopback address).
    #[arg(long, env = "DELTAWALL_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy.
    #[arg(long, env = "DELTAWALL_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

/// The file's shape: every setting optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    insecure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    session_idle_secs: Option<i64>,
    session_max_secs: Option<i64>,
    max_body_bytes: Option<usize>,
}

fn read_file(path: &Option<PathBuf>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

/// Builds and validates the configuration.
pub fn build(db: &DbArgs, server: Option<&ServerArgs>) -> anyhow::Result<Config> {
    let file = read_file(&db.config)?;
    let mut c = Config::default();
    if let Some(v) = db.data_dir.clone().or(file.data_dir) {
        c.data_dir = v;
    }
    c.database_url = db.database_url.clone().or(file.database_url);
    if let Some(v) = server.and_then(|s| s.listen).or(file.listen) {
        c.listen = v;
        c.public_url = format!("http://{}", localhost_name(v));
    }
    if let Some(v) = server
        .and_then(|s| s.public_url.clone())
        .or(file.public_url)
    {
        c.public_url = v;
    }
    let insecure =
        server.is_some_and(|s| s.insecure_cookies) || file.insecure_cookies.unwrap_or(false);
    c.secure_cookies = !insecure;
    c.trust_forwarded_for =
        server.is_some_and(|s| s.trust_forwarded_for) || file.trust_forwarded_for.unwrap_or(false);
    if let Some(v) = file.session_idle_secs {
        c.session_idle_secs = v;
    }
    if let Some(v) = file.session_max_secs {
        c.session_max_secs = v;
    }
    if let Some(v) = file.max_body_bytes {
        c.max_body_bytes = v;
    }
    c.validate()?;
    Ok(c)
}

/// `localhost:PORT` for loopback addresses, since browsers treat `localhost` as a secure
/// context (Secure cookies work over plain HTTP there).
fn localhost_name(addr: SocketAddr) -> String {
    if addr.ip().is_loopback() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// Opens (creating and migrating) the database the configuration names.
pub async fn open_store(c: &Config) -> anyhow::Result<deltawall_store::Store> {
    if c.database_url.is_none() {
        std::fs::create_dir_all(&c.data_dir)
            .with_context(|| format!("cannot create data directory {}", c.data_dir.display()))?;
    }
    let url = c.database_url();
    let store = deltawall_store::Store::open(&url)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    install_sealing_key(c, &store).await?;
    Ok(store)
}

/// Installs the key that seals TOTP secrets at rest (the environment's
/// `DELTAWALL_SECRET_KEY`, else `secret.key` in the data directory, created on first
/// start) and seals any secret still stored in clear.
async fn install_sealing_key(c: &Config, store: &deltawall_store::Store) -> anyhow::Result<()> {
    use deltawall_app::platform::auth::seal;
    let env = std::env::var(seal::KEY_ENV).ok();
    let key = seal::load_key(env.as_deref(), &c.data_dir)?;
    seal::install(key)?;
    let sealed = seal::seal_clear_secrets(store)
        .await
        .map_err(|e| anyhow::anyhow!("sealing stored TOTP secrets: {e}"))?;
    if sealed > 0 {
        tracing::info!(secrets = sealed, "sealed TOTP secrets stored in clear");
    }
    Ok(())
}
