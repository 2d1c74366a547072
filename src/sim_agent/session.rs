//! The sim's state machine: idle at the prompt, or busy on one task.
//! Time comes in as `now` so the loop in `mod.rs` owns all waiting.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::chaos::{self, Chaos, Mischief};
use super::directives::{Plan, parse_plan, task_title};
use super::input::Key;
use super::prompt::{InputBuffer, count_lines};
use super::record::Recorder;
use super::screen;
use super::work::{self, Line};
use super::{SimError, SimOptions};

/// How often the busy line and the title spinner move.
pub const FRAME: Duration = Duration::from_millis(150);

/// How long a simulated rate limit lasts.
const RATE_LIMIT: Duration = Duration::from_secs(3);
/// Moves to the first of the question's three lines and clears them.
const ERASE_QUESTION: &str = "\r\x1b[2A\x1b[J";

/// The work is paused on something outside the agent.
enum Hold {
    Question { since: Instant },
    RateLimited { since: Instant, shown: u64 },
}

struct Busy {
    plan: Plan,
    hold: Option<Hold>,
    /// Time spent on holds, which does not count as work.
    paused: Duration,
    title: String,
    started: Instant,
    frame: usize,
    last_draw: Option<Instant>,
    says_done: usize,
    /// Lines streamed so far (see `Plan::stream`).
    streamed: u64,
}

pub struct Session<W: Write> {
    opts: SimOptions,
    cwd: PathBuf,
    out: W,
    input: InputBuffer,
    busy: Option<Busy>,
    ctrl_c_armed: bool,
    recorder: Option<Recorder>,
    width: u16,
    chaos: Chaos,
    /// Mischief chosen for the task being typed, kept across a swallowed Enter.
    pending: Option<Mischief>,
    enter_lost: bool,
    /// The last task's plan: a follow-up note without directives is about the same work.
    last_plan: Option<Plan>,
    /// The lines run so far as told (`sim: run=`), each once.
    ran: Vec<String>,
}

impl<W: Write> Session<W> {
    pub fn new(opts: SimOptions, cwd: PathBuf, out: W, width: u16) -> Self {
        let recorder = opts.record_dir.clone().map(Recorder::new);
        let seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64;
        let seed = seed
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
        let chaos = Chaos::new(opts.chaos, seed);
        Self {
            chaos,
            pending: None,
            enter_lost: false,
            last_plan: None,
            ran: Vec::new(),
            opts,
            cwd,
            out,
            input: InputBuffer::default(),
            busy: None,
            ctrl_c_armed: false,
            recorder,
            width,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.busy.is_some()
    }

    pub fn start(&mut self) -> Result<(), SimError> {
        let frame = format!("{}\r\n\r\n{}", screen::BANNER, self.fresh_block());
        self.emit(&frame)
    }

    /// Returns `Some(code)` when the sim should exit.
    pub fn handle_key(&mut self, key: Key) -> Result<Option<i32>, SimError> {
        if let Some(busy) = self.busy.as_mut() {
            if let Some(Hold::Question { since }) = busy.hold {
                let answer = match &key {
                    Key::Text(t) if t == "y" || t == "1" => Some(true),
                    Key::Enter => Some(true),
                    Key::Text(t) if t == "n" || t == "2" => Some(false),
                    _ => None,
                };
                if let Some(yes) = answer {
                    busy.hold = None;
                    busy.paused += since.elapsed();
                    let mut frame = String::from(ERASE_QUESTION);
                    if yes {
                        frame.push_str(&screen::tool_line("Allowed"));
                        return self.emit(&frame).map(|()| None);
                    }
                    self.busy = None;
                    frame.push_str(&screen::tool_line("Denied: stopping this task"));
                    frame.push_str("\r\n");
                    frame.push_str(&self.fresh_block());
                    return self.emit(&frame).map(|()| None);
                }
            }
            if key == Key::Escape {
                self.interrupt()?;
            }
            return Ok(None);
        }
        let was_armed = std::mem::take(&mut self.ctrl_c_armed);
        match key {
            Key::Text(t) => self.input.push_text(&t),
            Key::Paste(bytes) => self.input.push_paste(bytes),
            Key::Backspace => self.input.backspace(),
            Key::Enter if self.input.is_empty() => return Ok(None),
            Key::Enter => {
                let mischief = self.pending.take().or_else(|| self.chaos.roll());
                if mischief == Some(Mischief::LoseEnter) && !self.enter_lost {
                    // The text stays typed, as when a real agent misses the key.
                    self.enter_lost = true;
                    return Ok(None);
                }
                self.enter_lost = false;
                return self.submit(mischief).map(|()| None);
            }
            Key::Escape => return Ok(None),
            Key::CtrlC if was_armed => return self.leave().map(|()| Some(0)),
            Key::CtrlC => {
                self.ctrl_c_armed = true;
                self.input.clear();
            }
            Key::CtrlD => return self.leave().map(|()| Some(0)),
        }
        self.redraw_block()
    }

    /// Advances the busy work; also notices a resize while idle.
    pub fn tick(&mut self, now: Instant, width: u16) -> Result<Option<i32>, SimError> {
        let resized = width != self.width;
        self.width = width;
        let Some(busy) = self.busy.as_mut() else {
            if resized {
                let frame = format!("\x1b[H\x1b[2J{}", self.fresh_block());
                self.emit(&frame)?;
            }
            return Ok(None);
        };
        let mut frame = String::new();
        match &mut busy.hold {
            Some(Hold::Question { .. }) => return Ok(None),
            Some(Hold::RateLimited { since, shown }) => {
                let left = RATE_LIMIT.saturating_sub(now.saturating_duration_since(*since));
                if !left.is_zero() {
                    let secs = left.as_secs() + 1;
                    if secs != *shown {
                        *shown = secs;
                        frame.push_str(&format!(
                            "{}Rate limited: resets in {secs}s",
                            screen::CLEAR_LINE
                        ));
                    }
                    return self.emit(&frame).map(|()| None);
                }
                busy.paused += now.saturating_duration_since(*since);
                busy.hold = None;
                busy.last_draw = None;
            }
            None => {}
        }
        let elapsed = now
            .saturating_duration_since(busy.started)
            .saturating_sub(busy.paused);
        let total = busy.plan.duration;
        if let Some(what) = busy.plan.ask.take_if(|_| elapsed >= total / 2) {
            busy.hold = Some(Hold::Question { since: now });
            frame.push_str(screen::CLEAR_LINE);
            let question = format!("Do you want to {}?", screen::sanitize(&what));
            frame.push_str(&question);
            frame.push_str("\r\n❯ 1. Yes\r\n  2. No");
            return self.emit(&frame).map(|()| None);
        }
        if let Some(code) = busy.plan.exit_code.filter(|_| elapsed >= total / 2) {
            frame.push_str(&screen::tool_line(&format!("simulated crash: exit {code}")));
            self.emit(&frame)?;
            return Ok(Some(code));
        }
        let count = busy.plan.says.len();
        while busy.says_done < count {
            let due = if busy.plan.hang {
                Duration::ZERO
            } else {
                total.mul_f64((busy.says_done + 1) as f64 / (count + 1) as f64)
            };
            if elapsed < due {
                break;
            }
            frame.push_str(&screen::tool_line(&busy.plan.says[busy.says_done]));
            busy.says_done += 1;
            busy.last_draw = None;
        }
        if !busy.plan.hang && elapsed >= total {
            self.emit(&frame)?;
            return self.finish(elapsed).map(|()| None);
        }
        let stream_due = (elapsed.as_secs_f64() * f64::from(busy.plan.stream)) as u64;
        while busy.streamed < stream_due {
            busy.streamed += 1;
            frame.push_str(&screen::tool_line(&format!(
                "streamed line {} of the work in progress",
                busy.streamed
            )));
        }
        if busy
            .last_draw
            .is_none_or(|t| now.saturating_duration_since(t) >= FRAME)
        {
            busy.frame += 1;
            busy.last_draw = Some(now);
            frame.push_str(&screen::busy_line(busy.frame, elapsed.as_secs()));
            frame.push_str(&screen::busy_title(&self.opts.name, busy.frame));
        }
        self.emit(&frame).map(|()| None)
    }

    /// Input ended (the pane's writer went away): leave like Ctrl-D.
    pub fn end_of_input(&mut self) -> Result<(), SimError> {
        self.leave()
    }

    fn submit(&mut self, mischief: Option<Mischief>) -> Result<(), SimError> {
        let shown = self.input.display();
        let task = self.input.take_bytes();
        let mut frame = String::from(screen::ERASE_BLOCK);
        frame.push_str(&screen::echo_line(self.width, &shown));
        // Recorded before any work, so a crash directive still leaves the record.
        if let Some(rec) = self.recorder.as_mut()
            && let Err(e) = rec.record(&task)
        {
            frame.push_str(&screen::tool_line(&format!(
                "recording the task failed: {e}"
            )));
        }
        let text = String::from_utf8_lossy(&task);
        let has_directives = text.lines().any(|l| l.trim_start().starts_with("sim:"));
        let mut plan = parse_plan(&text);
        // A note without directives (a follow-up, an operator's line) is about the same files
        // as the task before it; how long or how oddly to work is not carried over.
        if let (Some(last), false) = (&self.last_plan, has_directives) {
            plan.touches = last.touches.clone();
        }
        self.last_plan = Some(plan.clone());
        if let Some(line) = super::run_line::next_line(&text, &self.ran) {
            // Told to run a line: that is the whole answer, no files written, no done.
            self.ran.push(line.clone());
            plan = Plan {
                duration: plan.duration,
                run: Some(line),
                ..Plan::default()
            };
        } else if let Some(m) = mischief {
            chaos::apply(m, &mut plan);
        }
        let received = format!(
            "Task received: {} bytes, {} lines",
            task.len(),
            count_lines(&task)
        );
        frame.push_str(&screen::tool_line(&received));
        for problem in &plan.problems {
            frame.push_str(&screen::tool_line(problem));
        }
        frame.push_str(&screen::busy_line(0, 0));
        frame.push_str(&screen::busy_title(&self.opts.name, 0));
        let hold = (mischief == Some(Mischief::RateLimit)).then(|| Hold::RateLimited {
            since: Instant::now(),
            shown: 0,
        });
        self.busy = Some(Busy {
            title: task_title(&text),
            plan,
            hold,
            paused: Duration::ZERO,
            started: Instant::now(),
            frame: 0,
            last_draw: Some(Instant::now()),
            says_done: 0,
            streamed: 0,
        });
        self.emit(&frame)?;
        self.timeline("busy");
        Ok(())
    }

    fn finish(&mut self, elapsed: Duration) -> Result<(), SimError> {
        let Some(busy) = self.busy.take() else {
            return Ok(());
        };
        let mut lines = match &busy.plan.run {
            Some(line) => vec![super::run_line::run(&self.cwd, line)],
            None => {
                let mut l = work::run_commands(&self.cwd, &busy.plan.runs);
                l.extend(work::perform(&self.cwd, &busy.plan, &busy.title));
                l
            }
        };
        if busy.plan.run.is_none()
            && busy.plan.run_done
            && let Some(argv) = self.opts.done_command.as_ref()
        {
            lines.push(work::run_done_command(&self.cwd, argv));
        }
        let mut frame = String::new();
        for line in lines {
            frame.push_str(&match line {
                Line::Tool(t) => screen::tool_line(&t),
                Line::Report(t) => screen::report_line(&t),
            });
        }
        let secs = elapsed.as_secs_f64().round().max(1.0) as u64;
        frame.push_str(&screen::worked_line(secs));
        frame.push_str(&self.fresh_block());
        self.emit(&frame)?;
        self.timeline("idle");
        Ok(())
    }

    /// Notes when the screen changed state, for benchmarks. Best effort: a sim that cannot
    /// write its timeline still works.
    fn timeline(&self, state: &str) {
        let Some(path) = &self.opts.timeline else {
            return;
        };
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let worker = std::env::var("CZAR_WORKER").unwrap_or_else(|_| "-".into());
        // One short write with O_APPEND: lines from many sims never interleave.
        let line = format!("{ms} {worker} {state}\n");
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
    }

    fn interrupt(&mut self) -> Result<(), SimError> {
        self.busy = None;
        let mut frame = screen::tool_line("Interrupted by user");
        frame.push_str("\r\n");
        frame.push_str(&self.fresh_block());
        self.emit(&frame)
    }

    /// Moves below whatever is on screen so the shell prompt starts clean.
    fn leave(&mut self) -> Result<(), SimError> {
        let frame = if self.busy.is_some() {
            "\r\n"
        } else {
            screen::LEAVE_BLOCK
        };
        self.emit(frame)
    }

    /// The prompt block drawn at the start of a line, plus the idle title.
    fn fresh_block(&self) -> String {
        let footer = screen::footer(&self.opts.name, self.ctrl_c_armed);
        let mut s = screen::prompt_block(self.width, &self.input.display(), &footer);
        s.push_str(&screen::idle_title(&self.opts.name));
        s
    }

    fn redraw_block(&mut self) -> Result<Option<i32>, SimError> {
        let frame = format!("{}{}", screen::ERASE_BLOCK, self.fresh_block());
        self.emit(&frame).map(|()| None)
    }

    fn emit(&mut self, frame: &str) -> Result<(), SimError> {
        if frame.is_empty() {
            return Ok(());
        }
        self.out.write_all(frame.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }
}
