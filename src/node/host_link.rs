//! A host's connection that comes back: when the ssh process dies (a dropped network, a
//! restarted laptop lid), the next request connects again, waiting longer after each failure,
//! and finds the node's sessions where they were (they run in the node's own tmux server, which
//! outlives any one connection). How long the host has been down is its health, for the
//! dashboard and for giving its tasks back after a grace period.
//!
//! A request is sent again on the new connection only when doing it twice is harmless (reading,
//! listing, looking). One that types into a pane or starts one is not: if the connection died
//! while it was on its way, the node may have carried it out, and the engine's delivery journal,
//! which reads the screen before doing anything again, decides instead.

use super::link::{Link, LinkError, OnEvent};
use super::proto::{Answer, Op};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// The first wait after a failed connection; doubled each time, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Whether the host answers, and since when it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Up,
    /// Down since `since`; `attempts` connections have failed since.
    Down {
        since: Instant,
        attempts: u32,
    },
}

struct Conn {
    link: Option<Arc<Link>>,
    health: Health,
    /// No connection is tried before this.
    next_try: Option<Instant>,
    /// Connections made so far (1: the first; more: reconnections).
    opened: u64,
}

pub struct HostLink {
    connect: Box<dyn Fn() -> Command + Send + Sync>,
    on_event: OnEvent,
    conn: tokio::sync::Mutex<Conn>,
    health: Mutex<Health>,
    /// `Conn::opened`, readable without waiting for the connection's lock.
    connections: std::sync::atomic::AtomicU64,
}

/// Whether `op` may be sent again after the connection died under it.
pub fn idempotent(op: &Op) -> bool {
    matches!(
        op,
        Op::Exists { .. }
            | Op::List
            | Op::Read { .. }
            | Op::Capture { .. }
            | Op::Tip { .. }
            | Op::BranchAt { .. }
            | Op::Kill { .. }
            | Op::Sync { .. }
            | Op::Worktree { .. }
    )
}

fn backoff(attempts: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempts.saturating_sub(1).min(6))
        .min(MAX_BACKOFF)
}

impl HostLink {
    /// `connect` makes the command that reaches the node (`link::ssh_command`), each time.
    pub fn new(connect: Box<dyn Fn() -> Command + Send + Sync>, on_event: OnEvent) -> HostLink {
        HostLink {
            connect,
            on_event,
            conn: tokio::sync::Mutex::new(Conn {
                link: None,
                health: Health::Up,
                next_try: None,
                opened: 0,
            }),
            health: Mutex::new(Health::Up),
            connections: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Connections made so far, without waiting (see `opened`): one more than last seen means
    /// the link came back, and what the host did meanwhile was not heard.
    pub fn connections(&self) -> u64 {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn health(&self) -> Health {
        *self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection, made again if it died; an error while the host stays unreachable.
    pub async fn link(&self) -> Result<Arc<Link>, LinkError> {
        let mut conn = self.conn.lock().await;
        if let Some(link) = conn.link.as_ref().filter(|l| l.alive()) {
            return Ok(Arc::clone(link));
        }
        conn.link = None;
        if let Some(at) = conn.next_try.filter(|at| Instant::now() < *at) {
            return Err(LinkError::Remote(format!(
                "the host is unreachable; trying again in {:?}",
                at - Instant::now()
            )));
        }
        match Link::open((self.connect)(), Arc::clone(&self.on_event)).await {
            Ok(link) => {
                let link = Arc::new(link);
                conn.link = Some(Arc::clone(&link));
                conn.next_try = None;
                conn.opened += 1;
                self.connections
                    .store(conn.opened, std::sync::atomic::Ordering::Relaxed);
                conn.health = Health::Up;
                self.set_health(Health::Up);
                Ok(link)
            }
            Err(e) => {
                let (since, attempts) = match conn.health {
                    Health::Down { since, attempts } => (since, attempts + 1),
                    Health::Up => (Instant::now(), 1),
                };
                conn.health = Health::Down { since, attempts };
                conn.next_try = Some(Instant::now() + backoff(attempts));
                self.set_health(conn.health);
                Err(e)
            }
        }
    }

    fn set_health(&self, h: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = h;
    }

    /// Connections made so far: 1 for the first, one more for each reconnection.
    pub async fn opened(&self) -> u64 {
        self.conn.lock().await.opened
    }

    /// Sends `op`; a harmless one is sent once more on a new connection if this one died.
    pub async fn ask(&self, op: Op) -> Result<Answer, LinkError> {
        let link = self.link().await?;
        match link.ask(op.clone()).await {
            Err(LinkError::Closed) if idempotent(&op) => {
                self.forget(&link).await;
                self.link().await?.ask(op).await
            }
            Err(LinkError::Closed) => {
                self.forget(&link).await;
                Err(LinkError::Closed)
            }
            other => other,
        }
    }

    /// `link` died: ended, and no longer handed out (its process may not have exited yet).
    async fn forget(&self, link: &Arc<Link>) {
        link.close();
        let mut conn = self.conn.lock().await;
        if conn.link.as_ref().is_some_and(|l| Arc::ptr_eq(l, link)) {
            conn.link = None;
        }
    }

    /// Ends the current connection (the next request makes a new one).
    pub async fn drop_connection(&self) {
        if let Some(link) = self.conn.lock().await.link.take() {
            link.close();
        }
    }
}

impl super::link::Asker for HostLink {
    fn ask_op(&self, op: Op) -> futures::future::BoxFuture<'_, Result<Answer, LinkError>> {
        Box::pin(self.ask(op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(500));
        assert_eq!(backoff(4), Duration::from_secs(2));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }

    #[test]
    fn only_harmless_requests_are_sent_twice() {
        assert!(idempotent(&Op::List));
        assert!(!idempotent(&Op::Paste {
            target: "t".into(),
            text: b"x".to_vec()
        }));
        assert!(!idempotent(&Op::Submit {
            target: "t".into(),
            key: super::super::proto::Submit::Enter
        }));
    }

    #[tokio::test]
    async fn an_unreachable_host_is_down_since_its_first_failure_and_waits_between_tries() {
        let host = HostLink::new(
            Box::new(|| {
                let mut c = Command::new("sh");
                c.args(["-c", "exit 255"]);
                c
            }),
            Arc::new(|_| {}),
        );
        assert_eq!(host.health(), Health::Up);
        assert!(host.ask(Op::List).await.is_err());
        let Health::Down { since, attempts } = host.health() else {
            panic!("down");
        };
        assert_eq!(attempts, 1);
        // Within the backoff no connection is tried: the error says when the next one is.
        let err = host.ask(Op::List).await.unwrap_err().to_string();
        assert!(err.contains("trying again"), "{err}");
        tokio::time::sleep(backoff(1) + Duration::from_millis(50)).await;
        assert!(host.ask(Op::List).await.is_err());
        assert_eq!(host.health(), Health::Down { since, attempts: 2 });
        assert_eq!(host.opened().await, 0);
    }
}
