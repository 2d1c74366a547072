//! The operator's small subcommands on a project: init, task add, status, stats.

use crate::adapters::store::Store;
use crate::cli::TaskAddArgs;
use crate::core::model::Model;
use crate::core::model::TaskDef;
use crate::engine::status;
use crate::project::{self, UsageError};
use crate::tasks;
use crate::visible::visible;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Works before the first commit (that is when people run it): nothing here needs one.
pub fn init(dir: &Path) -> anyhow::Result<()> {
    let (root, _) = project::repo_root(dir)?;
    let usage = |e: crate::config::ConfigError| UsageError(e.to_string());
    let written = crate::config::init(&root).map_err(usage)?;
    for p in written {
        println!("wrote {}", visible(&p.display().to_string()));
    }
    // Where the new czar.toml puts the state; which branch is checked out does not matter here.
    let cfg = crate::config::load(&root, Some("HEAD")).map_err(usage)?;
    if let Some(line) =
        crate::config::ignore_state_dir(&root, &cfg.paths.state_dir).map_err(usage)?
    {
        println!(
            "added {} to {}",
            visible(&line),
            root.join(".gitignore").display()
        );
    }
    Ok(())
}

/// `czar task add`: the text gets the checks a task file's gets (text, not empty, no paste
/// end marker, with the line in the file or on standard input), and `--agent` must name a
/// profile; anything refused exits 2 and writes nothing.
pub fn task_add(dir: &Path, args: &TaskAddArgs) -> anyhow::Result<()> {
    let cfg = project::load(dir)?;
    let names = tasks::known_names(&cfg.profiles, &cfg.hosts);
    let agents: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Some(agent) = args.agent.iter().find(|a| !cfg.profiles.contains_key(*a)) {
        return Err(UsageError(format!(
            "--agent {agent:?}: no agent profile named so (known profiles: {}; add one as \
             [agents.<name>] in czar.toml)",
            tasks::profile_names(&agents)
        ))
        .into());
    }
    if let Some(tag) = args
        .tags
        .iter()
        .find(|t| !cfg.profiles.values().any(|p| p.tags.contains(t)))
    {
        return Err(UsageError(format!(
            "--tags {tag:?}: no agent profile declares this tag (add it to `tags` in \
             [agents.<name>] in czar.toml)"
        ))
        .into());
    }
    if let Some(label) = args
        .labels
        .iter()
        .find(|l| !cfg.hosts.iter().any(|h| h.labels.contains(l)))
    {
        return Err(UsageError(format!(
            "--labels {label:?}: no host declares this label (add it to `labels` in              [hosts.<name>] in czar.toml)"
        ))
        .into());
    }
    if let Some(plan) = args.plan.as_deref().filter(|p| !p.is_empty())
        && let Err(why) = tasks::validate_id(plan)
    {
        return Err(UsageError(format!("--plan {plan:?}: not a plan id: {why}")).into());
    }
    let (source, bytes) = match &args.file {
        Some(f) => (
            f.clone(),
            std::fs::read(f).map_err(|e| UsageError(format!("{}: {e}", f.display())))?,
        ),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
                UsageError(format!("reading the task text from standard input: {e}"))
            })?;
            (PathBuf::from("<standard input>"), bytes)
        }
    };
    let body = tasks::decode(&source, bytes).map_err(|e| UsageError(e.to_string()))?;
    if body.trim().is_empty() {
        return Err(UsageError(
            "the task text is empty (give --file FILE or text on standard input)".into(),
        )
        .into());
    }
    tasks::check_body(&source, &body, 1).map_err(|e| UsageError(e.to_string()))?;
    let new = TaskDef {
        id: args.id.clone().unwrap_or_default(),
        title: args.title.clone(),
        priority: args.priority,
        needs: args.needs.clone(),
        agent: args.agent.clone(),
        tags: args.tags.clone(),
        labels: args.labels.clone(),
        // An empty $CZAR_PLAN is no plan; run by a planner, the plan it is splitting.
        plan: args
            .plan
            .clone()
            .filter(|p| !p.is_empty())
            .or_else(crate::cmd::plan::of_this_planner),
        planner: false,
        verify: args.verify.clone(),
        no_changes: false,
        body,
    };
    let path = tasks::write_task(&cfg.paths.tasks_dir, &new, &agents)
        .map_err(|e| UsageError(e.to_string()))?;
    println!("{}", visible(&path.display().to_string()));
    Ok(())
}

pub fn status(dir: &Path, json: bool) -> anyhow::Result<()> {
    let cfg = project::load(dir)?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let (tasks, workers) = store.load()?;
    let mut model = Model::new(&cfg.project, &cfg.base, Default::default());
    model.tasks = tasks;
    model.workers = workers;
    // Tasks queued in files that no czar has read yet are part of the queue too.
    let agents = crate::tasks::known_names(&cfg.profiles, &cfg.hosts);
    let set = tasks::load_dir(&cfg.paths.tasks_dir, &agents);
    model.task_file_errors = set.errors_by_file();
    for def in set.tasks {
        model
            .tasks
            .entry(def.id.clone())
            .or_insert_with(|| crate::core::Task::new(def, 0));
    }
    model.policy.meters = cfg.meters();
    let mut snap = status::snapshot(&model, &store.claims()?);
    status::with_hosts(&mut snap, cfg.workers, &cfg.hosts);
    let plans = store.plans()?;
    for row in &mut snap.plans {
        row.goal = plans
            .iter()
            .find(|p| p.id == row.progress.id)
            .map(|p| p.goal.clone());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&snap)?);
    } else {
        print!("{}", crate::engine::status_files::markdown(&snap));
    }
    Ok(())
}

pub fn stats(dir: &Path, json: bool, html: Option<&Path>) -> anyhow::Result<()> {
    let cfg = project::load(dir)?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let (mut tasks, workers) = store.load()?;
    // Tasks queued in files no czar has read yet count too, as `czar status` lists them.
    let agents = crate::tasks::known_names(&cfg.profiles, &cfg.hosts);
    for def in tasks::load_dir(&cfg.paths.tasks_dir, &agents).tasks {
        tasks
            .entry(def.id.clone())
            .or_insert_with(|| crate::core::Task::new(def, 0));
    }
    let events = store.events(usize::MAX >> 1)?;
    // Token reports the czar has not taken yet (the last turn's, when the run ended first).
    let mut model = Model::new(&cfg.project, &cfg.base, Default::default());
    model.tasks = tasks;
    model.workers = workers;
    model.policy.meters = cfg.meters();
    for (_, worker, signal) in store.pending_signals()? {
        if let crate::core::observation::Signal::Usage { session, totals } = signal {
            crate::core::tokens::credit(&mut model, worker, session, totals);
        }
    }
    // And what each agent's session file holds now: a turn can end after its last report.
    let sessions: Vec<(u32, String, String)> = model
        .workers
        .values()
        .filter_map(|w| {
            let session = w.vitals.tokens.usage_seen.as_ref()?.0.clone();
            Some((w.id, w.profile.clone(), session))
        })
        .collect();
    for (worker, profile, session) in sessions {
        let source = cfg
            .profiles
            .get(&profile)
            .and_then(|p| p.meter.usage)
            .unwrap_or(crate::core::reports::Source::Claude);
        let path = std::path::Path::new(&session);
        if let Some(report) = crate::engine::session_report(source, path) {
            crate::core::tokens::credit(&mut model, worker, session, report.totals);
        }
    }
    let mut s = crate::cmd::stats::compute(&model.tasks, &model.workers, &events);
    s.spend = crate::cmd::spend::compute(&model, &s.tokens);
    if let Some(file) = html {
        let page = crate::cmd::stats_html::page(&cfg.project, &s, &events);
        std::fs::write(file, page)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", file.display()))?;
        eprintln!("czar: wrote {}", file.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", crate::cmd::stats::table(&s));
    }
    Ok(())
}
