//! What a dispatcher knows about the queues: its fresh view (exact with an instantaneous
//! network), the optional bulletin board (a snapshot of the fresh view taken every
//! `board_period`, which dispatching does not change: Mitzenmacher's periodic update model),
//! and an optional level index over whichever of the two the policy reads, so that JSQ and
//! join-idle-queue pick in O(1) instead of scanning n servers.

use sim::Stream;

/// Servers grouped by queue length: `members[l]` lists the servers at level `l` in no
/// particular (but deterministic) order; moves are O(1) swap-removes.
#[derive(Clone, Debug)]
pub struct Levels {
    members: Vec<Vec<u32>>,
    pos: Vec<u32>,
    level: Vec<u32>,
    min: u32,
}

impl Levels {
    /// `n` servers, all at level 0.
    pub fn new(n: usize) -> Levels {
        Levels {
            members: vec![(0..n as u32).collect()],
            pos: (0..n as u32).collect(),
            level: vec![0; n],
            min: 0,
        }
    }

    /// Moves server `s` to level `l`.
    #[inline]
    pub fn set(&mut self, s: usize, l: u32) {
        let old = self.level[s];
        if old == l {
            return;
        }
        let p = self.pos[s] as usize;
        let bucket = &mut self.members[old as usize];
        bucket.swap_remove(p);
        if let Some(&moved) = bucket.get(p) {
            self.pos[moved as usize] = p as u32;
        }
        let old_empty = bucket.is_empty();
        if self.members.len() <= l as usize {
            self.members.resize_with(l as usize + 1, Vec::new);
        }
        let into = &mut self.members[l as usize];
        self.pos[s] = into.len() as u32;
        into.push(s as u32);
        self.level[s] = l;
        if l < self.min {
            self.min = l;
        } else if old == self.min && old_empty {
            // Some server is always somewhere, so this stops.
            while self.members[self.min as usize].is_empty() {
                self.min += 1;
            }
        }
    }

    /// The lowest non-empty level.
    #[inline]
    pub fn min_level(&self) -> u32 {
        self.min
    }

    /// Servers at level `l`.
    #[inline]
    pub fn at(&self, l: u32) -> &[u32] {
        self.members.get(l as usize).map_or(&[], |v| v.as_slice())
    }

    /// A uniformly random server among those at the lowest level (JSQ, ties at random).
    #[inline]
    pub fn pick_min(&self, rng: &mut Stream) -> usize {
        let b = &self.members[self.min as usize];
        b[rng.index(b.len())] as usize
    }

    /// Re-indexes every server from `q` (after a board refresh).
    pub fn rebuild(&mut self, q: &[u32]) {
        for m in self.members.iter_mut() {
            m.clear();
        }
        self.min = u32::MAX;
        for (s, &l) in q.iter().enumerate() {
            if self.members.len() <= l as usize {
                self.members.resize_with(l as usize + 1, Vec::new);
            }
            let into = &mut self.members[l as usize];
            self.pos[s] = into.len() as u32;
            into.push(s as u32);
            self.level[s] = l;
            self.min = self.min.min(l);
        }
    }
}

/// A dispatcher's knowledge of the queue lengths.
#[derive(Clone, Debug)]
pub struct QueueView {
    fresh: Vec<u32>,
    board: Option<Vec<u32>>,
    index: Option<Levels>,
}

impl QueueView {
    /// `n` empty queues; `board` keeps a stale snapshot for the policy to read; `indexed`
    /// maintains a [`Levels`] index of what the policy reads.
    pub fn new(n: usize, board: bool, indexed: bool) -> QueueView {
        QueueView {
            fresh: vec![0; n],
            board: board.then(|| vec![0; n]),
            index: indexed.then(|| Levels::new(n)),
        }
    }

    /// What the policy reads: the board if there is one, else the fresh view.
    #[inline]
    pub fn read(&self) -> &[u32] {
        match &self.board {
            Some(b) => b,
            None => &self.fresh,
        }
    }

    /// The fresh view (the dispatcher's own best knowledge).
    #[inline]
    pub fn fresh(&self) -> &[u32] {
        &self.fresh
    }

    /// The level index, if maintained.
    #[inline]
    pub fn index(&self) -> Option<&Levels> {
        self.index.as_ref()
    }

    /// This dispatcher sent a job to `s`.
    #[inline]
    pub fn dispatched(&mut self, s: usize) {
        self.fresh[s] += 1;
        if self.board.is_none()
            && let Some(ix) = self.index.as_mut()
        {
            ix.set(s, self.fresh[s]);
        }
    }

    /// Server `s` reported its queue length.
    #[inline]
    pub fn reported(&mut self, s: usize, qlen: u32) {
        self.fresh[s] = qlen;
        if self.board.is_none()
            && let Some(ix) = self.index.as_mut()
        {
            ix.set(s, qlen);
        }
    }

    /// Takes a new board snapshot of the fresh view (and re-indexes it).
    pub fn refresh(&mut self) {
        if let Some(b) = self.board.as_mut() {
            b.copy_from_slice(&self.fresh);
            if let Some(ix) = self.index.as_mut() {
                ix.rebuild(b);
            }
        }
    }

    /// Join-idle-queue on a board: `s` left the idle list until the next refresh (the board
    /// itself is unchanged).
    #[inline]
    pub fn claim(&mut self, s: usize) {
        if self.board.is_some()
            && let Some(ix) = self.index.as_mut()
        {
            ix.set(s, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index agrees with a brute-force recomputation after random moves.
    #[test]
    fn levels_track_moves_and_minimum() {
        let n = 50;
        let mut ix = Levels::new(n);
        let mut q = vec![0u32; n];
        let mut rng = Stream::new(1, "levels");
        for _ in 0..20_000 {
            let s = rng.index(n);
            let l = if rng.bernoulli(0.5) {
                q[s] + 1
            } else {
                q[s].saturating_sub(rng.below(3) as u32)
            };
            q[s] = l;
            ix.set(s, l);
            let min = *q.iter().min().unwrap();
            assert_eq!(ix.min_level(), min);
            let mut at: Vec<u32> = ix.at(min).to_vec();
            at.sort_unstable();
            let want: Vec<u32> = (0..n as u32).filter(|&i| q[i as usize] == min).collect();
            assert_eq!(at, want);
            assert_eq!(q[ix.pick_min(&mut rng)], min);
        }
        q.iter_mut().for_each(|x| *x += 2);
        ix.rebuild(&q);
        assert_eq!(ix.min_level(), *q.iter().min().unwrap());
    }

    /// A board does not move with dispatching; a refresh copies the fresh view.
    #[test]
    fn board_is_a_snapshot() {
        let mut v = QueueView::new(3, true, true);
        v.dispatched(1);
        v.dispatched(1);
        assert_eq!(v.read(), &[0, 0, 0]);
        assert_eq!(v.fresh(), &[0, 2, 0]);
        v.refresh();
        assert_eq!(v.read(), &[0, 2, 0]);
        assert_eq!(v.index().unwrap().at(0), &[0, 2]);
        v.claim(0);
        assert_eq!(v.index().unwrap().at(0), &[2]);
        v.reported(1, 0);
        assert_eq!(v.read(), &[0, 2, 0]);
    }
}
