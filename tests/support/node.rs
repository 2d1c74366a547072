//! A test's side of the node protocol: a `czar node` child (over plain pipes, or through
//! `ssh`), the handshake, requests answered by id, and the events it pushes in between. The
//! child and the node's tmux server are gone when this is dropped, failing or not.

use czar::node::proto::{self, Answer, Event, FromNode, Hello, Op, Outcome, ToNode};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub struct NodeClient {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<FromNode>,
    next_id: u64,
    /// Events that arrived while waiting for replies, oldest first.
    pub events: Vec<Event>,
    /// The node's own hello (its folder and clone).
    pub hello: Hello,
    /// The node's tmux socket, killed on drop (`None` when the node is reached over ssh and
    /// the test cleans its folder some other way).
    pub socket: Option<PathBuf>,
}

/// Starts `cmd` (which runs `czar node`), says hello with `ours`: the node's hello, or what it
/// answered instead.
pub fn start(mut cmd: Command, ours: Hello) -> Result<NodeClient, (Child, Option<FromNode>)> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            match proto::decode::<FromNode>(line.as_bytes()) {
                Ok(msg) => {
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
                Err(e) => eprintln!("test node client: {e}: {line}"),
            }
        }
    });
    stdin
        .write_all(proto::encode(&ToNode::Hello(ours)).as_bytes())
        .unwrap();
    match lines.recv_timeout(Duration::from_secs(60)) {
        Ok(FromNode::Hello(hello)) => Ok(NodeClient {
            socket: hello
                .dir
                .as_ref()
                .map(|d| PathBuf::from(d).join("tmux.sock")),
            child,
            stdin: Some(stdin),
            lines,
            next_id: 1,
            events: Vec::new(),
            hello,
        }),
        Ok(other) => Err((child, Some(other))),
        Err(_) => Err((child, None)),
    }
}

impl NodeClient {
    /// Sends `op`, waits for its reply (events meanwhile kept): the answer, or the node's error.
    pub fn ask(&mut self, op: Op) -> Result<Answer, String> {
        let id = self.next_id;
        self.next_id += 1;
        let line = proto::encode(&ToNode::Req { id, op });
        let stdin = self.stdin.as_mut().expect("node input open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        self.reply(id)
    }

    /// Waits for the reply to request `id` (events meanwhile kept).
    pub fn reply(&mut self, id: u64) -> Result<Answer, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(FromNode::Reply(r)) if r.id == id => {
                    return match r.result {
                        Outcome::Ok(a) => Ok(a),
                        Outcome::Err(e) => Err(e),
                    };
                }
                Ok(FromNode::Event(e)) => self.events.push(e),
                Ok(other) => panic!("unexpected while waiting for reply {id}: {other:?}"),
                Err(RecvTimeoutError::Timeout) => panic!("no reply to request {id} in 60 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the node hung up"),
            }
        }
    }

    /// Writes `bytes` to the node as they are (for lines that are not messages).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("node input open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits up to `limit` for an event `want` accepts (kept ones first); whether one came.
    pub fn wait_event(&mut self, limit: Duration, want: impl Fn(&Event) -> bool) -> bool {
        if let Some(i) = self.events.iter().position(&want) {
            self.events.remove(i);
            return true;
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(FromNode::Event(e)) if want(&e) => return true,
                Ok(FromNode::Event(e)) => self.events.push(e),
                Ok(other) => panic!("unexpected line: {other:?}"),
                Err(_) => return false,
            }
        }
    }

    /// Hangs up (the node's standard input closes) and waits for the node to exit.
    pub fn hang_up(&mut self) -> Option<std::process::ExitStatus> {
        self.stdin = None;
        super::wait_exit(&mut self.child, Duration::from_secs(20))
    }

    /// Calls `ask` until `check` accepts the answer or `limit` passes: the last answer.
    pub fn ask_until(
        &mut self,
        limit: Duration,
        op: Op,
        check: impl Fn(&Answer) -> bool,
    ) -> Answer {
        let deadline = Instant::now() + limit;
        loop {
            let got = self.ask(op.clone()).unwrap();
            if check(&got) || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for NodeClient {
    fn drop(&mut self) {
        // Nothing here may panic: a panic while unwinding from a failed test aborts the run.
        self.stdin = None;
        if super::wait_exit(&mut self.child, Duration::from_secs(5)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(socket) = &self.socket {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(socket)
                .arg("kill-server")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
