//! Getting a task into an agent: wait for its prompt, paste the text byte-exact through a
//! uniquely named buffer, press Enter separately once the paste settled, and confirm the submit.
//! Each step that can share a tmux client with the next one does (load and paste; the last look
//! at the typed text and Enter), since at a fleet's scale it is the clients that cost.
//! The text is pasted once. Enter is pressed again only while the screen still shows the text
//! unsubmitted, so a task is never submitted twice.

use super::setup::{Profile, Timing};
use crate::adapters::tmux::Tmux;
use crate::core::classify::classify;
use crate::core::model::AgentState;
use std::time::Duration;
use tokio::time::{Instant, sleep};

const LOOK_EVERY: Duration = Duration::from_millis(150);
/// Most agents redraw within a few tens of milliseconds of Enter: the first look comes soon.
const FIRST_LOOK: Duration = Duration::from_millis(50);

pub(crate) async fn deliver(
    tmux: &Tmux,
    target: &str,
    profile: &Profile,
    timing: &Timing,
    text: &str,
) -> Result<(), String> {
    wait_until_ready(tmux, target, profile, timing.ready_timeout).await?;
    tmux.paste(target, text.as_bytes())
        .await
        .map_err(|e| format!("paste failed: {e}"))?;
    sleep(profile.settle).await;
    let submit_failed = |e| format!("submit failed: {e}");
    // The screen with the text typed, read by the same client that presses the key.
    let typed = tmux
        .capture_then_submit(target, profile.submit)
        .await
        .map_err(submit_failed)?;
    for attempt in 0..=timing.submit_retries {
        if attempt > 0 {
            tmux.send_submit(target, profile.submit)
                .await
                .map_err(submit_failed)?;
        }
        let deadline = Instant::now() + timing.submit_confirm;
        let mut wait = FIRST_LOOK;
        while Instant::now() < deadline {
            sleep(wait).await;
            wait = LOOK_EVERY;
            let now = screen(tmux, target).await?;
            let reading = classify(&profile.rules, &now, "");
            // Busy is proof; any other change of screen means the input left the box.
            if reading.state == Some(AgentState::Busy) || now != typed {
                return Ok(());
            }
        }
        tracing::warn!(
            target,
            attempt,
            "submit not confirmed: the text still sits in the input box; pressing Enter again"
        );
    }
    Err(format!(
        "the agent did not take the text after {} presses of Enter",
        timing.submit_retries + 1
    ))
}

async fn wait_until_ready(
    tmux: &Tmux,
    target: &str,
    profile: &Profile,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let s = screen(tmux, target).await?;
        let reading = classify(&profile.rules, &s, "");
        if reading.state == Some(AgentState::Idle) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the agent was not at its prompt within {}s (last: {})",
                timeout.as_secs(),
                reading.reason
            ));
        }
        sleep(LOOK_EVERY).await;
    }
}

async fn screen(tmux: &Tmux, target: &str) -> Result<String, String> {
    tmux.capture(target, false)
        .await
        .map_err(|e| format!("capture failed: {e}"))
}
