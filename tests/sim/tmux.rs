//! The sim in a real tmux pane, driven the way czar drives agents.

use std::fs;
use std::thread::sleep;
use std::time::Duration;

use crate::common::*;
use crate::support::git;

fn big_task() -> Vec<u8> {
    let mut text =
        String::from("Ship the \"quoted\" widget — é 日本語 🚀\n\nsim: duration=1.5\n\n");
    let mut i = 0;
    while text.len() < 100_000 {
        text.push_str(&format!(
            "{i}: 'single' \"double\" $(rm -rf ~); echo `id` \\ back\\slash\tTab\tEnter C-c \
             é 日本語 🚀\r\n\n\t\n"
        ));
        i += 1;
    }
    text.into_bytes()
}

#[test]
fn big_paste_is_recorded_byte_exact_and_committed() {
    let repo = repo_with_worktree("czar/feat-x");
    let tmux = Tmux::new();
    let records = repo.records.to_str().unwrap();
    tmux.start_sim("s", &repo.worktree, (200, 50), &["--record-dir", records]);
    let screen = tmux.wait_ready("s");
    assert!(screen.contains("czar sim-agent — simulated coding agent"));
    assert!(screen.lines().any(|l| l == "─".repeat(200)), "{screen}");
    assert_eq!(tmux.title("s"), "✳ sim");

    let task = big_task();
    tmux.deliver("s", &task);
    let busy = tmux.wait_busy("s");
    let lines = task.iter().filter(|&&b| b == b'\n').count();
    let echo = format!("> [Pasted text: {} bytes, {lines} lines]", task.len());
    assert!(busy.contains(&echo), "{busy}");
    assert!(is_braille(&tmux.title("s")), "title {:?}", tmux.title("s"));

    let done = tmux.wait_ready("s");
    assert_eq!(tmux.title("s"), "✳ sim");
    assert!(done.contains("● Done: wrote 1 file, 1 commit ("), "{done}");
    assert!(done.contains("on czar/feat-x"), "{done}");
    assert!(
        done.lines().any(|l| l.starts_with("✻ Worked for ")),
        "{done}"
    );

    let recorded = fs::read(repo.records.join("received-1.txt")).unwrap();
    assert!(
        recorded == task,
        "recorded bytes differ from the pasted task"
    );
    assert_eq!(
        fs::read_dir(&repo.records).unwrap().count(),
        1,
        "no temp files left"
    );

    let title = "Ship the \"quoted\" widget — é 日本語 🚀";
    assert_eq!(branch_commits(&repo), vec![format!("sim: {title}")]);
    let file = fs::read_to_string(repo.worktree.join("sim/czar-feat-x.md")).unwrap();
    assert_eq!(file, format!("{title}\n"));
    assert_eq!(git(&repo.worktree, &["status", "--porcelain"]), "");
}

#[test]
fn directives_shape_files_commits_and_done_command() {
    let repo = repo_with_worktree("czar/multi");
    let tmux = Tmux::new();
    let done = ["--", "sh", "-c", "touch done-marker"];
    // No git identity anywhere (as on CI): the sim must fall back to its own.
    let home = tempfile::tempdir().unwrap();
    let home_env = format!("HOME={}", home.path().display());
    let xdg_env = format!("XDG_CONFIG_HOME={}", home.path().display());
    let env = [home_env.as_str(), xdg_env.as_str()];
    tmux.start_sim_env("s", &repo.worktree, (120, 40), &env, &done);
    tmux.wait_ready("s");

    tmux.deliver(
        "s",
        b"Split the work\nsim: duration=1 touch=a.txt touch=dir/b.txt touch=c.txt commits=2 done=no\n\
          sim: say=hello_world bogus=1\n",
    );
    tmux.wait_busy("s");
    let screen = tmux.wait_ready("s");
    assert!(screen.contains("  ⎿ hello world"), "{screen}");
    assert!(
        screen.contains("  ⎿ unknown sim directive: bogus=1"),
        "{screen}"
    );
    assert!(
        screen.contains("● Done: wrote 3 files, 2 commits ("),
        "{screen}"
    );
    assert_eq!(branch_commits(&repo), vec!["sim: Split the work"; 2]);
    let authors = git(&repo.worktree, &["log", "--format=%an <%ae>", "main..HEAD"]);
    assert_eq!(authors, "sim-agent <sim@localhost>\n".repeat(2));
    let tracked = git(&repo.worktree, &["ls-files"]);
    assert_eq!(
        tracked.lines().collect::<Vec<_>>(),
        ["a.txt", "c.txt", "dir/b.txt"]
    );
    assert!(
        !repo.worktree.join("done-marker").exists(),
        "done=no still ran it"
    );

    tmux.deliver(
        "s",
        b"Leave it dirty\nsim: duration=1 commits=0 touch=d.txt\n",
    );
    tmux.wait_busy("s");
    let screen = tmux.wait_ready("s");
    assert!(
        screen.contains("no commit (changes left uncommitted)"),
        "{screen}"
    );
    assert_eq!(branch_commits(&repo).len(), 2);
    assert_eq!(
        fs::read_to_string(repo.worktree.join("d.txt")).unwrap(),
        "Leave it dirty\n"
    );
    let status = git(&repo.worktree, &["status", "--porcelain"]);
    assert!(status.contains("?? d.txt"), "{status}");
    tmux.wait_until("s", "the done marker", |_| {
        repo.worktree.join("done-marker").exists()
    });
}

#[test]
fn exit_directive_kills_the_pane_with_that_code() {
    let repo = repo_with_worktree("czar/crash");
    let tmux = Tmux::new();
    let records = repo.records.to_str().unwrap();
    tmux.start_sim("s", &repo.worktree, (120, 40), &["--record-dir", records]);
    tmux.wait_ready("s");
    assert_eq!(tmux.pane_state("s"), "0");

    tmux.deliver("s", b"Crash please\nsim: duration=1 exit=3\n");
    tmux.wait_busy("s");
    tmux.wait_until("s", "the pane to die with 3", |t| {
        t.pane_state("s") == "1 3"
    });
    assert!(repo.records.join("received-1.txt").exists());
    assert!(branch_commits(&repo).is_empty());
}

#[test]
fn escape_interrupts_a_hang_and_typed_tasks_work_in_a_small_pane() {
    let repo = repo_with_worktree("czar/hang");
    let tmux = Tmux::new();
    tmux.start_sim("s", &repo.worktree, (80, 24), &["--name", "w7"]);
    let screen = tmux.wait_ready("s");
    assert!(screen.lines().any(|l| l == "─".repeat(80)), "{screen}");
    assert!(
        screen.contains("? for shortcuts · sim-agent · w7"),
        "{screen}"
    );
    assert_eq!(tmux.title("s"), "✳ w7");

    tmux.deliver("s", b"Hang around\nsim: hang=yes say=still_here\n");
    tmux.wait_busy("s");
    sleep(Duration::from_millis(500));
    assert!(is_busy(&tmux.capture("s")));
    tmux.ok(&["send-keys", "-t", "s", "Escape"]);
    let screen = tmux.wait_ready("s");
    assert!(screen.contains("  ⎿ Interrupted by user"), "{screen}");
    assert!(!is_busy(&screen), "{screen}");
    assert!(branch_commits(&repo).is_empty());

    // Operator typing: keys one by one, a typo fixed with Backspace.
    tmux.ok(&["send-keys", "-t", "s", "-l", "Typed tas"]);
    tmux.ok(&["send-keys", "-t", "s", "-l", "kX"]);
    tmux.ok(&["send-keys", "-t", "s", "BSpace"]);
    tmux.wait_screen("s", "the typed text", |s| {
        s.lines().any(|l| l == "❯ Typed task")
    });
    tmux.ok(&["send-keys", "-t", "s", "Enter"]);
    tmux.wait_busy("s");
    tmux.wait_ready("s");
    assert_eq!(branch_commits(&repo), vec!["sim: Typed task"]);
    for line in tmux.capture("s").lines() {
        assert!(
            line.chars().count() <= 80,
            "line wider than the pane: {line:?}"
        );
    }
}

#[test]
fn empty_enter_is_ignored_and_ctrl_c_twice_or_ctrl_d_exit_zero() {
    let repo = repo_with_worktree("czar/quit");
    let tmux = Tmux::new();
    tmux.start_sim("a", &repo.worktree, (120, 40), &[]);
    tmux.start_sim("b", &repo.worktree, (120, 40), &[]);
    tmux.wait_ready("a");
    tmux.wait_ready("b");

    tmux.ok(&["send-keys", "-t", "a", "Enter"]);
    sleep(Duration::from_millis(300));
    let screen = tmux.capture("a");
    assert!(
        is_ready(&screen) && !screen.contains("Task received"),
        "{screen}"
    );

    tmux.ok(&["send-keys", "-t", "a", "-l", "draft"]);
    tmux.ok(&["send-keys", "-t", "a", "C-c"]);
    tmux.wait_screen("a", "the Ctrl-C hint", |s| {
        is_ready(s) && s.contains("press Ctrl-C again to exit")
    });
    assert_eq!(tmux.pane_state("a"), "0");
    tmux.ok(&["send-keys", "-t", "a", "C-c"]);
    tmux.wait_until("a", "exit 0 after two Ctrl-C", |t| {
        t.pane_state("a") == "1 0"
    });

    tmux.ok(&["send-keys", "-t", "b", "-l", "abc"]);
    tmux.ok(&["send-keys", "-t", "b", "C-d"]);
    tmux.wait_until("b", "exit 0 after Ctrl-D", |t| t.pane_state("b") == "1 0");
}

/// `CZAR_SIM_TIMELINE` is where a sim notes its task's start and end when no `--timeline` is
/// given (the benchmark's way in through `czar demo`); the flag still wins over it.
#[test]
fn timeline_from_the_environment_and_the_flag_over_it() {
    let repo = repo_with_worktree("czar/timeline");
    let dir = tempfile::tempdir().unwrap();
    let (from_env, from_flag) = (dir.path().join("env.log"), dir.path().join("flag.log"));
    let env = [
        format!("CZAR_SIM_TIMELINE={}", from_env.display()),
        "CZAR_WORKER=7".to_string(),
    ];
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    let tmux = Tmux::new();
    tmux.start_sim_env("a", &repo.worktree, (120, 40), &env, &[]);
    let flag = from_flag.to_str().unwrap();
    tmux.start_sim_env("b", &repo.worktree, (120, 40), &env, &["--timeline", flag]);
    for s in ["a", "b"] {
        tmux.wait_ready(s);
        tmux.deliver(s, b"Note the time\nsim: duration=0.5 commits=0\n");
    }
    for s in ["a", "b"] {
        tmux.wait_busy(s);
        tmux.wait_ready(s);
    }
    let marks = |path: &std::path::Path| -> Vec<(u64, String)> {
        let text = fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(|l| {
                let w: Vec<&str> = l.split(' ').collect();
                assert_eq!(w.len(), 3, "{l:?}");
                assert_eq!(w[1], "7", "{l:?}");
                (w[0].parse().unwrap(), w[2].to_string())
            })
            .collect()
    };
    for path in [&from_env, &from_flag] {
        tmux.wait_until("a", "both marks", |_| marks(path).len() == 2);
        let m = marks(path);
        assert_eq!([m[0].1.as_str(), m[1].1.as_str()], ["busy", "idle"]);
        assert!(m[1].0 >= m[0].0 + 500, "{m:?}");
    }
}
