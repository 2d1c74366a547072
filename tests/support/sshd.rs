//! A real OpenSSH server for a test: Debian's `sshd` on 127.0.0.1 on a free port, with a host
//! key and a client key made for it (ssh-keygen), its own config file and authorized_keys in a
//! temporary folder; no system file read for its configuration or touched. The client side is a
//! generated ssh config naming the host as an alias (`-F`), so the czar runs the user's `ssh`
//! just as it would against a real host. The login's HOME is the host's own (authorized_keys
//! `environment="HOME=..."`), and so is the node's folder: neither shares a path with the czar's
//! repository. The server (its whole process group) goes when this is dropped, failing or not.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    child: Child,
    /// The host's name in `ssh_config` (`ssh -F <ssh_config> <alias>`).
    pub alias: String,
    pub port: u16,
    /// The client configuration: port, key, known host, BatchMode.
    pub ssh_config: PathBuf,
    /// This host's HOME and the folder its node keeps.
    pub home: PathBuf,
    pub node_dir: PathBuf,
    /// Everything above, removed on drop.
    pub root: tempfile::TempDir,
}

/// A running sshd, or a loud skip message when OpenSSH's server is not installed (with
/// `CZAR_REQUIRE_SSHD=1`, as `.ci/run` sets, a missing server fails the test instead).
pub fn start_or_skip(test: &str, alias: &str) -> Option<Sshd> {
    let missing = if !Path::new(SSHD).exists() {
        Some(format!(
            "{SSHD} is not installed (apt-get install openssh-server)"
        ))
    } else if rustix::process::geteuid().is_root() && !Path::new("/run/sshd").is_dir() {
        Some("/run/sshd (sshd's privilege separation folder) is missing".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        let msg = format!("SKIPPED {test}: {why}");
        if std::env::var("CZAR_REQUIRE_SSHD").is_ok_and(|v| v == "1") {
            panic!("{msg}; CZAR_REQUIRE_SSHD=1 forbids skipping");
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
        return None;
    }
    Some(Sshd::start(alias))
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "czar-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen: {}", super::text(&out));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Sshd {
    fn start(alias: &str) -> Sshd {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().canonicalize().unwrap();
        let (home, node_dir, etc) = (base.join("home"), base.join("node"), base.join("etc"));
        for d in [&home, &etc] {
            std::fs::create_dir_all(d).unwrap();
        }
        keygen(&etc.join("host_key"));
        keygen(&etc.join("client_key"));
        let client_pub = std::fs::read_to_string(etc.join("client_key.pub")).unwrap();
        std::fs::write(
            etc.join("authorized_keys"),
            format!("environment=\"HOME={}\" {client_pub}", home.display()),
        )
        .unwrap();
        let host_pub = std::fs::read_to_string(etc.join("host_key.pub")).unwrap();
        let user = whoami();
        for _ in 0..5 {
            let port = free_port();
            let config = etc.join("sshd_config");
            std::fs::write(&config, sshd_config(&etc, port, &user)).unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(etc.join("sshd.log")).unwrap())
                .process_group(0)
                .spawn()
                .unwrap();
            if !listening(&mut child, port) {
                // Another process took the port between our look and sshd's bind: again.
                let _ = child.kill();
                let _ = child.wait();
                continue;
            }
            let known = etc.join("known_hosts");
            std::fs::write(&known, format!("[127.0.0.1]:{port} {host_pub}")).unwrap();
            let ssh_config = etc.join("ssh_config");
            std::fs::write(
                &ssh_config,
                format!(
                    "Host {alias}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  \
                     IdentityFile {key}\n  IdentitiesOnly yes\n  UserKnownHostsFile {known}\n  \
                     StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n",
                    key = etc.join("client_key").display(),
                    known = known.display(),
                ),
            )
            .unwrap();
            return Sshd {
                child,
                alias: alias.to_string(),
                port,
                ssh_config,
                home,
                node_dir,
                root,
            };
        }
        panic!("sshd did not start: {}", self::log(&etc));
    }

    /// `ssh -F <config> <alias> <remote command>` as the czar would run it.
    pub fn ssh(&self, remote: &str) -> Command {
        let mut c = Command::new("ssh");
        c.arg("-F")
            .arg(&self.ssh_config)
            .args(["-T", &self.alias, remote]);
        c
    }

    /// What sshd printed so far (for failure messages).
    pub fn log(&self) -> String {
        log(&self.root.path().join("etc"))
    }

    /// Stops the server for good (the connections it served end with it).
    pub fn stop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: signalling a process group this guard started.
        unsafe { libc::killpg(pgid, libc::SIGTERM) };
        if super::wait_exit(&mut self.child, Duration::from_secs(5)).is_none() {
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

fn log(etc: &Path) -> String {
    std::fs::read_to_string(etc.join("sshd.log")).unwrap_or_default()
}

fn sshd_config(etc: &Path, port: u16, user: &str) -> String {
    format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile none\n\
         AuthorizedKeysFile {keys}\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitUserEnvironment yes\n\
         PermitRootLogin prohibit-password\nAllowUsers {user}\nX11Forwarding no\n\
         AllowTcpForwarding no\nPrintMotd no\nLogLevel ERROR\n",
        host = etc.join("host_key").display(),
        keys = etc.join("authorized_keys").display(),
    )
}

/// Waits until sshd takes connections on `port`; `false` if it exited first.
fn listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Nothing here may panic: a panic while unwinding from a failed test aborts the run.
        // The node's tmux server outlives its connections on purpose: ended here.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(self.node_dir.join("tmux.sock"))
            .arg("kill-server")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        self.stop();
    }
}
