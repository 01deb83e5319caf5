//! Local clocks: `local(t) = anchor_local + (t - anchor_true) * (1e6 + ppm) / 1e6`, with steps
//! (NTP jumps) and drift changes re-anchoring at the instant they happen. Timers are set on the
//! local clock, so a step or a drift change moves when they fire in true time.

/// One node's local clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalClock {
    anchor_true: u64,
    anchor_local: i128,
    ppm: i64,
}

const MILLION: i128 = 1_000_000;

impl LocalClock {
    /// A clock that reads `offset_ns` at true time 0 and runs `ppm` parts per million fast
    /// (negative: slow). `ppm` must be > -1_000_000 (a clock that runs at all).
    pub fn new(offset_ns: i64, ppm: i64) -> LocalClock {
        LocalClock {
            anchor_true: 0,
            anchor_local: offset_ns as i128,
            ppm,
        }
    }
    /// The drift rate in ppm.
    pub fn ppm(&self) -> i64 {
        self.ppm
    }
    /// Local reading at true time `t` (ns; may be negative with a negative offset).
    #[inline]
    pub fn local_at(&self, t: u64) -> i128 {
        if self.ppm == 0 {
            return self.anchor_local + (t as i128 - self.anchor_true as i128);
        }
        let dt = t as i128 - self.anchor_true as i128;
        self.anchor_local + dt * (MILLION + self.ppm as i128) / MILLION
    }
    /// The first true time `>= now` at which the local clock reads at least `local`.
    #[inline]
    pub fn true_at(&self, local: i128, now: u64) -> u64 {
        let cur = self.local_at(now);
        if local <= cur {
            return now;
        }
        let dl = local - self.anchor_local;
        let rate = MILLION + self.ppm as i128;
        // ceil(dl * 1e6 / rate)
        let dt = (dl * MILLION + rate - 1) / rate;
        let t = self.anchor_true as i128 + dt;
        let t = t.max(now as i128);
        if t > u64::MAX as i128 {
            u64::MAX
        } else {
            t as u64
        }
    }
    /// Jumps the clock by `delta` ns at true time `now`.
    pub fn step(&mut self, now: u64, delta: i64) {
        let l = self.local_at(now);
        self.anchor_true = now;
        self.anchor_local = l + delta as i128;
    }
    /// Changes the drift rate at true time `now`.
    pub fn set_ppm(&mut self, now: u64, ppm: i64) {
        let l = self.local_at(now);
        self.anchor_true = now;
        self.anchor_local = l;
        self.ppm = ppm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_inverse_agree() {
        let c = LocalClock::new(1_000, 100); // 100 ppm fast, 1us ahead
        assert_eq!(c.local_at(1_000_000_000), 1_000 + 1_000_100_000);
        let t = c.true_at(2_000_000_000, 0);
        assert!(c.local_at(t) >= 2_000_000_000);
        assert!(c.local_at(t - 1) < 2_000_000_000);
    }

    #[test]
    fn steps_re_anchor() {
        let mut c = LocalClock::default();
        c.step(500, 1_000);
        assert_eq!(c.local_at(500), 1_500);
        assert_eq!(c.local_at(600), 1_600);
        c.set_ppm(600, -500_000); // half speed from here
        assert_eq!(c.local_at(800), 1_700);
        assert_eq!(c.true_at(1_700, 600), 800);
    }
}
