//! The header shows each plan under way: still planning, then its tasks done and landed.

use crate::fixture::{self, draw};
use czar::core::model::{Task, TaskDef, TaskState};

fn header(model: &czar::core::model::Model, w: u16) -> String {
    let term = draw(model, &fixture::ui(true), w, 30);
    let buf = term.backend().buffer().clone();
    (0..w)
        .map(|x| buf[(x, 0)].symbol().to_string())
        .collect::<String>()
}

#[test]
fn the_header_shows_a_plan_under_way_and_drops_it_when_over() {
    let mut m = fixture::model();
    let mut add = |id: &str, planner: bool, state: TaskState| {
        let def = TaskDef {
            id: id.into(),
            title: id.into(),
            plan: Some("p1".into()),
            planner,
            body: "x\n".into(),
            ..TaskDef::default()
        };
        let mut t = Task::new(def, 0);
        t.state = state;
        m.tasks.insert(id.into(), t);
    };
    add("plan-p1", true, TaskState::Working);
    add("a", false, TaskState::Pending);
    let h = header(&m, 250);
    assert!(h.contains("plan p1: planning, 1 added │"), "{h}");
    m.tasks.get_mut("plan-p1").unwrap().state = TaskState::Done;
    m.tasks.get_mut("a").unwrap().state = TaskState::Done;
    let mut b = Task::new(
        TaskDef {
            id: "b".into(),
            plan: Some("p1".into()),
            ..TaskDef::default()
        },
        0,
    );
    b.state = TaskState::Working;
    m.tasks.insert("b".into(), b);
    let h = header(&m, 250);
    assert!(h.contains("plan p1: 1/2 done, 1 landed │"), "{h}");
    // Narrow: the short form.
    let h = header(&m, 80);
    assert!(h.contains("p1 1/2"), "{h}");
    m.tasks.get_mut("b").unwrap().state = TaskState::Done;
    assert!(
        !header(&m, 250).contains("p1"),
        "an over plan leaves the header"
    );
}
