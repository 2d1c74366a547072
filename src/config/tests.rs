//! Unit tests for what only this module can reach: errors in built-in files.

use super::profile::ProfileLayer;
use super::reader::{Source, root};
use super::{DEFAULTS_TOML, SHIPPED_PROFILES};

fn read_builtin(name: &str, text: &str) -> String {
    let src = Source {
        name: format!("<built-in config/agents/{name}.toml>"),
        text,
    };
    let doc = match src.parse() {
        Ok(doc) => doc,
        Err(err) => return err.to_string(),
    };
    match ProfileLayer::read(&root(&src, &doc)) {
        Ok(_) => String::new(),
        Err(err) => err.to_string(),
    }
}

#[test]
fn built_in_profile_errors_name_the_embedded_file_and_key() {
    let msg = read_builtin("x", "command = [\"x\"]\n[patterns]\nbusy = ['ok', '(']\n");
    assert!(
        msg.starts_with("<built-in config/agents/x.toml>:3: patterns.busy[1]: bad regex \"(\""),
        "{msg}"
    );
    let msg = read_builtin("x", "command = []\n");
    assert!(
        msg.starts_with("<built-in config/agents/x.toml>:1: command: must be"),
        "{msg}"
    );
    let msg = read_builtin("x", "[patterns]\nregion_lines = 0\n");
    assert!(
        msg.contains(":2: patterns.region_lines: 0 is out of range"),
        "{msg}"
    );
}

#[test]
fn every_shipped_file_reads_on_its_own() {
    for (name, text) in SHIPPED_PROFILES {
        assert_eq!(read_builtin(name, text), "", "{name}");
    }
    let src = Source {
        name: "defaults".into(),
        text: DEFAULTS_TOML,
    };
    assert!(super::layer::ProjectLayer::read(&src).is_ok());
}
