//! What routing and planning keep in the model: a plan, and reading a task's accepted
//! profiles from what older stores held.

use serde::{Deserialize, Deserializer, Serialize};

/// A goal given to a planner worker (`czar plan`), which splits it into tasks that carry its id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub goal: String,
    /// Milliseconds since the Unix epoch.
    pub created: u64,
}

/// What routing last said about a task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RouteNote {
    /// The profiles its last assignment passed over, and why ("profile: why").
    #[serde(default)]
    pub skipped: Vec<String>,
    /// Ready but not assigned because every profile it accepts was passed over: why, one
    /// "profile: why" per profile. Cleared when it is assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
}

/// `agent` as stored: a list now; before routing, one name or none.
pub(super) fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Agent {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Agent>::deserialize(d)? {
        None => Vec::new(),
        Some(Agent::One(name)) => vec![name],
        Some(Agent::Many(names)) => names,
    })
}

#[cfg(test)]
mod tests {
    use super::super::TaskDef;

    #[test]
    fn a_stored_single_agent_or_none_still_reads() {
        let one: TaskDef = serde_json::from_str(r#"{"id":"a","title":"a","priority":0,"needs":[],"agent":"codex","verify":null,"body":"x"}"#).unwrap();
        assert_eq!(one.agent, vec!["codex".to_string()]);
        let none: TaskDef = serde_json::from_str(r#"{"id":"a","title":"a","priority":0,"needs":[],"agent":null,"verify":null,"body":"x"}"#).unwrap();
        assert!(none.agent.is_empty());
        let many: TaskDef = serde_json::from_str(r#"{"id":"a","title":"a","priority":0,"needs":[],"agent":["b","c"],"verify":null,"body":"x"}"#).unwrap();
        assert_eq!(many.agent, vec!["b".to_string(), "c".to_string()]);
    }

    #[test]
    fn a_stored_tasks_skipped_key_reads_into_its_route_note_and_is_written_back_there() {
        let mut t = super::super::Task::new(super::super::TaskDef::default(), 0);
        t.route.skipped = vec!["codex: no free worker".into()];
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["skipped"][0], "codex: no free worker", "{json}");
        assert!(json.get("route").is_none(), "{json}");
        let back: super::super::Task = serde_json::from_value(json).unwrap();
        assert_eq!(back.route.skipped, t.route.skipped);
        assert_eq!(back.route.waiting, None);
    }
}
