//! When a pane's screen is worth reading. Pure: the monitor passes in what it knows and the time.
//!
//! A screen only changes when its pane prints, so a pane that printed nothing since it was last
//! read is never read again. A pane that did print is read soon, but how soon depends on what it
//! was doing: an agent at its prompt that starts printing has probably just started a turn, so
//! it is read at once; a busy agent prints all the time (its spinner), and what matters there is
//! the moment it stops, so it is read when it falls quiet, and now and then while it streams (a
//! rate-limit countdown or a retry loop keeps printing too).

/// A quiet pane that prints is read this long after its first new byte, so one redraw is read
/// whole rather than half-drawn.
pub const SETTLE_MS: u64 = 40;
/// A busy pane is read once it printed nothing for this long. Spinners redraw every 80–150 ms,
/// so a busy agent never looks quiet for this long.
pub const QUIET_MS: u64 = 200;
/// A busy pane that keeps printing is still read this often...
pub const STREAMING_EVERY_MS: u64 = 5_000;
/// ...or less often in a large fleet, so that such re-reads come at most this many a second in
/// all. They are a safety net: a busy agent's turn ending, a countdown, a question all leave
/// the pane quiet for a moment and are read then.
pub const STREAMING_READS_PER_SEC: u64 = 4;
/// No pane is read more often than this, whatever it prints...
pub const MIN_GAP_MS: u64 = 250;
/// ...unless a read was asked for (a delivery's next step, a worker's signal): those are few,
/// and one that waited a quarter of a second would be a quarter of a second of every handoff.
/// This gap only lets the pane finish drawing what it was told.
pub const ASKED_GAP_MS: u64 = 30;

/// What the monitor knows about one pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneClock {
    /// When its screen was last read; `None` if never.
    pub read_at: Option<u64>,
    /// When it last printed.
    pub last_output: u64,
    /// Since when it has printed what nobody read.
    pub unread_since: Option<u64>,
    /// The czar's reading of it says busy.
    pub busy: bool,
    /// How often a busy pane that never falls quiet is read (see [`streaming_every`]).
    pub streaming_every: u64,
    /// The czar's state for it is newer than the last reading (a worker whose start was
    /// recorded after its first screen was read): the screen needs a fresh look even if quiet.
    pub stale: bool,
    /// A read was asked for at this time, after the last one (see [`ASKED_GAP_MS`]).
    pub asked: Option<u64>,
}

/// How often each of `busy` busy panes that never fall quiet is read.
pub fn streaming_every(busy: usize) -> u64 {
    STREAMING_EVERY_MS.max(busy as u64 * 1_000 / STREAMING_READS_PER_SEC)
}

/// When to read the screen next: `Some(t)` (due once `now >= t`), or `None` when nothing new
/// can be on it.
pub fn next_read(p: &PaneClock) -> Option<u64> {
    let Some(read_at) = p.read_at else {
        return Some(0);
    };
    if let Some(asked) = p.asked {
        return Some(asked.max(read_at + ASKED_GAP_MS));
    }
    if p.stale {
        return Some(read_at + MIN_GAP_MS);
    }
    let unread = p.unread_since?;
    let at = if p.busy {
        (p.last_output + QUIET_MS).min(read_at + p.streaming_every)
    } else {
        unread + SETTLE_MS
    };
    Some(at.max(read_at + MIN_GAP_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(read_at: u64, last_output: u64, unread: Option<u64>, busy: bool) -> PaneClock {
        PaneClock {
            read_at: Some(read_at),
            last_output,
            unread_since: unread,
            busy,
            streaming_every: STREAMING_EVERY_MS,
            stale: false,
            asked: None,
        }
    }

    #[test]
    fn a_pane_never_read_is_due_now() {
        let p = PaneClock {
            read_at: None,
            last_output: 0,
            unread_since: None,
            busy: false,
            streaming_every: STREAMING_EVERY_MS,
            stale: false,
            asked: None,
        };
        assert_eq!(next_read(&p), Some(0));
    }

    #[test]
    fn a_quiet_pane_whose_worker_changed_state_after_its_last_reading_is_read_again() {
        let p = PaneClock {
            stale: true,
            ..pane(1_000, 900, None, false)
        };
        assert_eq!(next_read(&p), Some(1_000 + MIN_GAP_MS));
    }

    #[test]
    fn a_read_asked_for_comes_at_once_but_not_on_top_of_the_last_one() {
        let asked = |at| PaneClock {
            asked: Some(at),
            ..pane(1_000, 900, None, true)
        };
        assert_eq!(next_read(&asked(1_500)), Some(1_500));
        assert_eq!(next_read(&asked(1_010)), Some(1_000 + ASKED_GAP_MS));
        const { assert!(ASKED_GAP_MS < MIN_GAP_MS) };
    }

    #[test]
    fn a_pane_that_printed_nothing_new_is_never_read_again() {
        assert_eq!(next_read(&pane(1_000, 900, None, false)), None);
        assert_eq!(next_read(&pane(1_000, 900, None, true)), None);
    }

    #[test]
    fn a_quiet_pane_that_starts_printing_is_read_after_the_settle_time() {
        assert_eq!(
            next_read(&pane(1_000, 5_000, Some(5_000), false)),
            Some(5_000 + SETTLE_MS)
        );
    }

    #[test]
    fn a_busy_pane_is_read_when_it_falls_quiet_or_every_so_often_while_streaming() {
        // Still printing 100 ms ago: due when it has been quiet for QUIET_MS.
        assert_eq!(
            next_read(&pane(1_000, 1_900, Some(1_100), true)),
            Some(1_900 + QUIET_MS)
        );
        // Printing all the time: read every STREAMING_EVERY_MS all the same.
        let now = 1_000 + STREAMING_EVERY_MS - 50;
        assert_eq!(
            next_read(&pane(1_000, now, Some(1_100), true)),
            Some(1_000 + STREAMING_EVERY_MS)
        );
    }

    #[test]
    fn a_large_fleet_streaming_is_re_read_at_a_bounded_rate_in_all() {
        assert_eq!(streaming_every(1), STREAMING_EVERY_MS);
        assert_eq!(streaming_every(20), STREAMING_EVERY_MS);
        assert_eq!(streaming_every(100), 25_000);
        let p = PaneClock {
            streaming_every: streaming_every(100),
            ..pane(1_000, 30_000, Some(1_100), true)
        };
        assert_eq!(next_read(&p), Some(26_000));
    }

    #[test]
    fn no_pane_is_read_more_often_than_the_minimum_gap() {
        assert_eq!(
            next_read(&pane(1_000, 1_010, Some(1_010), false)),
            Some(1_000 + MIN_GAP_MS)
        );
        assert_eq!(
            next_read(&pane(1_000, 1_001, Some(1_001), true)),
            Some(1_000 + MIN_GAP_MS)
        );
    }
}
