//! One loopback stand-in for the APIs of Codex CLI (OpenAI Responses, streamed), Aider (OpenAI
//! Chat Completions, streamed or not) and Gemini CLI (Gemini `generateContent` and
//! `streamGenerateContent?alt=sse`). A test-supplied function picks the reply to each turn of
//! the main conversation from what the client sent (scripted by the task text, as
//! tests/claude's stand-in is); the clients' side calls (titles, routing, JSON checks) get a
//! harmless answer. Every answer reports the same usage, [`USAGE`], so the tokens a client shows
//! can be checked. Listens on 127.0.0.1 only and stops when dropped.
#![allow(dead_code)]

mod gemini;
mod openai;

use crate::support::http::{read_request, write_head, write_json};
use serde_json::{Value, json};
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Input and output tokens every answer reports.
pub const USAGE: (u64, u64) = (1234, 56);
/// ...but on the Chat Completions API (Aider), under 1000: Aider prints larger figures
/// rounded ("1.2k sent").
pub const CHAT_USAGE: (u64, u64) = (789, 56);

/// The usage every answer on `wire` reports.
pub fn usage(wire: Wire) -> (u64, u64) {
    match wire {
        Wire::Chat => CHAT_USAGE,
        _ => USAGE,
    }
}

/// Which API a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Responses,
    Chat,
    Gemini,
}

/// One main-conversation request as the script sees it.
#[derive(Debug, Clone)]
pub struct Turn {
    pub wire: Wire,
    /// The newest user text of the conversation (the task, for the first turn).
    pub prompt: String,
    /// The request brings back the output of a tool call the stand-in made.
    pub after_tool: bool,
    /// That output (empty when not `after_tool`).
    pub output: String,
}

/// What the stand-in answers to one turn.
#[derive(Debug, Clone)]
pub enum Reply {
    Text(String),
    /// The text after a pause (the client shows itself busy meanwhile).
    Slow {
        text: String,
        after: Duration,
    },
    /// Text, then a shell tool call running `command`. `ask`: the call asks to run outside the
    /// sandbox (Codex's `require_escalated`), so the client asks its user first. Aider has no
    /// tools: it gets the command as a fenced `bash` block, which it offers to run.
    Shell {
        text: String,
        command: String,
        ask: bool,
    },
    /// An HTTP error with the API's JSON error body (or `body`, as it is).
    Status {
        code: u16,
        message: String,
        retry_after: Option<u64>,
        body: Option<serde_json::Value>,
    },
}

impl Reply {
    /// An error status, which reports no usage.
    pub fn is_status(&self) -> bool {
        matches!(self, Reply::Status { .. })
    }

    pub fn text(t: &str) -> Reply {
        Reply::Text(t.to_string())
    }

    pub fn shell(text: &str, command: &str, ask: bool) -> Reply {
        Reply::Shell {
            text: text.into(),
            command: command.into(),
            ask,
        }
    }

    pub fn status(code: u16, message: &str, retry_after: Option<u64>) -> Reply {
        Reply::Status {
            code,
            message: message.into(),
            retry_after,
            body: None,
        }
    }

    /// An HTTP error whose body is not the API's own (a proxy's, another API's).
    pub fn status_body(code: u16, body: serde_json::Value, retry_after: Option<u64>) -> Reply {
        Reply::Status {
            code,
            message: String::new(),
            retry_after,
            body: Some(body),
        }
    }
}

pub type Script = dyn Fn(&Turn) -> Reply + Send + Sync;

pub struct StandIn {
    pub url: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    turns: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
    port: u16,
}

struct Shared {
    script: Box<Script>,
    log: Arc<Mutex<Vec<String>>>,
    turns: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl StandIn {
    pub fn start(script: impl Fn(&Turn) -> Reply + Send + Sync + 'static) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let turns = Arc::new(AtomicUsize::new(0));
        let shared = Arc::new(Shared {
            script: Box::new(script),
            log: log.clone(),
            turns: turns.clone(),
            stop: stop.clone(),
        });
        let stop2 = stop.clone();
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve(conn, &shared));
            }
        });
        StandIn {
            url: format!("http://127.0.0.1:{port}"),
            stop,
            log,
            turns,
            accept: Some(accept),
            port,
        }
    }

    /// One line per request: method, path, and what was answered.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many main-conversation turns were answered (errors included).
    pub fn turns(&self) -> usize {
        self.turns.load(Ordering::SeqCst)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(conn: TcpStream, shared: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut out = conn;
    // Keep-alive: the clients reuse connections; serve requests until they close.
    while !shared.stop.load(Ordering::SeqCst) {
        let Some((method, path, body)) = read_request(&mut reader) else {
            return;
        };
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let note = |s: String| {
            if let Ok(mut l) = shared.log.lock() {
                l.push(s)
            }
        };
        if let Some(dir) = std::env::var_os("CZAR_STANDIN_DUMP") {
            let n = shared.turns.load(Ordering::SeqCst);
            let name = format!("req-{n}-{}.json", crate::support::http::rand_id());
            let _ = std::fs::write(
                std::path::Path::new(&dir).join(name),
                format!("{path}\n{body}"),
            );
        }
        let wire = if method != "POST" {
            None
        } else if path.contains("/responses") {
            Some(Wire::Responses)
        } else if path.contains("/chat/completions") {
            Some(Wire::Chat)
        } else if path.contains("enerateContent") {
            Some(Wire::Gemini)
        } else {
            None
        };
        let ok = match wire {
            Some(wire) => {
                let turn = match wire {
                    Wire::Responses => openai::responses_turn(&body),
                    Wire::Chat => Some(openai::chat_turn(&body)),
                    Wire::Gemini => gemini::turn(&body),
                };
                let reply = match &turn {
                    Some(t) => {
                        shared.turns.fetch_add(1, Ordering::SeqCst);
                        (shared.script)(t)
                    }
                    None => side_reply(wire, &body),
                };
                note(format!(
                    "{method} {path} main={} -> {}",
                    turn.is_some(),
                    describe(&reply)
                ));
                if let Reply::Slow { after, .. } = &reply {
                    std::thread::sleep(*after);
                }
                match wire {
                    Wire::Responses => openai::answer_responses(&mut out, &reply),
                    Wire::Chat => openai::answer_chat(&mut out, &body, &reply),
                    Wire::Gemini => gemini::answer(&mut out, &path, &reply),
                }
            }
            None if method == "POST" && path.contains(":countTokens") => {
                note(format!("{method} {path} -> count"));
                write_json(&mut out, 200, &json!({ "totalTokens": USAGE.0 }), None)
            }
            None => {
                note(format!("{method} {path} -> unknown, 404"));
                if method == "HEAD" {
                    write_head(&mut out, 200)
                } else {
                    let err = json!({"error": {"code": 404, "message": "not here"}});
                    write_json(&mut out, 404, &err, None)
                }
            }
        };
        if !ok {
            return;
        }
    }
}

/// The clients' own side calls: a session title (Codex), a routing or JSON check (Gemini),
/// answered so that the client goes on; a JSON schema is filled with plain values.
fn side_reply(wire: Wire, body: &Value) -> Reply {
    let schema = &body["generationConfig"];
    if wire == Wire::Gemini && schema["responseMimeType"] == "application/json" {
        let s = if schema["responseJsonSchema"].is_null() {
            &schema["responseSchema"]
        } else {
            &schema["responseJsonSchema"]
        };
        return Reply::Text(fill(s).to_string());
    }
    Reply::text("Stand-in title")
}

/// A value of the JSON schema `s`: every property filled, strings "ok", numbers 10.
fn fill(s: &Value) -> Value {
    if let Some(first) = s["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match s["type"]
        .as_str()
        .unwrap_or("string")
        .to_lowercase()
        .as_str()
    {
        "object" => Value::Object(
            s["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), fill(v)))
                .collect(),
        ),
        "integer" | "number" => json!(10),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => json!("ok"),
    }
}

fn describe(r: &Reply) -> String {
    let short = |s: &str| s.chars().take(60).collect::<String>();
    match r {
        Reply::Text(t) | Reply::Slow { text: t, .. } => format!("text {:?}", short(t)),
        Reply::Shell { command, ask, .. } => format!("shell (ask {ask}) {:?}", short(command)),
        Reply::Status { code, .. } => format!("status {code}"),
    }
}

/// All text of a JSON value (strings, `text`, `content`, `output` fields), lines joined.
pub(crate) fn all_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|i| all_text(i, out)),
        Value::Object(o) => {
            for k in ["text", "content", "output", "response", "parts"] {
                if let Some(t) = o.get(k) {
                    all_text(t, out);
                }
            }
        }
        _ => {}
    }
}
