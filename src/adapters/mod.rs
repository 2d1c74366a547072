pub mod claims;
pub mod git;
pub mod store;
pub mod tmux;
