//! `czar --auto` with the claude profile against the REAL Claude Code client, offline: a
//! loopback stand-in API scripts the agent to commit on its task branch and run `czar done`
//! through Bash tool calls. Skips loudly where the client is not installed.
//!
//! Dialogs: the czar does not answer dialogs yet, so the temp HOME pre-accepts what the client
//! would ask on first run (trust for each worker's worktree, the API key) and allows Bash.

use crate::client::{API_KEY, client_or_skip, prepare_home};
use crate::common::{CZAR, git, text, wait_output};
use crate::fake_api::{FakeApi, Reply, Request};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const WORKERS: u32 = 2;
const TASKS: [(&str, &str); 3] = [
    ("alpha", ""),
    ("beta", ""),
    ("gamma", "needs = [\"alpha\"]"),
];

/// The agent's part: on a new task, think for a moment (the czar should see it busy), then
/// commit a file named after the task; after the commit, run `czar done`; then stop.
fn agent(req: &Request) -> Reply {
    if req.after_tool() {
        let result = req.new_results.join("\n");
        if result.contains("committed-") {
            return Reply::bash("Committed; telling the czar.", &format!("{CZAR} done"));
        }
        return Reply::text("The task is finished, committed and reported.");
    }
    let prompt = req.last_user_text();
    let Some(id) = task_id(&prompt) else {
        return Reply::text("I have no task yet.");
    };
    std::thread::sleep(Duration::from_secs(2));
    Reply::bash(
        "Writing and committing the change.",
        &format!(
            "mkdir -p out && echo {id} > out/{id}.txt && git add -A && \
             git commit -q -m 'Do {id}' && echo committed-{id}"
        ),
    )
}

/// The worker preamble names the task as (id `<id>`).
fn task_id(prompt: &str) -> Option<String> {
    let start = prompt.find("(id `")? + 5;
    let len = prompt[start..].find('`')?;
    Some(prompt[start..start + len].to_string())
}

#[test]
fn czar_drives_the_real_claude_client_to_commit_and_finish_every_task() {
    let Some(bin) = client_or_skip("czar_drives_the_real_claude_client") else {
        return;
    };
    let api = FakeApi::start(agent);
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let root = base.join("repo");
    let home = base.join("home");
    std::fs::create_dir_all(root.join("tasks")).unwrap();
    std::fs::write(root.join("README.md"), "test\n").unwrap();
    std::fs::write(root.join(".gitignore"), ".czar/\n").unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "initial"]);

    let worktrees: Vec<_> = (1..=WORKERS)
        .map(|w| base.join("wt").join(format!("worker-{w}")))
        .collect();
    let trusted: Vec<&Path> = worktrees.iter().map(|p| p.as_path()).collect();
    prepare_home(&home, &trusted, true);
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude/settings.json"),
        r#"{"permissions":{"allow":["Bash"]}}"#,
    )
    .unwrap();

    let socket = format!("czar-claude-real-{}", std::process::id());
    let _tmux = KillServer(socket.clone());
    let config = format!(
        "project = \"real\"\nworkers = {WORKERS}\nagent = \"claude\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{socket}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 300\nready_timeout_secs = 60\n\n\
         [agents.claude]\ncommand = [{bin:?}, \"--permission-mode\", \"acceptEdits\"]\n\
         env = {{ HOME = {home:?}, ANTHROPIC_API_KEY = {API_KEY:?}, ANTHROPIC_BASE_URL = {url:?}, \
         DISABLE_AUTOUPDATER = \"1\", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = \"1\", \
         GIT_AUTHOR_NAME = \"t\", GIT_AUTHOR_EMAIL = \"t@t\", GIT_COMMITTER_NAME = \"t\", \
         GIT_COMMITTER_EMAIL = \"t@t\" }}\n",
        bin = bin.display().to_string(),
        home = home.display().to_string(),
        url = api.url,
    );
    std::fs::write(root.join("czar.toml"), config).unwrap();
    for (id, front) in TASKS {
        let text = format!(
            "+++\ntitle = \"Task {id}\"\n{front}\n+++\nWrite out/{id}.txt and commit it.\n"
        );
        std::fs::write(root.join("tasks").join(format!("{id}.md")), text).unwrap();
    }

    let child = Command::new(CZAR)
        .arg("--auto")
        .current_dir(&root)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, Duration::from_secs(240));
    let log = api.log().join("\n");
    assert!(
        out.status.success(),
        "exit {:?}\n{}\nfake API:\n{log}",
        out.status,
        text(&out)
    );

    // Every task's branch holds its own commit, with its own file.
    for (id, _) in TASKS {
        let subjects = git(&root, &["log", "--format=%s", &format!("main..czar/{id}")]);
        assert_eq!(subjects.trim(), format!("Do {id}"), "czar/{id}");
        let files = git(
            &root,
            &["diff", "--name-only", &format!("main...czar/{id}")],
        );
        assert_eq!(files.trim(), format!("out/{id}.txt"));
    }

    // Each task: assigned, delivered, the agent seen busy, then done; gamma after alpha.
    let events = czar::adapters::store::Store::open(&root.join(".czar"))
        .unwrap()
        .events(100_000)
        .unwrap();
    let first = |kind: &str, task: &str, detail: &str| {
        events
            .iter()
            .find(|e| {
                e.kind == kind && e.task.as_deref() == Some(task) && e.detail.contains(detail)
            })
            .map(|e| e.seq)
    };
    let dump = || {
        events
            .iter()
            .map(|e| format!("{:?} {:?} {} {}", e.worker, e.task, e.kind, e.detail))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Each worker's agent is read at its prompt (starting -> idle) before its first task.
    for w in 1..=WORKERS {
        let ready = events.iter().find(|e| {
            e.worker == Some(w)
                && e.kind == "agent_state"
                && e.detail.starts_with("starting -> idle")
        });
        let first_task = events
            .iter()
            .find(|e| e.worker == Some(w) && e.kind == "assigned");
        match (ready, first_task) {
            (Some(r), Some(t)) => {
                assert!(r.seq < t.seq, "worker {w}: task before ready\n{}", dump())
            }
            _ => panic!("worker {w}: never ready or never given a task\n{}", dump()),
        }
    }
    // Each task: assigned, delivered (the agent busy), read back at the prompt, then done.
    for (id, _) in TASKS {
        let seq = |kind: &str, detail: &str| {
            first(kind, id, detail)
                .unwrap_or_else(|| panic!("{id}: no {kind} {detail:?}\n{}", dump()))
        };
        let order = [
            seq("assigned", ""),
            seq("delivered", ""),
            seq("agent_state", "busy -> idle"),
            seq("done", ""),
        ];
        assert!(
            order.windows(2).all(|p| p[0] < p[1]),
            "{id}: out of order {order:?}\n{}",
            dump()
        );
    }
    let alpha_done = first("done", "alpha", "").unwrap();
    let gamma_assigned = first("assigned", "gamma", "").unwrap();
    assert!(
        alpha_done < gamma_assigned,
        "gamma before alpha was done\n{}",
        dump()
    );
    assert!(
        api.main_turns() >= 9,
        "three turns per task expected\n{log}"
    );
}

struct KillServer(String);

impl Drop for KillServer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .stderr(Stdio::null())
            .status();
        let uid = unsafe { libc::getuid() };
        let dir =
            std::env::var_os("TMUX_TMPDIR").map_or_else(|| "/tmp".into(), std::path::PathBuf::from);
        let _ = std::fs::remove_file(dir.join(format!("tmux-{uid}")).join(&self.0));
    }
}
