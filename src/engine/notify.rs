//! Runs the `[notify]` command for an event the core announced: off the loop (the engine never
//! waits for it), with the event as JSON on stdin and in `CZAR_*` variables, ended with its
//! process group at the timeout. A slow or failing command is logged, and that is all.

use super::Ctx;
use super::ports::NotifyCall;
use crate::core::model::Notice;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// The notifications still running: the engine gives them their time before it returns, so
/// the run's last one (`run_finished`) is not cut off by the czar exiting.
#[derive(Default)]
pub struct InFlight(Mutex<Vec<JoinHandle<()>>>);

pub(super) fn send(ctx: &Arc<Ctx>, notice: Notice) {
    let cfg = &ctx.setup.notify;
    if cfg.command.is_empty() {
        return;
    }
    let call = call(&cfg.command, cfg.timeout, &notice);
    let ctx2 = Arc::clone(ctx);
    let task = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let (ok, output) = ctx2.processes.notify(call).await;
        let took = started.elapsed();
        let what = notice.summary();
        if !ok {
            tracing::warn!("notify command failed for \"{what}\" after {took:?}: {output}");
        } else if took > std::time::Duration::from_secs(2) {
            tracing::warn!("notify command was slow for \"{what}\": {took:?}");
        } else {
            tracing::debug!("notified \"{what}\" in {took:?}");
        }
    });
    if let Ok(mut running) = ctx.notifying.0.lock() {
        running.retain(|t| !t.is_finished());
        running.push(task);
    }
}

/// The command's argv, environment and stdin for `notice`. Only the event's own fields go in:
/// never the czar's environment beyond what the command inherits anyway, never a secret.
pub(super) fn call(argv: &[String], timeout: std::time::Duration, notice: &Notice) -> NotifyCall {
    let json = serde_json::to_string(notice).unwrap_or_default();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let env = vec![
        ("CZAR_EVENT".to_string(), notice.event.as_str().to_string()),
        ("CZAR_PROJECT".to_string(), notice.project.clone()),
        (
            "CZAR_WORKER".to_string(),
            opt(notice.worker.map(|w| w.to_string())),
        ),
        ("CZAR_TASK".to_string(), opt(notice.task.clone())),
        ("CZAR_DETAIL".to_string(), notice.detail.clone()),
        ("CZAR_SUMMARY".to_string(), notice.summary()),
    ];
    NotifyCall {
        argv: argv.to_vec(),
        env,
        input: json.into_bytes(),
        timeout,
    }
}

/// Waits for the notifications under way, each already bounded by its timeout (and the grace
/// its group is given to end).
pub(super) async fn finish(ctx: &Arc<Ctx>) {
    let running: Vec<JoinHandle<()>> = match ctx.notifying.0.lock() {
        Ok(mut r) => std::mem::take(&mut *r),
        Err(_) => return,
    };
    let limit = ctx.setup.notify.timeout + crate::adapters::group::GRACE * 2;
    let all = futures::future::join_all(running);
    if tokio::time::timeout(limit, all).await.is_err() {
        tracing::warn!("notify commands still running after {limit:?} at exit");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::NoticeKind;
    use crate::engine::ports::Processes;
    use std::time::Duration;

    fn notice() -> Notice {
        Notice {
            event: NoticeKind::Waiting,
            project: "p".into(),
            worker: Some(2),
            task: Some("t".into()),
            detail: "Delete it? $(touch pwned) `id`".into(),
        }
    }

    /// Whether `pid` still runs, given a moment to be reaped once ended.
    fn alive(pid: i32) -> bool {
        for _ in 0..50 {
            // SAFETY: signal 0 only asks whether the process exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    }

    #[tokio::test]
    async fn the_real_command_gets_the_event_on_stdin_and_in_its_environment_and_no_shell_reads_it()
    {
        let dir = tempfile::tempdir().unwrap();
        let script = "cat > \"$0/in.json\"; env | grep '^CZAR_' | sort > \"$0/env\"";
        let argv: Vec<String> = ["sh", "-c", script, &dir.path().display().to_string()]
            .map(String::from)
            .to_vec();
        let call = call(&argv, Duration::from_secs(10), &notice());
        let (ok, out) = super::super::real::Shell.notify(call).await;
        assert!(ok, "{out}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("in.json")).unwrap())
                .unwrap();
        assert_eq!(json["event"], "waiting");
        assert_eq!(json["worker"], 2);
        assert_eq!(json["detail"], "Delete it? $(touch pwned) `id`");
        let env = std::fs::read_to_string(dir.path().join("env")).unwrap();
        assert!(env.contains("CZAR_EVENT=waiting\n"), "{env}");
        assert!(
            env.contains("CZAR_WORKER=2\n") && env.contains("CZAR_TASK=t\n"),
            "{env}"
        );
        assert!(
            env.contains("CZAR_SUMMARY=w2 t waiting: Delete it?"),
            "{env}"
        );
        assert!(!dir.path().join("pwned").exists() && !std::path::Path::new("pwned").exists());
    }

    #[tokio::test]
    async fn a_command_past_its_timeout_is_ended_with_its_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        // The shell leaves a child in its group that would outlive it.
        let script = "sleep 60 & echo $! > \"$0/child\"; wait";
        let argv: Vec<String> = ["sh", "-c", script, &dir.path().display().to_string()]
            .map(String::from)
            .to_vec();
        let call = call(&argv, Duration::from_millis(500), &notice());
        let (ok, out) = super::super::real::Shell.notify(call).await;
        assert!(!ok && out.contains("did not finish"), "{out}");
        let pid: i32 = std::fs::read_to_string(dir.path().join("child"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "the group's sleep was ended too");
    }

    #[tokio::test]
    async fn a_failing_command_is_reported_not_raised() {
        let argv = vec!["/nonexistent/notify-send".to_string()];
        let (ok, out) = super::super::real::Shell
            .notify(call(&argv, Duration::from_secs(1), &notice()))
            .await;
        assert!(!ok && out.contains("could not run"), "{out}");
        let argv: Vec<String> = ["sh", "-c", "exit 3"].map(String::from).to_vec();
        let (ok, out) = super::super::real::Shell
            .notify(call(&argv, Duration::from_secs(5), &notice()))
            .await;
        assert!(!ok && out.contains("exit status: 3"), "{out}");
    }
}
