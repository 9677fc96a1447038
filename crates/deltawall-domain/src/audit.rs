//! The audit trail's hash chain.
//!
//! Each entry's hash covers its own content and the previous entry's hash, so changing,
//! removing or reordering any stored entry breaks every later link. Verification
//! recomputes the chain and names the first entry that does not fit.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded action, as it is hashed and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in Unix microseconds.
    pub at_us: i64,
    /// Acting user id, or `None` for the system (bootstrap, anonymous login attempts).
    pub actor_user: Option<String>,
    /// Organisation on whose behalf the action happened (or whose data it touched).
    pub org_id: Option<String>,
    /// What happened, e.g. `user.create`, `login.failure`.
    pub action: String,
    /// Kind of object touched, e.g. `user`.
    pub object_type: String,
    /// Its id.
    pub object_id: Option<String>,
    /// A summary of the change; never secrets.
    pub summary: serde_json::Value,
    /// Source address of the request, when there was one.
    pub source_ip: Option<String>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// Computes the hash of an entry from its content and `prev_hash`.
///
/// Fields are written length-prefixed so that no two different entries share an encoding.
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(&e.seq.to_string());
    field(&e.at_us.to_string());
    field(e.actor_user.as_deref().unwrap_or("\u{0}"));
    field(e.org_id.as_deref().unwrap_or("\u{0}"));
    field(&e.action);
    field(&e.object_type);
    field(e.object_id.as_deref().unwrap_or("\u{0}"));
    field(&e.summary.to_string());
    field(e.source_ip.as_deref().unwrap_or("\u{0}"));
    field(&e.prev_hash);
    hex::encode(h.finalize())
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// An entry's stored hash does not match its content.
    #[error("entry {seq}: content does not match its hash (changed after it was written)")]
    Tampered {
        /// The entry.
        seq: i64,
    },
    /// An entry does not point at its predecessor's hash.
    #[error(
        "entry {seq}: does not follow entry {prev} (an entry was removed, reordered or inserted)"
    )]
    Broken {
        /// The entry.
        seq: i64,
        /// The sequence number expected before it.
        prev: i64,
    },
    /// Sequence numbers skip or repeat.
    #[error("entry {seq}: expected sequence number {expected}")]
    Gap {
        /// The entry found.
        seq: i64,
        /// The number that should have been there.
        expected: i64,
    },
}

/// Incremental verifier: feed entries in sequence order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    next_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_hash: GENESIS.to_owned(),
            next_seq: 1,
        }
    }
}

impl ChainVerifier {
    /// Checks the next entry; returns the first problem found.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        if e.seq != self.next_seq {
            return Err(ChainError::Gap {
                seq: e.seq,
                expected: self.next_seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainError::Broken {
                seq: e.seq,
                prev: e.seq - 1,
            });
        }
        if entry_hash(e) != e.hash {
            return Err(ChainError::Tampered { seq: e.seq });
        }
        self.prev_hash.clone_from(&e.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// Number of entries verified so far.
    pub fn verified(&self) -> i64 {
        self.next_seq - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(actions: &[String]) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        let mut out = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            let mut e = AuditEntry {
                seq: i as i64 + 1,
                at_us: i as i64 * 1000,
                actor_user: Some("u1".into()),
                org_id: Some("o1".into()),
                action: a.clone(),
                object_type: "user".into(),
                object_id: None,
                summary: serde_json::json!({"n": i}),
                source_ip: None,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = entry_hash(&e);
            prev = e.hash.clone();
            out.push(e);
        }
        out
    }

    fn verify(entries: &[AuditEntry]) -> Result<(), ChainError> {
        let mut v = ChainVerifier::default();
        entries.iter().try_for_each(|e| v.check(e))
    }

    proptest! {
        #[test]
        fn intact_chain_verifies(actions in proptest::collection::vec("[a-z.]{1,12}", 0..20)) {
            prop_assert!(verify(&chain(&actions)).is_ok());
        }

        /// Any change to any entry is caught at that entry, not later.
        #[test]
        fn any_edit_is_caught_where_it_happened(
            actions in proptest::collection::vec("[a-z.]{1,12}", 1..20),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut entries = chain(&actions);
            let i = pick.index(entries.len());
            entries[i].action.push('x');
            prop_assert_eq!(verify(&entries), Err(ChainError::Tampered { seq: i as i64 + 1 }));
        }

        #[test]
        fn removal_is_caught(actions in proptest::collection::vec("[a-z.]{1,12}", 2..20), pick in any::<prop::sample::Index>()) {
            let mut entries = chain(&actions);
            let i = pick.index(entries.len() - 1);
            entries.remove(i);
            prop_assert!(verify(&entries).is_err());
        }
    }
}
