//! Faults on purpose, for the crash tests: `CZAR_FAULT=<point>:<n>` kills this czar with SIGKILL
//! the n-th time it passes `<point>` (`paste`: a delivery's text was pasted and the outcome not
//! yet stored; `enter`: its Enter was pressed and that not yet stored; `land-merge`: a landing's
//! merge was made and not yet verified; `land-verify`: one of its verify commands ran and its
//! outcome is not stored; `land-ref`: the target's compare-and-swap ran and that is not stored). Those moments are the
//! hardest for a restart to get right, and a kill at a random time rarely lands in them.
//! Without the variable this does nothing.

use std::sync::Mutex;

static PASSED: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

pub(crate) fn point(name: &str) {
    let Ok(spec) = std::env::var("CZAR_FAULT") else {
        return;
    };
    let Some((at, n)) = spec.split_once(':') else {
        return;
    };
    if at != name {
        return;
    }
    let Ok(n) = n.parse::<u32>() else {
        return;
    };
    let mut passed = PASSED.lock().unwrap_or_else(|e| e.into_inner());
    let count = match passed.iter_mut().find(|(p, _)| p == name) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            passed.push((name.to_string(), 1));
            1
        }
    };
    if count == n {
        tracing::warn!("CZAR_FAULT={spec}: killing this czar at {name} on purpose");
        use rustix::process::{Signal, getpid, kill_process};
        let _ = kill_process(getpid(), Signal::KILL);
    }
}
