//! A loopback stand-in for the Anthropic Messages API, enough for the real Claude Code client:
//! streaming SSE replies (text, tool calls, slow streams) and HTTP errors, chosen per request by
//! a test-supplied function. Listens on 127.0.0.1 only and stops when dropped.
//! Unknown endpoints are logged (`FakeApi::log`) and answered 404 (HEAD: 200). With
//! `CZAR_FAKE_API_DUMP=<dir>` every Messages request body is written there, to see what the
//! client sends.
#![allow(dead_code)]

mod wire;

use crate::support::http::{rand_id, read_request, write_head, write_json};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
pub use wire::USAGE;
use wire::answer;

/// What the fake answers to one Messages request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete assistant text turn.
    Text(String),
    /// The same, streamed in small pieces over `over` (the client shows its busy spinner).
    SlowText { text: String, over: Duration },
    /// Optional text, then one `tool_use` block; the turn stops with `tool_use`.
    Tool {
        text: String,
        name: String,
        input: Value,
    },
    /// An HTTP error with the API's JSON error body (`retry_after` in seconds).
    Status {
        code: u16,
        kind: String,
        message: String,
        retry_after: Option<u64>,
    },
    /// `reply`, reporting `input` input tokens instead of [`USAGE`]'s (a near-full context).
    Sized { input: u64, reply: Box<Reply> },
}

impl Reply {
    pub fn text(t: &str) -> Reply {
        Reply::Text(t.to_string())
    }

    /// A Bash tool call running `command`.
    pub fn bash(text: &str, command: &str) -> Reply {
        Reply::Tool {
            text: text.to_string(),
            name: "Bash".into(),
            input: json!({ "command": command, "description": "Run a shell command" }),
        }
    }

    pub fn status(code: u16, kind: &str, message: &str, retry_after: Option<u64>) -> Reply {
        Reply::Status {
            code,
            kind: kind.into(),
            message: message.into(),
            retry_after,
        }
    }
}

/// One Messages request as the responder sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub body: Value,
    /// Prompt texts this conversation did not hold in any earlier answered request.
    pub new_prompts: Vec<String>,
    /// Tool results (their text) not seen in an earlier answered request.
    pub new_results: Vec<String>,
}

impl Request {
    /// The main conversation offers tools; side calls (titles, summaries, checks) do not.
    pub fn is_main_turn(&self) -> bool {
        self.body["tools"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "Bash"))
    }

    /// True when the request brings a tool result back. The client reorders and merges
    /// user-side blocks (tool results first, the prompt later, reminders anywhere), so "what is
    /// new" is decided against what the fake already answered, not by position.
    pub fn after_tool(&self) -> bool {
        !self.new_results.is_empty()
    }

    /// The newest prompt (empty when the request only brings tool results).
    pub fn last_user_text(&self) -> String {
        if self.after_tool() {
            return String::new();
        }
        self.new_prompts.last().cloned().unwrap_or_default()
    }

    /// Every tool result of the conversation: (tool_use_id, text).
    pub fn results(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for m in self.body["messages"].as_array().into_iter().flatten() {
            for b in m["content"].as_array().into_iter().flatten() {
                if b["type"] == "tool_result" {
                    let mut text = String::new();
                    collect_text(&b["content"], &mut text);
                    let id = b["tool_use_id"].as_str().unwrap_or_default().to_string();
                    out.push((id, text));
                }
            }
        }
        out
    }

    /// Every prompt the conversation holds, oldest first (system reminders left out).
    pub fn prompts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in self.body["messages"].as_array().into_iter().flatten() {
            if m["role"] != "user" {
                continue;
            }
            // The client re-sends old prompts with whitespace changed: compare them trimmed.
            match &m["content"] {
                Value::String(s) => out.push(s.trim().to_string()),
                Value::Array(a) => out.extend(
                    a.iter()
                        .filter(|b| b["type"] == "text")
                        .filter_map(|b| b["text"].as_str())
                        .filter(|t| !t.trim_start().starts_with("<system-reminder>"))
                        .map(|t| t.trim().to_string()),
                ),
                _ => {}
            }
        }
        out
    }

    /// How many tool results the whole conversation holds.
    pub fn tool_results(&self) -> usize {
        self.body["messages"].as_array().map_or(0, |msgs| {
            msgs.iter()
                .filter_map(|m| m["content"].as_array())
                .flatten()
                .filter(|b| b["type"] == "tool_result")
                .count()
        })
    }
}

fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        Value::Object(o) => {
            if let Some(t) = o.get("text") {
                collect_text(t, out);
            }
            if let Some(c) = o.get("content") {
                collect_text(c, out);
            }
        }
        _ => {}
    }
}

pub type Responder = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct FakeApi {
    pub url: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    main_turns: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
    port: u16,
}

impl FakeApi {
    /// Starts the server; `respond` picks the reply to each main-conversation request.
    pub fn start(respond: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let main_turns = Arc::new(AtomicUsize::new(0));
        let respond: Arc<Responder> = Arc::new(respond);
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let (stop2, log2, turns2) = (stop.clone(), log.clone(), main_turns.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (respond, log, turns, stop, seen) = (
                    respond.clone(),
                    log2.clone(),
                    turns2.clone(),
                    stop2.clone(),
                    seen.clone(),
                );
                std::thread::spawn(move || serve(conn, &seen, &*respond, &log, &turns, &stop));
            }
        });
        FakeApi {
            url: format!("http://127.0.0.1:{port}"),
            stop,
            log,
            main_turns,
            accept: Some(accept),
            port,
        }
    }

    /// One line per request: method, path, and what was answered.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many main-conversation requests were answered.
    pub fn main_turns(&self) -> usize {
        self.main_turns.load(Ordering::SeqCst)
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(
    conn: TcpStream,
    seen: &Mutex<HashSet<String>>,
    respond: &Responder,
    log: &Mutex<Vec<String>>,
    turns: &AtomicUsize,
    stop: &AtomicBool,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut out = conn;
    // Keep-alive: the client reuses connections; serve requests until it closes.
    while !stop.load(Ordering::SeqCst) {
        let Some((method, path, body)) = read_request(&mut reader) else {
            return;
        };
        let note = |s: String| {
            if let Ok(mut l) = log.lock() {
                l.push(s)
            }
        };
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let ok = if method == "POST" && path.starts_with("/v1/messages/count_tokens") {
            note(format!("{method} {path} -> count"));
            write_json(&mut out, 200, &json!({ "input_tokens": 100 }), None)
        } else if method == "POST" && path.starts_with("/v1/messages") {
            if let Some(dir) = std::env::var_os("CZAR_FAKE_API_DUMP") {
                let n = turns.load(Ordering::SeqCst);
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("req-{n}-{}.json", rand_id())),
                    &body,
                );
            }
            let mut req = Request {
                body: parsed,
                new_prompts: Vec::new(),
                new_results: Vec::new(),
            };
            let reply = if req.is_main_turn() {
                turns.fetch_add(1, Ordering::SeqCst);
                let results = req.results();
                let prompts = req.prompts();
                if let Ok(seen) = seen.lock() {
                    req.new_prompts = prompts
                        .iter()
                        .filter(|p| !seen.contains(*p))
                        .cloned()
                        .collect();
                    req.new_results = results
                        .iter()
                        .filter(|(id, _)| !seen.contains(id))
                        .map(|(_, t)| t.clone())
                        .collect();
                }
                let reply = respond(&req);
                // A refused request comes again (retries): only an answer makes it old.
                if !matches!(reply, Reply::Status { .. })
                    && let Ok(mut seen) = seen.lock()
                {
                    seen.extend(prompts);
                    seen.extend(results.into_iter().map(|(id, _)| id));
                }
                reply
            } else {
                // Side calls (session titles, checks): a short harmless answer.
                Reply::text("ok")
            };
            note(format!(
                "{method} {path} main={} -> {}",
                req.is_main_turn(),
                describe(&reply)
            ));
            let stream = req.body["stream"].as_bool().unwrap_or(false);
            answer(&mut out, &req, &reply, stream, stop)
        } else {
            note(format!("{method} {path} -> unknown, 404"));
            let err = json!({"type": "error", "error": {"type": "not_found_error", "message": "not here"}});
            if method == "HEAD" {
                write_head(&mut out, 200)
            } else {
                write_json(&mut out, 404, &err, None)
            }
        };
        if !ok {
            return;
        }
    }
}

fn describe(r: &Reply) -> String {
    match r {
        Reply::Text(t) | Reply::SlowText { text: t, .. } => format!("text {:?}", short(t)),
        Reply::Tool { name, input, .. } => format!("tool {name} {}", short(&input.to_string())),
        Reply::Status { code, .. } => format!("status {code}"),
        Reply::Sized { input, reply } => format!("{} (input {input})", describe(reply)),
    }
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}
