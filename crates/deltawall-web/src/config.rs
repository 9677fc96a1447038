//! Server configuration, validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server needs to run. Built by the CLI from flags, environment variables
/// and an optional file, then checked by [`Config::validate`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the SQLite database, backups and uploaded files.
    pub data_dir: PathBuf,
    /// Database URL; `None` means SQLite at `data_dir/deltawall.db`.
    pub database_url: Option<String>,
    /// The externally visible base URL (used in printed links and as a trusted origin).
    pub public_url: String,
    /// Mark cookies `Secure` and use the `__Host-` prefix. Only turn off for plain-HTTP
    /// development on a non-loopback address.
    pub secure_cookies: bool,
    /// Idle session lifetime, in seconds.
    pub session_idle_secs: i64,
    /// Absolute session lifetime, in seconds.
    pub session_max_secs: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Login throttling thresholds.
    pub throttle: deltawall_domain::throttle::ThrottlePolicy,
    /// Trust the first `X-Forwarded-For` address as the client address (behind a proxy).
    pub trust_forwarded_for: bool,
    /// The clock of the request and alert services: the system clock unless a test moves
    /// it (see `deltawall_app::supervision::clock`).
    pub clock: deltawall_app::supervision::clock::Clock,
    /// The navigation's briefly remembered work counts (see `layout::nav::WorkCache`).
    pub work_cache: crate::layout::nav::WorkCache,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: "http://localhost:8080".into(),
            secure_cookies: true,
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 3600,
            max_body_bytes: 1 << 20,
            throttle: Default::default(),
            trust_forwarded_for: false,
            clock: Default::default(),
            work_cache: Default::default(),
        }
    }
}

/// A configuration value that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("deltawall.db").display()))
    }

    /// Checks the values against each other; the message names the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return err(format!(
                "public_url `{}` must start with http:// or https://",
                self.public_url
            ));
        }
        if self.session_idle_secs < 60 || self.session_idle_secs > self.session_max_secs {
            return err(
                "session_idle_secs must be at least 60 and at most session_max_secs".into(),
            );
        }
        if self.max_body_bytes < 1024 {
            return err("max_body_bytes must be at least 1024".into());
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres:")
                || url.starts_with("postgresql:"))
        {
            return err("database_url must start with sqlite: or postgres:".into());
        }
        Ok(())
    }
}
