//! A profile's token keys (`usage`, `[prices]`, `context_window`, `compact`, `compact_at`) and
//! the dollar budgets: read, layered over the shipped profiles, and every mistake named by file,
//! line and key.

use crate::config::{error_at, load, repo};
use czar::core::model::Prices;
use czar::core::reports::Source;

#[test]
fn shipped_profiles_say_where_their_tokens_are_and_how_to_compact() {
    let (_dir, root) = repo();
    let cfg = load(&root, "").unwrap();
    let m = |p: &str| cfg.profiles[p].meter.clone();
    assert_eq!(m("claude").usage, Some(Source::Claude));
    assert_eq!(m("codex").usage, Some(Source::Codex));
    assert_eq!(m("gemini").usage, Some(Source::Gemini));
    assert_eq!(m("aider").usage, Some(Source::Aider));
    assert_eq!(m("claude").meter.compact.as_deref(), Some("/compact"));
    assert_eq!(m("codex").meter.compact.as_deref(), Some("/compact"));
    assert_eq!(m("gemini").meter.compact.as_deref(), Some("/compress"));
    assert_eq!(m("claude").meter.compact_at_permille, 850);
    assert_eq!(m("sim").usage, None);
    assert_eq!(cfg.budget.max_cost_micros, 0);
}

#[test]
fn prices_windows_and_cost_budgets_are_read() {
    let (_dir, root) = repo();
    let text = "[budget]\nmax_cost = 2.5\nmax_task_cost = 1\n\n\
                [agents.claude]\ncontext_window = 100000\ncompact_at = 0.7\n\
                [agents.claude.prices]\ninput = 3.0\noutput = 15\ncached_input = 0.3\n";
    let cfg = load(&root, text).unwrap();
    let m = &cfg.profiles["claude"].meter;
    assert_eq!(
        m.meter.prices,
        Some(Prices {
            input: 3_000_000,
            output: 15_000_000,
            cached_input: 300_000,
            cache_write: 3_000_000,
        })
    );
    assert_eq!(m.meter.context_window, 100_000);
    assert_eq!(m.meter.compact_at_permille, 700);
    // The shipped profile's other keys stay.
    assert_eq!(m.usage, Some(Source::Claude));
    assert_eq!(m.meter.compact.as_deref(), Some("/compact"));
    assert_eq!(cfg.budget.max_cost_micros, 2_500_000);
    assert_eq!(cfg.budget.max_task_cost_micros, 1_000_000);
}

#[test]
fn token_key_mistakes_name_file_line_and_key() {
    let msg = error_at(
        "[agents.claude.prices]\ninput = 3.0\noutput = 15.0\ncache_read = 0.3\n",
        4,
        "agents.claude.prices.cache_read",
    );
    assert!(msg.contains("unknown"), "{msg}");
    error_at(
        "[agents.claude.prices]\ninput = 3.0\n",
        1,
        "agents.claude.prices",
    );
    let msg = error_at(
        "[agents.claude.prices]\ninput = -1\noutput = 1\n",
        2,
        "agents.claude.prices.input",
    );
    assert!(msg.contains("dollars"), "{msg}");
    error_at(
        "[agents.claude.prices]\ninput = \"3\"\noutput = 1\n",
        2,
        "agents.claude.prices.input",
    );
    let msg = error_at(
        "[agents.claude]\nusage = \"openai\"\n",
        2,
        "agents.claude.usage",
    );
    assert!(msg.contains("codex"), "{msg}");
    error_at(
        "[agents.claude]\ncompact_at = 1.5\n",
        2,
        "agents.claude.compact_at",
    );
    error_at(
        "[agents.claude]\ncompact = \"\"\n",
        2,
        "agents.claude.compact",
    );
    error_at(
        "[agents.claude]\ncontext_window = 10\n",
        2,
        "agents.claude.context_window",
    );
    error_at("[budget]\nmax_cost = -2\n", 2, "budget.max_cost");
    error_at("[budget]\nmax_cost = \"2\"\n", 2, "budget.max_cost");
}

#[test]
fn an_account_may_be_a_folder_for_the_variable_its_profile_names() {
    let (_dir, root) = repo();
    let text = "[[agents.claude.accounts]]\nname = \"work\"\ndir = \"~/.claude-work\"\n";
    let cfg = load(&root, text).unwrap();
    let p = &cfg.profiles["claude"];
    assert_eq!(p.account_dir_env.as_deref(), Some("CLAUDE_CONFIG_DIR"));
    assert_eq!(
        p.accounts[0].dir_in(Some(std::path::Path::new("/home/u"))),
        Some(std::path::PathBuf::from("/home/u/.claude-work"))
    );
    assert_eq!(
        cfg.profiles["codex"].account_dir_env.as_deref(),
        Some("CODEX_HOME")
    );
    // A profile that does not say where a folder goes cannot use one.
    let (_dir, root) = repo();
    let text = "[agents.mine]\ncommand = [\"mine\"]\n[[agents.mine.accounts]]\nname = \"a\"\ndir = \"/x\"\n";
    let msg = load(&root, text).unwrap_err().to_string();
    assert!(msg.contains("account_dir_env"), "{msg}");
    error_at(
        "[agents.claude]\naccount_dir_env = \"NOT VALID\"\n",
        2,
        "agents.claude.account_dir_env",
    );
}
