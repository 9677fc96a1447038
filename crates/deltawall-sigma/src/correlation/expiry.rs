//! Which correlation group ends first: one queue per correlation for new groups, and a heap
//! for groups whose window moved on.
//!
//! A heap over all groups cost a logarithmic sift through a large, cache-cold array for
//! every group created and every group that ended, and most groups (one per customer
//! address, account or client) are created by one sign-in and end unchanged. Inputs are
//! fed in event-time order and a correlation's timespan is fixed, so the expiries of a
//! correlation's new groups arrive in order: a queue per correlation is sorted by
//! construction, with O(1) push and pop. A group fed again only moves its own expiry
//! (lazily, as before): when its entry comes first with an out-of-date expiry, it moves to
//! the heap with the current one, which only groups that outlive their first window reach.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// `(expiry, serial, slot)` of a group: the serial tells a group from an earlier one that
/// held the same slot, and breaks ties between equal expiries (the oldest group first).
pub(super) type Entry = (i64, u64, u32);

/// Where the earliest entry is.
#[derive(Clone, Copy)]
enum At {
    Queue(usize),
    Moved,
}

/// Expiry entries: each live group has exactly one, whose expiry is at most the group's.
#[derive(Default)]
pub(super) struct Expiry {
    queues: Vec<VecDeque<Entry>>,
    moved: BinaryHeap<Reverse<Entry>>,
    /// At most the earliest expiry held: nothing ends before it.
    earliest: i64,
    /// Entries held, of live groups and of groups that ended otherwise (fired, evicted).
    len: usize,
}

impl Expiry {
    pub fn new() -> Expiry {
        Expiry {
            earliest: i64::MAX,
            ..Expiry::default()
        }
    }

    /// Entries held (see [`Expiry::compact`]).
    pub fn len(&self) -> usize {
        self.len
    }

    /// The entry of a new group of correlation `corr`.
    pub fn push_new(&mut self, corr: usize, entry: Entry) {
        if self.queues.len() <= corr {
            self.queues.resize_with(corr + 1, VecDeque::new);
        }
        let queue = &mut self.queues[corr];
        if queue.back().is_some_and(|b| *b > entry) {
            // Not in order after all (never expected): the heap keeps it exact.
            self.moved.push(Reverse(entry));
        } else {
            queue.push_back(entry);
        }
        self.len += 1;
        self.earliest = self.earliest.min(entry.0);
    }

    /// The live group that ends first (ties: the oldest), if its expiry is below `before`;
    /// its entry is consumed. `current(slot, serial)` is the group's expiry now, `None` when
    /// that group has ended.
    pub fn pop_first(
        &mut self,
        before: i64,
        current: impl Fn(u32, u64) -> Option<i64>,
    ) -> Option<u32> {
        if before <= self.earliest {
            return None;
        }
        loop {
            let Some(((expiry, serial, i), at)) = self.first() else {
                self.earliest = i64::MAX;
                return None;
            };
            if expiry >= before {
                self.earliest = expiry;
                return None;
            }
            match at {
                At::Queue(q) => self.queues[q].pop_front(),
                At::Moved => self.moved.pop().map(|Reverse(e)| e),
            };
            self.len -= 1;
            match current(i, serial) {
                None => continue,
                Some(now) if now != expiry => {
                    self.moved.push(Reverse((now, serial, i)));
                    self.len += 1;
                }
                Some(_) => return Some(i),
            }
        }
    }

    /// The earliest entry over the queues and the heap.
    fn first(&self) -> Option<(Entry, At)> {
        let queued = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(q, queue)| queue.front().map(|e| (*e, At::Queue(q))));
        let moved = self.moved.peek().map(|Reverse(e)| (*e, At::Moved));
        queued.chain(moved).min_by_key(|(e, _)| *e)
    }

    /// Drops the entries of groups that ended (`live(slot, serial)` is false), in place.
    pub fn compact(&mut self, live: impl Fn(u32, u64) -> bool) {
        for queue in &mut self.queues {
            queue.retain(|&(_, s, i)| live(i, s));
        }
        let moved = std::mem::take(&mut self.moved).into_vec();
        self.moved = moved
            .into_iter()
            .filter(|Reverse((_, s, i))| live(*i, *s))
            .collect();
        self.len = self.queues.iter().map(VecDeque::len).sum::<usize>() + self.moved.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_groups_end_in_order_and_moved_groups_at_their_new_expiry() {
        let mut x = Expiry::new();
        // Group serial s in slot s; two correlations.
        x.push_new(0, (10, 1, 1));
        x.push_new(1, (12, 2, 2));
        x.push_new(0, (15, 3, 3));
        // Group 1 was fed again: it now ends at 20. Group 2 ended (fired).
        let now = |i: u32, _s: u64| match i {
            1 => Some(20),
            2 => None,
            3 => Some(15),
            _ => unreachable!(),
        };
        assert_eq!(x.pop_first(10, now), None);
        assert_eq!(x.pop_first(16, now), Some(3));
        assert_eq!(x.pop_first(16, now), None);
        assert_eq!(x.len(), 1);
        assert_eq!(x.pop_first(i64::MAX, now), Some(1));
        assert_eq!(x.pop_first(i64::MAX, now), None);
        assert_eq!(x.len(), 0);
    }

    #[test]
    fn ties_go_to_the_oldest_group_and_compaction_keeps_live_ones() {
        let mut x = Expiry::new();
        x.push_new(1, (10, 2, 2));
        x.push_new(0, (10, 1, 1));
        x.push_new(0, (11, 3, 3));
        x.compact(|i, _| i != 3);
        assert_eq!(x.len(), 2);
        let now = |_i: u32, _s: u64| Some(10);
        assert_eq!(x.pop_first(i64::MAX, now), Some(1));
        assert_eq!(x.pop_first(i64::MAX, now), Some(2));
        assert_eq!(x.pop_first(i64::MAX, now), None);
    }
}
