use git2::{Config, Repository, Signature};

/// Author used when the repository has no `user.name` / `user.email`: CI machines often have no
/// git identity, and that must not stop czar from saving work.
pub const FALLBACK_NAME: &str = "czar";
pub const FALLBACK_EMAIL: &str = "czar@localhost";

/// The configured identity, field by field falling back to `czar <czar@localhost>`.
pub fn signature_from_config(config: &Config) -> Result<Signature<'static>, git2::Error> {
    let get = |key: &str| {
        config
            .get_string(key)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    let name = get("user.name");
    let email = get("user.email");
    let name = name.as_deref().unwrap_or(FALLBACK_NAME);
    let email = email.as_deref().unwrap_or(FALLBACK_EMAIL);
    // A configured value libgit2 rejects (angle brackets, say) must not block a rescue commit.
    Signature::now(name, email).or_else(|_| Signature::now(FALLBACK_NAME, FALLBACK_EMAIL))
}

/// The identity for commits made in `repo` (its full config chain: repo, global, system).
pub(super) fn signature_for(repo: &Repository) -> Result<Signature<'static>, git2::Error> {
    match repo.config() {
        Ok(config) => signature_from_config(&config),
        Err(_) => Signature::now(FALLBACK_NAME, FALLBACK_EMAIL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(text: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, text).unwrap();
        let mut config = Config::new().unwrap();
        config
            .add_file(&file, git2::ConfigLevel::Local, false)
            .unwrap();
        (dir, config)
    }

    #[test]
    fn empty_config_falls_back_to_czar() {
        let (_dir, config) = config_with("[core]\n\tbare = false\n");
        let sig = signature_from_config(&config).unwrap();
        assert_eq!(sig.name().ok(), Some(FALLBACK_NAME));
        assert_eq!(sig.email().ok(), Some(FALLBACK_EMAIL));
    }

    #[test]
    fn configured_user_wins() {
        let (_dir, config) = config_with("[user]\n\tname = Ada\n\temail = ada@example.org\n");
        let sig = signature_from_config(&config).unwrap();
        assert_eq!(sig.name().ok(), Some("Ada"));
        assert_eq!(sig.email().ok(), Some("ada@example.org"));
    }

    #[test]
    fn missing_email_only_falls_back_for_email() {
        let (_dir, config) = config_with("[user]\n\tname = Ada\n");
        let sig = signature_from_config(&config).unwrap();
        assert_eq!(sig.name().ok(), Some("Ada"));
        assert_eq!(sig.email().ok(), Some(FALLBACK_EMAIL));
    }
}
