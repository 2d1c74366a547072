use super::*;
use std::io::Write;
use std::time::Duration;

fn names(dir: &Path) -> LogNames<'_> {
    LogNames {
        dir,
        worker_of: |name| {
            name.to_str()?
                .strip_prefix("worker-")?
                .strip_suffix(".log")?
                .parse()
                .ok()
        },
        file_of: |id| format!("worker-{id}.log"),
    }
}

async fn woken(outputs: &Outputs) {
    tokio::time::timeout(Duration::from_secs(5), outputs.changed())
        .await
        .expect("no wake for a growing log");
}

/// Appends a line the way tmux's `cat >>` does.
fn append(dir: &Path, name: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .unwrap();
    writeln!(f, "output").unwrap();
}

#[test]
fn marks_wake_once_until_read() {
    let o = Outputs::default();
    o.mark(3, 100);
    o.mark(3, 150);
    assert_eq!(
        o.get(3),
        Output {
            last: 150,
            unread_since: Some(100)
        }
    );
    o.read(3);
    assert_eq!(o.get(3).unread_since, None);
    assert_eq!(o.get(3).last, 150);
    assert_eq!(o.get(9), Output::default());
}

#[tokio::test]
async fn every_write_marks_the_worker_whose_log_grew_and_not_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = Arc::new(Outputs::default());
    let _w = watch_every_write(names(dir.path()), Arc::clone(&outputs)).unwrap();
    append(dir.path(), "czar.log");
    append(dir.path(), "worker-7.log");
    woken(&outputs).await;
    assert!(outputs.get(7).unread_since.is_some());
    assert_eq!(outputs.panes().len(), 1, "only worker logs count");
}

#[tokio::test]
async fn a_second_watcher_on_the_same_outputs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = Arc::new(Outputs::default());
    let _w = watch(names(dir.path()), Arc::clone(&outputs)).unwrap();
    assert!(matches!(
        watch_every_write(names(dir.path()), outputs),
        Err(WatchError::AlreadyWatched)
    ));
}

#[tokio::test]
async fn refresh_brings_the_last_output_up_to_the_logs_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = Arc::new(Outputs::default());
    let _w = watch(names(dir.path()), Arc::clone(&outputs)).unwrap();
    outputs.mark(4, 1_000);
    assert_eq!(
        outputs.refresh(4).last,
        1_000,
        "no log yet: what was marked"
    );
    append(dir.path(), "worker-4.log");
    let before = now_ms();
    let last = outputs.refresh(4).last;
    // File times come from a coarser clock than ours: allow it to lag by a tick.
    assert!(
        last + 20 >= before && last <= now_ms(),
        "{last} vs {before}"
    );
    assert_eq!(outputs.get(4).unread_since, Some(1_000));
}

/// Linux only: the one-shot watcher hears of one write per reading, and of new logs.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn one_event_per_reading_and_new_logs_are_armed_as_they_appear() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = Arc::new(Outputs::default());
    let w = watch(names(dir.path()), Arc::clone(&outputs)).unwrap();
    assert!(matches!(w, OutputWatch::Oneshot(_)));
    append(dir.path(), "notes.txt");
    append(dir.path(), "worker-2.log");
    woken(&outputs).await;
    let first = outputs.get(2).unread_since.expect("the new log marked");
    assert_eq!(outputs.panes().len(), 1, "only worker logs count");

    // Read: cleared, and the next write after the reading marks it again.
    outputs.read(2);
    assert_eq!(outputs.get(2).unread_since, None);
    append(dir.path(), "worker-2.log");
    woken(&outputs).await;
    let again = outputs.get(2).unread_since.expect("a write after reading");
    assert!(again >= first);

    // Not read since: that watch has fired, so more writes are not reported one by one...
    let marked = outputs.get(2);
    tokio::time::sleep(Duration::from_millis(20)).await;
    append(dir.path(), "worker-2.log");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(outputs.get(2), marked, "a disarmed log reported a write");
    // ...but its modification time still tells when it last printed.
    assert!(outputs.refresh(2).last > marked.last);
}
