use clap::Parser;
use czar::cli::{Cli, Cmd, NodeCmd, TaskCmd};
use czar::core::observation::Signal;
use czar::project::UsageError;
use czar::visible::visible;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Some(Cmd::SimAgent(args)) = &cli.command {
        return exit(czar::cmd::sim::run(args));
    }
    // No async runtime: one of these runs in every worker's pane.
    if let Some(Cmd::PaneLog(args)) = &cli.command {
        return exit(
            czar::pane_log::run(args.log.as_deref(), args.env_file.as_deref(), &args.command)
                .map_err(|e| anyhow::anyhow!("pane-log: {e}")),
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return exit(Err(anyhow::anyhow!("starting the async runtime: {e}"))),
    };
    exit(runtime.block_on(dispatch(cli, dir)))
}

async fn dispatch(cli: Cli, dir: PathBuf) -> anyhow::Result<i32> {
    match cli.command {
        Some(Cmd::Init) => czar::cmd::project::init(&dir).map(|()| 0),
        Some(Cmd::Task(TaskCmd::Add(args))) => {
            czar::cmd::project::task_add(&dir, &args).map(|()| 0)
        }
        Some(Cmd::Task(cmd)) => czar::cmd::task(&dir, cmd),
        Some(Cmd::Status { json }) => czar::cmd::project::status(&dir, json).map(|()| 0),
        Some(Cmd::Stats { json, html }) => {
            czar::cmd::project::stats(&dir, json, html.as_deref()).map(|()| 0)
        }
        Some(Cmd::Claim { paths }) => czar::cmd::worker::claim(&dir, &paths),
        Some(Cmd::Explain { target, json }) => {
            match czar::cmd::explain_task::worker_id(&dir, &target) {
                Some(worker) => czar::cmd::explain::run(&dir, worker, json).await,
                None => czar::cmd::explain_task::run(&dir, &target, json),
            }
            .map(|()| 0)
        }
        Some(Cmd::Hook { event }) => czar::cmd::worker::hook(&dir, &event),
        Some(Cmd::Done) => czar::cmd::worker::done(&dir).map(|()| 0),
        Some(Cmd::Land { task }) => czar::cmd::land::run(&dir, task.as_deref()),
        Some(Cmd::Gc) => czar::cmd::land::gc(&dir),
        Some(Cmd::Review(review)) => czar::cmd::worker::review(&dir, review).map(|()| 0),
        Some(Cmd::Report { note }) => {
            czar::cmd::worker::signal(&dir, Signal::Report(note)).map(|()| 0)
        }
        Some(Cmd::Doctor { json }) => czar::cmd::doctor::run(&dir, json).await,
        Some(Cmd::Classify(args)) => czar::cmd::classify::run(&dir, &args).map(|()| 0),
        Some(Cmd::Demo(args)) => czar::cmd::demo::run(&args, cli.dir.as_deref()).await,
        Some(Cmd::Node {
            action: Some(NodeCmd::Install { host, json }),
        }) => czar::node::install::run(&dir, &host, json).await,
        Some(Cmd::Node { action: None }) => {
            let Some(dir) = cli.dir else {
                anyhow::bail!("czar node needs --dir DIR: the folder it keeps everything in");
            };
            let dir = if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir()?.join(dir)
            };
            czar::node::server::serve(&dir).await
        }
        Some(Cmd::SimAgent(_) | Cmd::PaneLog(_)) => Ok(0),
        Some(Cmd::Plan(args)) => {
            czar::cmd::plan::make(&dir, &args.goal, args.agent.as_deref())?;
            if !args.auto {
                return Ok(0);
            }
            run_fleet(&dir, true, false).await
        }
        None => {
            if let Some(goal) = &cli.plan {
                czar::cmd::plan::make(&dir, goal, None)?;
            }
            run_fleet(&dir, cli.auto, cli.watch).await
        }
    }
}

/// The dashboard, or with `auto` the headless run.
async fn run_fleet(dir: &std::path::Path, auto: bool, watch: bool) -> anyhow::Result<i32> {
    let cfg = czar::project::load(dir)?;
    let mode = if auto {
        czar::adapters::lock::Mode::Auto
    } else {
        czar::adapters::lock::Mode::Dashboard
    };
    // Held until the engine is done.
    let _lock = czar::project::own_state(&cfg.paths.state_dir, mode)?;
    let setup = czar::engine::Setup::from_config(&cfg)?;
    if auto {
        Ok(czar::front::headless::run(setup, watch).await?.exit_code())
    } else {
        czar::front::tui::run(&cfg, setup).await
    }
}

fn exit(result: anyhow::Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        // Errors quote user input (file names, values, task text): shown escaped.
        Err(e) if e.downcast_ref::<UsageError>().is_some() => {
            eprintln!("czar: {}", visible(&e.to_string()));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("czar: {}", visible(&format!("{e:#}")));
            ExitCode::from(1)
        }
    }
}
