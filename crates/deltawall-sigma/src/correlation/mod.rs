//! Correlation rules at run time: event-time reordering within the allowed lateness,
//! per-group sliding windows and a global cap on the number of groups.
//!
//! Matches of referenced rules wait in a reorder buffer until the event-time watermark
//! (the newest event time seen minus `allowed_lateness_us`) passes them; they are then fed to
//! the windows in `(time, arrival)` order, so results do not depend on arrival order within
//! the lateness. Older inputs are dropped and counted as late.

mod expiry;
pub(crate) mod text;
pub(crate) mod window;

use crate::eval::FieldId;
use crate::model::Meta;
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::BuildHasher;
pub(crate) use text::{Key, Text};
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
    pub key: Key,
    pub value: Option<Text>,
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
    pub key: Key,
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

/// One live correlation group: a correlation and its group-by values, with its window.
struct Group {
    corr: usize,
    key: Key,
    /// The hash of `(corr, key)` under the state's seeded hasher.
    hash: u64,
    window: Window,
    /// When the window ends: the newest event time plus the timespan.
    expiry: i64,
    /// Creation serial: breaks ties between equal expiries (oldest group first) and tells a
    /// group from an earlier one that held the same slot.
    serial: u64,
}

/// Windows whose buffers are at most this large are kept for reuse when a group ends.
const REUSE_CAPACITY: usize = 64;

/// All correlation state of an engine.
///
/// Groups live in a slab (`slots`), found by `(correlation, key)` through `index`, a hash
/// table of slot numbers under a randomly seeded fast hasher (group-by values are chosen by
/// whoever sends the events: the per-process random seed keeps hash flooding out).
///
/// Expiry and eviction ask [`expiry::Expiry`] for the group that ends first: one entry per
/// live group, in a queue per correlation while the group is unchanged (the common case)
/// and in a heap once its window moved on; entries of groups that fired or were evicted
/// are skipped by their serial, and dropped in bulk when they outnumber live groups.
pub(crate) struct State {
    /// Inputs that arrived in time order (the common case): sorted by construction.
    in_order: VecDeque<Pending>,
    /// Inputs that arrived out of time order.
    pending: BinaryHeap<Reverse<Pending>>,
    slots: Vec<Option<Group>>,
    free: Vec<u32>,
    spare_windows: Vec<Window>,
    index: HashTable<u32>,
    hasher: RandomState,
    live: usize,
    expiry: expiry::Expiry,
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
            in_order: VecDeque::new(),
            pending: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            spare_windows: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
            live: 0,
            expiry: expiry::Expiry::new(),
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
        self.live
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
    pub fn push(&mut self, ts: i64, corr: usize, pos: usize, key: Key, value: Option<Text>) {
        let too_old_for_watermark = self
            .max_ts
            .is_some_and(|m| ts < m.saturating_sub(self.lateness));
        let too_old_for_released = self.released_ts.is_some_and(|r| ts < r);
        if too_old_for_watermark || too_old_for_released {
            self.counters.late += 1;
            return;
        }
        self.enqueue(ts, corr, pos, key, value);
    }

    /// Feeds a chained input immediately (it is produced at the current release time).
    fn push_now(&mut self, ts: i64, corr: usize, pos: usize, key: Key) {
        self.enqueue(ts, corr, pos, key, None);
    }

    fn enqueue(&mut self, ts: i64, corr: usize, pos: usize, key: Key, value: Option<Text>) {
        self.seq += 1;
        let p = Pending {
            ts,
            seq: self.seq,
            corr,
            pos,
            key,
            value,
        };
        // Sequence numbers grow, so an input not older than the newest queued in order keeps
        // the queue sorted by (time, sequence).
        if self.in_order.back().is_none_or(|b| b.ts <= ts) {
            self.in_order.push_back(p);
        } else {
            self.pending.push(Reverse(p));
        }
    }

    /// The earliest queued input by (time, sequence), if its time is at most `limit`.
    fn next_pending(&mut self, limit: i64) -> Option<Pending> {
        let from_heap = match (self.in_order.front(), self.pending.peek()) {
            (None, None) => return None,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(Reverse(b))) => (b.ts, b.seq) < (a.ts, a.seq),
        };
        if from_heap {
            if self.pending.peek().is_some_and(|Reverse(p)| p.ts <= limit) {
                return self.pending.pop().map(|Reverse(p)| p);
            }
        } else if self.in_order.front().is_some_and(|p| p.ts <= limit) {
            return self.in_order.pop_front();
        }
        None
    }

    /// Releases every queued input up to the watermark (or all with `all`), in order.
    pub fn release(&mut self, corrs: &[Compiled], all: bool, out: &mut Vec<Fired>) {
        let limit = if all {
            i64::MAX
        } else {
            self.max_ts
                .map_or(i64::MIN, |m| m.saturating_sub(self.lateness))
        };
        while let Some(p) = self.next_pending(limit) {
            self.released_ts = Some(p.ts);
            self.expire(p.ts);
            if let Some(fired) = self.feed(corrs, p) {
                for &(next, pos) in &corrs[fired.corr].feeds {
                    let key = upstream_key(&corrs[next].inputs[pos], &fired.key);
                    self.push_now(fired.ts, next, pos, key);
                }
                out.push(fired);
            }
        }
    }

    /// The slot of the group `(corr, key)`, created (making room first) when absent.
    fn slot_of(&mut self, corr: usize, key: Key) -> u32 {
        let hash = self.hasher.hash_one((corr, &key));
        let slots = &self.slots;
        let found = self.index.find(hash, |&i| {
            slots[i as usize]
                .as_ref()
                .is_some_and(|g| g.corr == corr && g.key == key)
        });
        if let Some(&i) = found {
            return i;
        }
        self.make_room();
        self.serial += 1;
        // Spare windows were cleared when their group ended.
        let window = self.spare_windows.pop().unwrap_or_default();
        let group = Group {
            corr,
            key,
            hash,
            window,
            expiry: i64::MIN,
            serial: self.serial,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(group);
                i
            }
            None => {
                self.slots.push(Some(group));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 correlation groups")
            }
        };
        let slots = &self.slots;
        self.index.insert_unique(hash, i, |&j| {
            slots[j as usize].as_ref().map_or(0, |g| g.hash)
        });
        self.live += 1;
        i
    }

    fn feed(&mut self, corrs: &[Compiled], p: Pending) -> Option<Fired> {
        let spec = &corrs[p.corr].spec;
        let corr = p.corr;
        let i = self.slot_of(corr, p.key);
        let group = self.slots[i as usize].as_mut()?;
        let new = group.expiry == i64::MIN;
        let before = group.window.len();
        let (fire, overflow) = group.window.observe(spec, p.ts, p.pos, p.value);
        self.held = self.held + group.window.len() - before;
        self.counters.window_overflow += overflow;
        if let Some(fire) = fire {
            // Fired: the group starts afresh, so the same events never fire twice.
            let key = self.remove(i);
            return Some(Fired {
                corr,
                key,
                fire,
                ts: p.ts,
            });
        }
        group.expiry = p.ts.saturating_add(spec.timespan_us);
        if new {
            self.expiry.push_new(corr, (group.expiry, group.serial, i));
            if self.expiry.len() > 2 * self.live + 1024 {
                let slots = &self.slots;
                self.expiry
                    .compact(|i, serial| live_serial(slots, i) == Some(serial));
            }
        }
        self.shed();
        None
    }

    /// Removes the group in slot `i` and returns its key.
    fn remove(&mut self, i: u32) -> Key {
        let Some(mut g) = self.slots[i as usize].take() else {
            return Key::Many(Vec::new());
        };
        if let Ok(entry) = self.index.find_entry(g.hash, |&j| j == i) {
            entry.remove();
        }
        self.free.push(i);
        self.live -= 1;
        self.held -= g.window.len();
        if g.window.capacity() <= REUSE_CAPACITY && self.spare_windows.len() < 1024 {
            g.window.clear();
            self.spare_windows.push(g.window);
        }
        g.key
    }

    /// The live group that ends first (ties: the oldest), if its expiry is below `before`;
    /// its entry is consumed.
    fn pop_first(&mut self, before: i64) -> Option<u32> {
        let slots = &self.slots;
        self.expiry.pop_first(before, |i, serial| {
            slots[i as usize]
                .as_ref()
                .filter(|g| g.serial == serial)
                .map(|g| g.expiry)
        })
    }

    /// Evicts the groups closest to expiry while more inputs are held than allowed.
    fn shed(&mut self) {
        while self.held > self.max_held {
            let Some(i) = self.pop_first(i64::MAX) else {
                return;
            };
            self.remove(i);
            self.counters.evicted_for_events += 1;
        }
    }

    /// Evicts the group closest to expiry when the key cap is reached.
    fn make_room(&mut self) {
        while self.live >= self.max_keys {
            let Some(i) = self.pop_first(i64::MAX) else {
                return;
            };
            self.remove(i);
            self.counters.evicted_keys += 1;
        }
    }

    /// Drops groups whose newest event is older than their timespan before `now`.
    fn expire(&mut self, now: i64) {
        while let Some(i) = self.pop_first(now) {
            self.remove(i);
            self.counters.expired_keys += 1;
        }
    }
}

/// The serial of the group in slot `i`, if one is there.
fn live_serial(slots: &[Option<Group>], i: u32) -> Option<u64> {
    slots[i as usize].as_ref().map(|g| g.serial)
}

fn upstream_key(input: &Input, upstream: &Key) -> Key {
    Key::build(input.group.len(), |i| match &input.group[i] {
        GroupSrc::Upstream(Some(u)) => upstream.get(*u).cloned(),
        _ => None,
    })
}
