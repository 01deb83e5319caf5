//! Which nodes get a lane of their own.

use std::collections::BTreeMap;

/// Which nodes get a lane: with more than the limit and no filter, the busiest ones; the
/// others share one extra lane for their messages.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lanes {
    /// Node ids with a lane of their own, in id order.
    pub shown: Vec<u32>,
    /// Nodes without a lane; when not zero, lane `shown.len()` is theirs.
    pub hidden: usize,
    /// Node id → its own lane.
    own: BTreeMap<u32, usize>,
}

impl Lanes {
    /// Chooses lanes for `n` nodes given how many events each has: `filter` if given (ids
    /// below `n`), else all of them up to `max`, else the `max` busiest (ties: lower id).
    pub(crate) fn choose(
        n: u32,
        busy: &BTreeMap<u32, u64>,
        filter: Option<&[u32]>,
        max: usize,
    ) -> Lanes {
        let mut shown: Vec<u32> = match filter {
            Some(f) => f.iter().copied().filter(|&i| i < n).collect(),
            None if (n as usize) <= max.max(1) => (0..n).collect(),
            None => {
                let mut by: Vec<u32> = (0..n).collect();
                by.sort_by_key(|i| (std::cmp::Reverse(busy.get(i).copied().unwrap_or(0)), *i));
                by.truncate(max.max(1));
                by
            }
        };
        shown.sort_unstable();
        shown.dedup();
        let own = shown.iter().enumerate().map(|(l, &i)| (i, l)).collect();
        Lanes {
            hidden: n as usize - shown.len(),
            shown,
            own,
        }
    }

    /// The lane of `node` itself, if it has one.
    pub(crate) fn own(&self, node: u32) -> Option<usize> {
        self.own.get(&node).copied()
    }

    /// Where a message end at `node` goes: its lane, or the shared lane of hidden nodes.
    pub(crate) fn end(&self, node: u32) -> Option<usize> {
        self.own(node)
            .or((self.hidden > 0).then_some(self.shown.len()))
    }

    /// Number of lanes drawn.
    pub(crate) fn count(&self) -> usize {
        self.shown.len() + usize::from(self.hidden > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the lane limit, the busiest nodes get lanes (ties: lower id) and the rest share
    /// one; a filter picks exactly its nodes.
    #[test]
    fn many_nodes_get_a_readable_choice_of_lanes() {
        let busy: BTreeMap<u32, u64> = (0..30).map(|i| (i, (i % 7) as u64)).collect();
        let lanes = Lanes::choose(30, &busy, None, 20);
        assert_eq!(lanes.shown.len(), 20);
        assert_eq!(lanes.hidden, 10);
        assert_eq!(lanes.count(), 21);
        // Nodes with 0 events (0, 7, 14, 21, 28) and with 1 (1, 8, 15, 22, 29) are left out.
        for i in [0, 7, 14, 21, 28, 1, 29] {
            assert_eq!(lanes.own(i), None);
            assert_eq!(lanes.end(i), Some(20));
        }
        assert_eq!(
            lanes.own(6),
            Some(lanes.shown.iter().position(|&x| x == 6).unwrap())
        );
        let f = Lanes::choose(30, &busy, Some(&[29, 3, 3, 99]), 20);
        assert_eq!(f.shown, vec![3, 29]);
        assert_eq!(f.hidden, 28);
        let few = Lanes::choose(5, &busy, None, 20);
        assert_eq!((few.shown.len(), few.hidden), (5, 0));
    }
}
