//! Correlation rules at run time: event-time reordering within the allowed lateness,
//! per-group sliding windows and a global cap on the number of groups.
//!
//! Matches of referenced rules wait in a reorder buffer until the event-time watermark
//! (the newest event time seen minus `allowed_lateness_us`) passes them; they are then fed to
//! the windows in `(time, arrival)` order, so results do not depend on arrival order within
//! the lateness. Older inputs are dropped and counted as late.

pub(crate) mod window;

use crate::eval::FieldId;
use crate::model::Meta;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use window::{Fire, Spec, Window};

/// Where a correlation input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Rule(usize),
    Correlation(usize),
}

/// How one group-by value is obtained for an input.
#[derive(Debug, Clone)]
pub(crate) enum GroupSrc {
    /// From a field of the matched event.
    Field(FieldId),
    /// From the group of the referenced correlation's alert (index), or absent.
    Upstream(Option<usize>),
}

/// One referenced rule of a correlation with the fields it contributes.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub source: Source,
    pub group: Vec<GroupSrc>,
    pub value: Vec<FieldId>,
}

/// A compiled correlation.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub meta: Meta,
    pub spec: Spec,
    pub group_names: Vec<String>,
    pub inputs: Vec<Input>,
    /// Whether its alerts are reported (not an inner link of a chain, or `generate`).
    pub emit: bool,
    /// `generate`: the referenced rules report their own matches too.
    pub generate: bool,
    /// Correlations that take this one as input: (correlation, input position).
    pub feeds: Vec<(usize, usize)>,
}

/// A matched input waiting for the watermark.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub ts: i64,
    pub seq: u64,
    pub corr: usize,
    pub pos: usize,
    pub key: Vec<Option<String>>,
    pub value: Option<String>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.ts, self.seq) == (other.ts, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.ts, self.seq).cmp(&(other.ts, other.seq))
    }
}

/// A correlation that fired, before it becomes an alert.
#[derive(Debug, Clone)]
pub(crate) struct Fired {
    pub corr: usize,
    pub key: Vec<Option<String>>,
    pub fire: Fire,
    pub ts: i64,
}

/// Counters of the correlation state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub late: u64,
    pub evicted_keys: u64,
    pub expired_keys: u64,
    pub window_overflow: u64,
    /// Groups evicted to respect the total number of held inputs.
    pub evicted_for_events: u64,
}

type GroupKey = (usize, Vec<Option<String>>);

struct Group {
    window: Window,
    /// Position in the eviction index: (expiry time, serial).
    slot: (i64, u64),
}

/// All correlation state of an engine.
pub(crate) struct State {
    pending: BinaryHeap<Reverse<Pending>>,
    groups: HashMap<GroupKey, Group>,
    /// Groups by expiry (newest event time + timespan): oldest first for eviction and expiry.
    by_expiry: BTreeMap<(i64, u64), GroupKey>,
    serial: u64,
    seq: u64,
    max_ts: Option<i64>,
    released_ts: Option<i64>,
    lateness: i64,
    max_keys: usize,
    /// Inputs held over all groups, and the most allowed.
    held: usize,
    max_held: usize,
    pub counters: Counters,
}

impl State {
    pub fn new(lateness: i64, max_keys: usize, max_held: usize) -> State {
        State {
            pending: BinaryHeap::new(),
            groups: HashMap::new(),
            by_expiry: BTreeMap::new(),
            serial: 0,
            seq: 0,
            max_ts: None,
            released_ts: None,
            lateness: lateness.max(0),
            max_keys: max_keys.max(1),
            held: 0,
            max_held: max_held.max(1),
            counters: Counters::default(),
        }
    }

    /// Number of live groups.
    pub fn keys(&self) -> usize {
        self.groups.len()
    }

    /// Number of inputs held in all windows.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Moves the watermark forward (never back).
    pub fn observe_time(&mut self, ts: i64) {
        self.max_ts = Some(self.max_ts.map_or(ts, |m| m.max(ts)));
    }

    /// The time used for inputs whose event has no timestamp.
    pub fn now(&self) -> i64 {
        self.max_ts.unwrap_or(0)
    }

    /// Queues a matched input; drops it (counted) when it is older than the lateness allows.
    pub fn push(
        &mut self,
        ts: i64,
        corr: usize,
        pos: usize,
        key: Vec<Option<String>>,
        value: Option<String>,
    ) {
        let too_old_for_watermark = self
            .max_ts
            .is_some_and(|m| ts < m.saturating_sub(self.lateness));
        let too_old_for_released = self.released_ts.is_some_and(|r| ts < r);
        if too_old_for_watermark || too_old_for_released {
            self.counters.late += 1;
            return;
        }
        self.seq += 1;
        self.pending.push(Reverse(Pending {
            ts,
            seq: self.seq,
            corr,
            pos,
            key,
            value,
        }));
    }

    /// Feeds a chained input immediately (it is produced at the current release time).
    fn push_now(&mut self, ts: i64, corr: usize, pos: usize, key: Vec<Option<String>>) {
        self.seq += 1;
        self.pending.push(Reverse(Pending {
            ts,
            seq: self.seq,
            corr,
            pos,
            key,
            value: None,
        }));
    }

    /// Releases every queued input up to the watermark (or all with `all`), in order.
    pub fn release(&mut self, corrs: &[Compiled], all: bool, out: &mut Vec<Fired>) {
        let limit = if all {
            i64::MAX
        } else {
            self.max_ts
                .map_or(i64::MIN, |m| m.saturating_sub(self.lateness))
        };
        while self.pending.peek().is_some_and(|Reverse(p)| p.ts <= limit) {
            let Some(Reverse(p)) = self.pending.pop() else {
                break;
            };
            self.released_ts = Some(p.ts);
            self.expire(corrs, p.ts);
            if let Some(fired) = self.feed(corrs, p) {
                for &(next, pos) in &corrs[fired.corr].feeds {
                    let key = upstream_key(&corrs[next].inputs[pos], &fired.key);
                    self.push_now(fired.ts, next, pos, key);
                }
                out.push(fired);
            }
        }
    }

    fn feed(&mut self, corrs: &[Compiled], p: Pending) -> Option<Fired> {
        let spec = &corrs[p.corr].spec;
        let gk: GroupKey = (p.corr, p.key);
        if !self.groups.contains_key(&gk) {
            self.make_room();
            self.serial += 1;
            let slot = (i64::MIN, self.serial);
            self.by_expiry.insert(slot, gk.clone());
            self.groups.insert(
                gk.clone(),
                Group {
                    window: Window::default(),
                    slot,
                },
            );
        }
        let group = self.groups.get_mut(&gk)?;
        let before = group.window.len();
        let (fire, overflow) = group.window.observe(spec, p.ts, p.pos, p.value);
        self.held = self.held + group.window.len() - before;
        self.counters.window_overflow += overflow;
        let old = group.slot;
        if let Some(fire) = fire {
            // Fired: the group starts afresh, so the same events never fire twice.
            self.held -= group.window.len();
            self.by_expiry.remove(&old);
            let (corr, key) = gk.clone();
            self.groups.remove(&gk);
            return Some(Fired {
                corr,
                key,
                fire,
                ts: p.ts,
            });
        }
        let new = (p.ts.saturating_add(spec.timespan_us), old.1);
        group.slot = new;
        self.by_expiry.remove(&old);
        self.by_expiry.insert(new, gk);
        self.shed();
        None
    }

    /// Evicts the groups closest to expiry while more inputs are held than allowed.
    fn shed(&mut self) {
        while self.held > self.max_held {
            let Some((_, gk)) = self.by_expiry.pop_first() else {
                return;
            };
            self.drop_group(&gk);
            self.counters.evicted_for_events += 1;
        }
    }

    fn drop_group(&mut self, gk: &GroupKey) {
        if let Some(g) = self.groups.remove(gk) {
            self.held -= g.window.len();
        }
    }

    /// Evicts the group closest to expiry when the key cap is reached.
    fn make_room(&mut self) {
        while self.groups.len() >= self.max_keys {
            let Some((_, gk)) = self.by_expiry.pop_first() else {
                return;
            };
            self.drop_group(&gk);
            self.counters.evicted_keys += 1;
        }
    }

    /// Drops groups whose newest event is older than their timespan before `now`.
    fn expire(&mut self, _corrs: &[Compiled], now: i64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 >= now {
                break;
            }
            let gk = entry.remove();
            self.drop_group(&gk);
            self.counters.expired_keys += 1;
        }
    }
}

fn upstream_key(input: &Input, upstream: &[Option<String>]) -> Vec<Option<String>> {
    input
        .group
        .iter()
        .map(|g| match g {
            GroupSrc::Upstream(Some(i)) => upstream.get(*i).cloned().flatten(),
            _ => None,
        })
        .collect()
}
