//! Follow-up sampling (Art. 6(一).3): which closed cases the bureau calls
//! back. The choice is random in effect but reproducible: a case is drawn
//! when a keyed hash of (seed, case id) falls under the configured rate, so
//! the same seed and rate always pick the same cases (an auditor can redo
//! the draw), and whether one case is drawn never depends on the others.

use crate::base::ids::CaseId;
use crate::base::keyed_hash::keyed_hash;

/// Whether `case` is drawn, at `rate` (0–1) with `seed`.
pub fn is_sampled(seed: &str, rate: f64, case: CaseId) -> bool {
    if rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    let bytes = keyed_hash(seed.as_bytes(), &case.get().to_le_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    // The top 53 bits as a fraction in [0, 1).
    let draw = (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64;
    draw < rate
}

/// The drawn cases among `cases`, in their order.
pub fn sample(seed: &str, rate: f64, cases: &[CaseId]) -> Vec<CaseId> {
    cases
        .iter()
        .copied()
        .filter(|c| is_sampled(seed, rate, *c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: i64) -> Vec<CaseId> {
        (1..=n).filter_map(|i| CaseId::new(i).ok()).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_cases() {
        assert_eq!(
            sample("2025-11", 0.2, &ids(500)),
            sample("2025-11", 0.2, &ids(500))
        );
        assert_ne!(
            sample("2025-11", 0.2, &ids(500)),
            sample("2025-12", 0.2, &ids(500))
        );
    }

    #[test]
    fn the_share_drawn_is_close_to_the_rate() {
        let drawn = sample("seed", 0.2, &ids(10_000)).len();
        assert!((1800..=2200).contains(&drawn), "{drawn}");
    }

    #[test]
    fn rates_of_zero_and_one_draw_none_and_all() {
        assert!(sample("s", 0.0, &ids(100)).is_empty());
        assert_eq!(sample("s", 1.0, &ids(100)).len(), 100);
    }
}
