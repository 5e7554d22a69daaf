//! The one error type of the CLI and its exit codes.

use std::fmt;
use std::process::ExitCode;

/// What kind of failure ended a command; each has its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something failed that fits no other kind (I/O, a local server).
    Failure,
    /// The command line or an argument was wrong; nothing was sent.
    Usage,
    /// No API key, or the API refused the key (401, 403).
    Auth,
    /// The API refused the request (another 4xx).
    Refused,
    /// The API or the network failed (5xx, timeout, connection).
    Unavailable,
    /// A webhook delivery did not verify.
    Unverified,
}

impl Exit {
    /// The process exit code: 1 failure, 2 usage, 3 auth, 4 refused,
    /// 5 unavailable, 6 unverified.
    pub fn code(self) -> u8 {
        match self {
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::Refused => 4,
            Exit::Unavailable => 5,
            Exit::Unverified => 6,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// A failure, printed as one line on stderr.
#[derive(Debug)]
pub struct CliError {
    /// Which exit code it ends with.
    pub exit: Exit,
    /// The line printed (never a secret).
    pub message: String,
}

impl CliError {
    /// A failure of the given kind.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// A general failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<linq_client::Error> for CliError {
    fn from(e: linq_client::Error) -> Self {
        use linq_client::Error as E;
        let exit = match &e {
            E::InvalidInput { .. } => Exit::Usage,
            E::Api(api) => match api.status.as_u16() {
                401 | 403 => Exit::Auth,
                400..=499 => Exit::Refused,
                _ => Exit::Unavailable,
            },
            E::Transport { .. } => Exit::Unavailable,
            _ => Exit::Failure,
        };
        let mut message = e.to_string();
        if let E::Api(api) = &e {
            if let Some(url) = &api.doc_url {
                message.push_str(&format!("; see {url}"));
            }
        }
        Self::new(exit, message)
    }
}

impl From<linq_client::BuildError> for CliError {
    fn from(e: linq_client::BuildError) -> Self {
        let exit = match e {
            linq_client::BuildError::MissingApiKey | linq_client::BuildError::InvalidApiKey => {
                Exit::Auth
            }
            _ => Exit::Usage,
        };
        Self::new(exit, e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::failure(e.to_string())
    }
}

/// The CLI's result type.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
