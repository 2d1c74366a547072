//! The control room: a ratatui dashboard on the same engine as `czar --auto`. The engine runs in
//! its own task and keeps deciding; the dashboard reads its model, shows it, and sends the
//! operator's keys to it as intents.

mod alerts;
mod app;
mod dialog_keys;
mod effect;
pub mod input;
pub mod keymap;
mod landing_keys;
mod log_filter;
mod log_keys;
mod outside;
mod pager;
mod queue_keys;
mod ring;
pub mod rows;
pub mod state;
mod terminal;
pub mod view;

use crate::config::ProjectConfig;
use crate::core::observation::Intent;
use crate::engine::{Engine, Setup};
use std::time::Duration;

/// Runs the dashboard until the operator quits. Workers keep running after it.
pub async fn run(cfg: &ProjectConfig, setup: Setup) -> anyhow::Result<i32> {
    let (log, _log_guard) = crate::front::logging::init(&setup.paths.state_dir)?;
    let mut engine = Engine::start(setup.clone()).await?;
    let mut handle = engine.handle();
    let engine_task = tokio::spawn(async move { engine.run(|m| m.stopping).await });

    let mut ui = state::UiState::new(keymap::Keymap::new(&cfg.keys), state::color_from_env());
    let result = match terminal::enter() {
        Ok(mut term) => {
            let _restore = terminal::Guard;
            app::run(
                &mut term,
                &mut handle,
                &mut ui,
                &setup,
                cfg.land.diff_tool.as_deref(),
            )
            .await
        }
        Err(e) => Err(anyhow::anyhow!("setting up the terminal: {e}")),
    };

    handle.send(Intent::Stop);
    match tokio::time::timeout(Duration::from_secs(10), engine_task).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::error!("engine: {e}"),
        Ok(Err(e)) => tracing::error!("engine task: {e}"),
        Err(_) => tracing::warn!("the engine did not stop within 10 s"),
    }
    result?;
    println!(
        "czar: dashboard closed; worker sessions keep running (run czar again to pick them up). Log: {}",
        log.display()
    );
    Ok(0)
}
