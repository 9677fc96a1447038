//! Spreading one scan over several engines by correlation group instead of by event: when
//! the correlations group by different fields (the finance pack groups by address,
//! account, network and client), no event field can route every group's inputs to one
//! engine, but the groups themselves can be divided. Every engine then sees every event
//! and keeps the windows of its own groups only: the groups whose key hashes to the engine
//! (so a busy correlation is spread evenly, whatever its share of the inputs). A chain
//! (correlations feeding one another) whose outer groups take the inner group's key as it
//! is divides the same way, its linked groups hashing alike; a chain that changes the key
//! stays whole in one engine, such chains being spread by their number of inputs. The windows are the dominant cost of correlating sign-in events, so dividing
//! them divides most of the work; rule evaluation is repeated in every engine.

use super::Engine;
use crate::correlation::{Key, Source};

/// Which engine keeps a correlation's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The engine the key hashes to.
    ByKey,
    /// This engine (by number), for every group of a chain.
    Engine(usize),
}

/// The groups an engine keeps, see [`Engine::keep_share`].
#[derive(Debug, Clone)]
pub(super) struct Share {
    share: usize,
    of: usize,
    owners: Vec<Owner>,
}

impl Share {
    /// Whether this engine keeps the group `key` of correlation `corr`.
    pub fn owns(&self, corr: usize, key: &Key) -> bool {
        match self.owners[corr] {
            Owner::Engine(e) => e == self.share,
            Owner::ByKey => (key.stable_hash() % self.of as u64) as usize == self.share,
        }
    }
}

impl Engine {
    /// Into how many independent parts the correlations fall: correlations that feed one
    /// another (chains) must stay in one engine, any others may be divided.
    pub fn correlation_parts(&self) -> usize {
        let roots = self.correlation_roots();
        (0..roots.len()).filter(|&c| roots[c] == c).count()
    }

    /// Whether engines built from these rules can divide their correlation groups: some
    /// correlation is outside any chain, or there are several chains.
    pub fn can_divide(&self) -> bool {
        self.owners(2).contains(&Owner::ByKey) || self.correlation_parts() > 1
    }

    /// Keeps only share `share` of `of` of the work: the groups it owns (see the module
    /// documentation), the rules that feed them, and every `of`-th alerting rule. Engines
    /// built from the same rules, each keeping a different share and fed every event, raise
    /// together the alerts of one engine.
    pub fn keep_share(&mut self, share: usize, of: usize) {
        let of = of.max(1);
        let owners = self.owners(of);
        for (r, rule) in self.rules.iter_mut().enumerate() {
            rule.emit &= r % of == share;
            rule.feeds.retain(|&(c, _)| {
                matches!(owners[c], Owner::ByKey) || owners[c] == Owner::Engine(share)
            });
        }
        // A chain kept elsewhere is never fed here, so its chained feeds stay unused.
        self.share = Some(Share { share, of, owners });
        self.routes.clear();
        self.last_route = None;
    }

    /// Per correlation, who keeps its groups: by key, unless it is part of a chain that
    /// changes the group key along the way (then the engine that keeps the chain).
    fn owners(&self, of: usize) -> Vec<Owner> {
        let roots = self.correlation_roots();
        let mut keeps_key = vec![true; roots.len()];
        for (c, corr) in self.corrs.iter().enumerate() {
            keeps_key[roots[c]] &= corr.inputs.iter().all(|i| self.passes_key_on(i));
        }
        let chain_owner = self.part_owners(of);
        (0..roots.len())
            .map(|c| {
                if keeps_key[roots[c]] {
                    Owner::ByKey
                } else {
                    Owner::Engine(chain_owner[c])
                }
            })
            .collect()
    }

    /// Whether an input's group is the same key as its source's: always for a rule (read
    /// from the event), and for a chained correlation when it takes the upstream group's
    /// values in the same order. Then a group and the upstream group that feeds it hash to
    /// the same engine.
    fn passes_key_on(&self, input: &crate::correlation::Input) -> bool {
        match input.source {
            Source::Rule(_) => true,
            Source::Correlation(j) => {
                input.group.len() == self.corrs[j].group_names.len()
                    && input.group.iter().enumerate().all(|(i, g)| {
                        matches!(g, crate::correlation::GroupSrc::Upstream(Some(u)) if *u == i)
                    })
            }
        }
    }

    /// Per correlation, the share of `of` that would keep its part whole.
    fn part_owners(&self, of: usize) -> Vec<usize> {
        let roots = self.correlation_roots();
        let mut weight = vec![0usize; roots.len()];
        for (c, corr) in self.corrs.iter().enumerate() {
            let inputs = corr
                .inputs
                .iter()
                .filter(|i| matches!(i.source, Source::Rule(_)))
                .count();
            weight[roots[c]] += inputs.max(1);
        }
        // Heaviest part first onto the lightest share: a fixed order, so every engine of
        // the scan computes the same assignment.
        let mut parts: Vec<usize> = (0..roots.len()).filter(|&c| roots[c] == c).collect();
        parts.sort_by_key(|&p| (std::cmp::Reverse(weight[p]), p));
        let mut load = vec![0usize; of];
        let mut part_owner = vec![0usize; roots.len()];
        for p in parts {
            let lightest = (0..of).min_by_key(|&s| (load[s], s)).unwrap_or(0);
            load[lightest] += weight[p];
            part_owner[p] = lightest;
        }
        roots.iter().map(|&r| part_owner[r]).collect()
    }

    /// Per correlation, the lowest-numbered correlation of its chain (union of feeds).
    fn correlation_roots(&self) -> Vec<usize> {
        let mut parent: Vec<usize> = (0..self.corrs.len()).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for (c, corr) in self.corrs.iter().enumerate() {
            for &(next, _) in &corr.feeds {
                let (a, b) = (find(&mut parent, c), find(&mut parent, next));
                let (lo, hi) = (a.min(b), a.max(b));
                parent[hi] = lo;
            }
        }
        (0..parent.len()).map(|c| find(&mut parent, c)).collect()
    }
}
