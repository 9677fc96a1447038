//! Argon2id password hashing, run off the async executor because it is deliberately slow,
//! and through a bounded pool: at most [`WORKERS`] hashes run at once and at most
//! [`QUEUE`] more wait; beyond that a request is refused at once ([`Busy`], answered 503
//! with `Retry-After`), so a flood of sign-ins or setup posts cannot exhaust memory (each
//! hash holds 19 MiB).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Hashes that run at once.
pub const WORKERS: usize = 2;
/// Hashes that may wait for a worker; more are refused.
pub const QUEUE: usize = 32;

/// The pool is full: try again shortly.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("password hashing is busy; try again shortly")]
pub struct Busy;

struct Pool {
    workers: Semaphore,
    admitted: AtomicUsize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        workers: Semaphore::new(WORKERS),
        admitted: AtomicUsize::new(0),
    })
}

/// Releases an admission when the work ends or its caller goes away.
struct Admitted(&'static Pool);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs one argon2 computation in the pool, or refuses it when the queue is full.
async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    let p = pool();
    if p.admitted.fetch_add(1, Ordering::SeqCst) >= WORKERS + QUEUE {
        p.admitted.fetch_sub(1, Ordering::SeqCst);
        return Err(Busy);
    }
    let _admitted = Admitted(p);
    let _worker = p.workers.acquire().await.map_err(|_| Busy)?;
    tokio::task::spawn_blocking(f).await.map_err(|_| Busy)
}

/// Hashes a password with Argon2id (the crate's defaults: m = 19 MiB, t = 2, p = 1, the
/// OWASP minimum) and a random salt; returns the PHC string. Fails with [`Busy`] (inside
/// the `anyhow` error) when the pool is full.
pub async fn hash(password: String) -> anyhow::Result<String> {
    run(move || hash_blocking(&password)).await?
}

/// Blocking variant for the CLI and seeding.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let h = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(h.to_string())
}

tokio::task_local! {
    static VERIFICATIONS: Arc<AtomicUsize>;
}

/// Runs `work` (a request, in tests) and adds to `counter` every argon2 verification it
/// actually computes, refused ones not included. A global counter would mix in the work
/// of other tests running in the same process; the count follows the task instead, so a
/// test can prove how many password checks a burst of requests really cost.
pub async fn counting_verifications<F: Future>(counter: Arc<AtomicUsize>, work: F) -> F::Output {
    VERIFICATIONS.scope(counter, work).await
}

/// Checks a password against a PHC string. A malformed stored hash counts as a mismatch;
/// a full pool is [`Busy`], not a mismatch, so that it never counts as a failed attempt.
pub async fn verify(password: String, phc: String) -> Result<bool, Busy> {
    let counter = VERIFICATIONS.try_with(Arc::clone).ok();
    run(move || {
        if let Some(c) = counter {
            c.fetch_add(1, Ordering::SeqCst);
        }
        Argon2::default()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
}

/// A hash of a random password, verified against when the login name does not exist so
/// that unknown and known accounts take the same time to refuse.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking(&super::secret::random_token(16)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst beyond the pool's workers and queue is refused at once, not queued without
    /// bound; what was admitted completes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_beyond_the_queue_is_refused() {
        let phc = hash_blocking("right password").unwrap();
        let tasks: Vec<_> = (0..120)
            .map(|_| tokio::spawn(verify("wrong password".into(), phc.clone())))
            .collect();
        let (mut done, mut busy) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(ok) => {
                    assert!(!ok);
                    done += 1;
                }
                Err(Busy) => busy += 1,
            }
        }
        assert!(busy > 0, "nothing refused");
        assert!(done >= WORKERS, "{done} verified");
        assert_eq!(pool().admitted.load(Ordering::SeqCst), 0);
    }
}
