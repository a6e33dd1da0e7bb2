//! Exit codes: 0 success, 1 a failure, 2 bad input (a usage error, a malformed file or value).

use std::process::ExitCode;

/// Marks an error as caused by bad input from the user: the process exits with code 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Shorthand: an eyre report for bad input.
pub(crate) fn bad_input(msg: impl Into<String>) -> eyre::Report {
    eyre::Report::new(BadInput(msg.into()))
}

/// Prints the error chain to stderr and picks the exit code.
pub(crate) fn report(report: eyre::Report) -> ExitCode {
    eprintln!("error: {report}");
    for cause in report.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if report.chain().any(|e| e.is::<BadInput>()) { ExitCode::from(2) } else { ExitCode::from(1) }
}
