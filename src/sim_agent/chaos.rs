//! Misbehaviour on purpose: with `--chaos RATE` each task has that chance of going wrong in one
//! of the ways real agents do, so the czar's healing can be exercised and shown.

use super::directives::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mischief {
    /// The process exits halfway through the task.
    Crash,
    /// Busy forever, until interrupted.
    Hang,
    /// Stops halfway with a permission question and waits for y/n.
    AskPermission,
    /// Shows a rate limit with a reset time, waits it out, then goes on.
    RateLimit,
    /// Back at the prompt with the work left uncommitted and no `czar done`.
    IdleWithoutCommit,
    /// The Enter that should submit a paste is ignored.
    LoseEnter,
    /// Prints "esc to interrupt" and a permission question as ordinary tool output.
    TrapText,
    /// Writes the wrong file, so a verify that checks the work fails once.
    FailVerifyOnce,
}

pub const ALL: [Mischief; 8] = [
    Mischief::Crash,
    Mischief::Hang,
    Mischief::AskPermission,
    Mischief::RateLimit,
    Mischief::IdleWithoutCommit,
    Mischief::LoseEnter,
    Mischief::TrapText,
    Mischief::FailVerifyOnce,
];

/// A small xorshift generator: chaos needs variety, not cryptography, and no extra crate.
pub struct Chaos {
    rate: f64,
    state: u64,
}

impl Chaos {
    pub fn new(rate: f64, seed: u64) -> Chaos {
        Chaos {
            rate: rate.clamp(0.0, 1.0),
            state: seed | 1,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// Whether this task goes wrong, and how.
    pub fn roll(&mut self) -> Option<Mischief> {
        if self.rate <= 0.0 {
            return None;
        }
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.rate {
            return None;
        }
        Some(ALL[(self.next() % ALL.len() as u64) as usize])
    }
}

/// Shapes the plan for the kinds of mischief that change the work itself; the others are
/// carried out by the session (rate limits, lost keys).
pub fn apply(m: Mischief, plan: &mut Plan) {
    match m {
        Mischief::Crash => plan.exit_code = Some(1),
        Mischief::Hang => plan.hang = true,
        Mischief::IdleWithoutCommit => {
            plan.commits = 0;
            plan.run_done = false;
        }
        Mischief::TrapText => {
            plan.says
                .push("the build log says: esc to interrupt".into());
            plan.says
                .push("Do you want to proceed? (quoted from a README)".into());
        }
        Mischief::FailVerifyOnce => plan.touches = vec!["sim/misplaced.md".into()],
        Mischief::AskPermission => plan.ask = Some("proceed".into()),
        Mischief::RateLimit | Mischief::LoseEnter => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_zero_never_and_rate_one_always() {
        let mut never = Chaos::new(0.0, 7);
        assert!((0..1000).all(|_| never.roll().is_none()));
        let mut always = Chaos::new(1.0, 7);
        assert!((0..1000).all(|_| always.roll().is_some()));
    }

    #[test]
    fn a_third_goes_wrong_and_every_kind_shows_up() {
        let mut c = Chaos::new(0.3, 12345);
        let rolls: Vec<Option<Mischief>> = (0..4000).map(|_| c.roll()).collect();
        let bad = rolls.iter().filter(|r| r.is_some()).count();
        assert!((1000..1400).contains(&bad), "{bad} of 4000");
        for kind in ALL {
            assert!(rolls.contains(&Some(kind)), "{kind:?} never chosen");
        }
    }

    #[test]
    fn plan_changes_match_the_mischief() {
        let mut p = Plan::default();
        apply(Mischief::IdleWithoutCommit, &mut p);
        assert_eq!((p.commits, p.run_done), (0, false));
        let mut p = Plan::default();
        apply(Mischief::FailVerifyOnce, &mut p);
        assert_eq!(p.touches, vec!["sim/misplaced.md".to_string()]);
        let mut p = Plan::default();
        apply(Mischief::AskPermission, &mut p);
        assert_eq!(p.ask.as_deref(), Some("proceed"));
    }
}
