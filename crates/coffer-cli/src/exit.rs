//! Exit codes: 0 success, 1 a failure, 2 bad input (a usage error, a malformed file or value, a
//! hash or signer that does not fit, the wrong chain).

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
    if is_bad_input(&report) { ExitCode::from(2) } else { ExitCode::from(1) }
}

/// Whether any error in the chain is the user's input rather than a failure: an explicit
/// [`BadInput`], or a library error variant that means "what you gave does not fit".
fn is_bad_input(report: &eyre::Report) -> bool {
    report.chain().any(|e| {
        e.is::<BadInput>()
            || e.downcast_ref::<coffer_core::Error>().is_some()
            || e.downcast_ref::<coffer_chain::Error>().is_some_and(chain_bad_input)
            || e.downcast_ref::<coffer_store::Error>().is_some_and(store_bad_input)
            || e.downcast_ref::<coffer_signer::Error>().is_some_and(signer_bad_input)
            || e.downcast_ref::<coffer_queue::Error>().is_some_and(queue_bad_input)
            || e.downcast_ref::<coffer_txs_api::ClientError>().is_some_and(|c| c.is_bad_input())
    })
}

fn chain_bad_input(e: &coffer_chain::Error) -> bool {
    use coffer_chain::Error as E;
    matches!(
        e,
        E::Core(_)
            | E::NotASafe { .. }
            | E::UnsupportedVersion { .. }
            | E::ChainIdMismatch { .. }
            | E::VersionMismatch { .. }
            | E::NonceUsed { .. }
            | E::NonceNotNext { .. }
            | E::TooFewSignatures { .. }
            | E::OwnersChanged { .. }
            | E::InvalidSignature { .. }
            | E::InvalidChange(_)
            | E::InvalidSafeConfig(_)
            | E::SafeExists { .. }
            | E::AlreadySent { .. }
            | E::NotAnOwner { .. }
            | E::DelegatecallRefused { .. }
            | E::LibraryCodeMismatch { .. }
            | E::LegacyDomainRefused { .. }
            | E::ExecutorApprovalNotRequested { .. }
            | E::ModuleUnavailable(_)
            | E::PlanFile(_)
            | E::PlanCheck(_)
            | E::NoPush0 { .. }
            | E::Sheet(_)
            | E::Delay(_)
            | E::Recovery(_)
            | E::Drill(_)
            | E::MessageFile(_)
            | E::Guard(_)
    )
}

fn queue_bad_input(e: &coffer_queue::Error) -> bool {
    use coffer_queue::Error as E;
    match e {
        E::Chain(c) => chain_bad_input(c),
        E::Store(s) => store_bad_input(s),
        E::Core(_) => true,
        E::Service(c) => c.is_bad_input(),
        E::Signer(s) => signer_bad_input(s),
        E::AlreadyExecuted { .. }
        | E::AlreadySigned { .. }
        | E::NotOwner { .. }
        | E::NotNext { .. }
        | E::DrillTransfer(_)
        | E::ExecutedOnChain { .. }
        | E::Replaced { .. } => true,
        _ => false,
    }
}

fn store_bad_input(e: &coffer_store::Error) -> bool {
    use coffer_store::Error as E;
    matches!(
        e,
        E::NoDataDir
            | E::NotADatabase { .. }
            | E::UnknownProposal { .. }
            | E::UnknownMessage { .. }
            | E::UnknownPrefix { .. }
            | E::AmbiguousPrefix { .. }
            | E::InvalidHash { .. }
            | E::HashConflict { .. }
            | E::InvalidSignature { .. }
            | E::DuplicateSignature { .. }
            | E::NotAnOwner { .. }
            | E::AlreadyExecuted { .. }
            | E::BundleJson { .. }
            | E::BundleFormat { .. }
            | E::BundleVersion { .. }
            | E::BundleField { .. }
            | E::BundleHashMismatch { .. }
            | E::SignatureEncoding { .. }
            | E::MetaMismatch { .. }
    ) || matches!(e, E::Io { action, .. } if action.contains("read"))
}

fn signer_bad_input(e: &coffer_signer::Error) -> bool {
    use coffer_signer::Error as E;
    matches!(
        e,
        E::NoWallet
            | E::OptionNotApplicable { .. }
            | E::InvalidPrivateKey { .. }
            | E::InvalidMnemonic { .. }
            | E::InvalidDerivationPath { .. }
            | E::IndexTooLarge { .. }
            | E::KeystoreNotFound { .. }
            | E::Keystore { .. }
            | E::PasswordFile { .. }
            | E::InvalidLedgerUrl { .. }
            | E::InvalidIndexRange { .. }
            | E::WrongSigner { .. }
    )
}
