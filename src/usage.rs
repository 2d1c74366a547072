//! A user's mistake (config, task files, arguments): `main` exits 2 with the message, which names
//! the place. Its own module so every layer can say so without importing the one above it.

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
