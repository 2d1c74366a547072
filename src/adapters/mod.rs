pub mod bell;
pub mod claims;
pub mod git;
pub mod output_watch;
pub mod store;
pub mod tmux;
