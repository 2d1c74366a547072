//! Everything the dashboard remembers that is not the fleet: selection, panels, dialogs, the
//! filter, the last screen and branch read for the preview. Never part of the model.

use super::keymap::Keymap;
use crate::adapters::git::BranchStats;
use crate::adapters::store::EventRow;
use crate::core::model::{Model, WorkerId};
use ratatui::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    Workers,
    Queue,
    /// Shown while landing is on.
    Landing,
    Alerts,
}

impl Panel {
    pub fn next(self) -> Panel {
        self.next_in(false)
    }

    /// The next panel, the Landing panel included when it is shown.
    pub fn next_in(self, landing: bool) -> Panel {
        match self {
            Panel::Workers => Panel::Queue,
            Panel::Queue if landing => Panel::Landing,
            Panel::Queue | Panel::Landing => Panel::Alerts,
            Panel::Alerts => Panel::Workers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreviewMode {
    #[default]
    Screen,
    Branch,
}

/// The fields of the inline add-task form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskForm {
    pub title: String,
    pub priority: String,
    /// Task ids, separated by commas or spaces.
    pub needs: String,
    pub verify: String,
    /// Agent profiles that may take it, in order, separated by commas or spaces (empty: any).
    pub agents: String,
    /// Several lines: Enter starts a new one here.
    pub text: String,
    /// 0 title, 1 priority, 2 needs, 3 verify, 4 agents, 5 text.
    pub field: usize,
}

impl TaskForm {
    pub const FIELDS: usize = 6;
    pub const TEXT: usize = 5;
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Dialog {
    #[default]
    None,
    Help,
    ConfirmKill(WorkerId),
    /// Cancel this task? (It fails, and the tasks that need it.)
    ConfirmCancel(String),
    Reassign {
        worker: WorkerId,
        tasks: Vec<String>,
        selected: usize,
    },
    Type {
        worker: WorkerId,
        text: String,
    },
    Filter,
    AddTask(TaskForm),
    /// The note sent back with a task rejected in the Landing panel.
    Reject {
        task: String,
        text: String,
    },
    /// The whole event log, over the dashboard.
    EventLog(LogView),
    /// A finished task's diff, in the dashboard's own view.
    Diff(DiffView),
}

/// The built-in diff view: the patch's lines and the first one shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiffView {
    pub task: String,
    pub lines: Vec<String>,
    pub scroll: usize,
}

/// Where the operator is in the event log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogView {
    /// Index into the shown events, newest first.
    pub selected: usize,
    /// The selected event shows all its lines (the screen an answer replied to, a verify's
    /// output, a crash's cause).
    pub expanded: bool,
    /// Words every shown event has (in its worker `w3`, task, kind or text).
    pub filter: String,
    /// Keys go to the filter.
    pub typing: bool,
    /// The whole log read from the store when the log opened (oldest first); until it comes,
    /// and for what came after it, the engine's latest events.
    pub history: Option<std::sync::Arc<Vec<EventRow>>>,
}

/// Where the operator is in the side panels that are lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Places {
    /// First line shown of the alerts panel.
    pub alerts: usize,
    /// The row selected in the Landing panel.
    pub landing: usize,
}

/// The selected worker's screen, as last captured (ANSI already turned into styled text).
#[derive(Debug, Clone, Default)]
pub struct Screen {
    pub worker: WorkerId,
    pub text: Text<'static>,
}

/// Where the operator is in the Queue panel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuePlace {
    /// Index into its tasks, in their listed order...
    pub row: usize,
    /// ...and the task there, which the selection follows when the task moves in the list (held,
    /// cancelled, reprioritised), so the next key acts on the same task.
    pub task: Option<String>,
}

/// What was last read for the preview: the selected worker's screen, or its branch's figures.
#[derive(Debug, Clone, Default)]
pub struct Previewed {
    pub screen: Option<Screen>,
    pub branch: Option<(WorkerId, Result<BranchStats, String>)>,
}

#[derive(Debug, Clone)]
pub struct UiState {
    pub panel: Panel,
    /// Index into the visible workers.
    pub selected: usize,
    pub queue: QueuePlace,
    /// Where the operator is in the alerts and Landing panels.
    pub places: Places,
    pub preview: PreviewMode,
    pub dialog: Dialog,
    pub filter: String,
    pub read: Previewed,
    pub events: Vec<EventRow>,
    /// Each `[hosts.<name>]`'s health and workers, as the engine published them (none without
    /// hosts: the single-machine layout).
    pub hosts: std::sync::Arc<Vec<crate::engine::fleet_view::HostRow>>,
    pub color: bool,
    pub keys: Keymap,
    /// A one-line note for the operator (what the last key did, or why it did nothing).
    pub flash: String,
    /// The clock for "how long" columns (ms); set before each frame.
    pub now: u64,
}

impl UiState {
    pub fn new(keys: Keymap, color: bool) -> UiState {
        UiState {
            panel: Panel::Workers,
            selected: 0,
            queue: QueuePlace::default(),
            places: Places::default(),
            preview: PreviewMode::Screen,
            dialog: Dialog::None,
            filter: String::new(),
            read: Previewed::default(),
            events: Vec::new(),
            hosts: Default::default(),
            color,
            keys,
            flash: String::new(),
            now: 0,
        }
    }

    /// The selected worker's id, if any worker is visible.
    pub fn selected_worker(&self, model: &Model) -> Option<WorkerId> {
        let rows = super::rows::visible_workers(model, &self.filter);
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
            .map(|w| w.id)
    }

    /// Keeps the selection on a row that exists after the model or the filter changed.
    pub fn clamp(&mut self, model: &Model) {
        let n = super::rows::visible_workers(model, &self.filter).len();
        self.selected = self.selected.min(n.saturating_sub(1));
        let order = super::rows::queue(model, &self.filter).in_order();
        if let Some(at) = self
            .queue
            .task
            .as_ref()
            .and_then(|id| order.iter().position(|t| &t.def.id == id))
        {
            self.queue.row = at;
        }
        self.queue.row = self.queue.row.min(order.len().saturating_sub(1));
    }
}

/// `NO_COLOR` set to anything non-empty turns colours off (no-color.org).
pub fn color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
