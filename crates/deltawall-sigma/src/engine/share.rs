//! Spreading one scan over several engines by correlation instead of by event: when the
//! correlations group by different fields (the finance pack groups by address, account,
//! network and client), no event field can route every group's inputs to one engine, but
//! the correlations themselves can be divided. Every engine then sees every event, keeps
//! the windows of its own correlations only and evaluates only the rules they (or its own
//! alerting rules) need. The windows are the dominant cost of correlating sign-in events,
//! so dividing them divides most of the work.

use super::Engine;
use crate::correlation::Source;

impl Engine {
    /// Into how many independent parts the correlations fall: correlations that feed one
    /// another (chains) must stay in one engine, any others may be divided.
    pub fn correlation_parts(&self) -> usize {
        let roots = self.correlation_roots();
        (0..roots.len()).filter(|&c| roots[c] == c).count()
    }

    /// Keeps only share `share` of `of` of the work: the correlations of some parts (chosen
    /// to balance the number of rule inputs over the shares), the rules that feed them, and
    /// every `of`-th alerting rule. Engines built from the same rules, each keeping a
    /// different share and fed every event, raise together the alerts of one engine.
    pub fn keep_share(&mut self, share: usize, of: usize) {
        let of = of.max(1);
        let owner = self.part_owners(of);
        for (r, rule) in self.rules.iter_mut().enumerate() {
            rule.emit &= r % of == share;
            rule.feeds.retain(|&(c, _)| owner[c] == share);
        }
        // A correlation outside the share is never fed, so its chained feeds stay unused.
        self.routes.clear();
        self.last_route = None;
    }

    /// Per correlation, the share of `of` that owns its part.
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
