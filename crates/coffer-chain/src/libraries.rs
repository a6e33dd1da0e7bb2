//! The libraries a command uses for an existing Safe: those of the Safe's own release.
//!
//! A canonical 1.3.0 Safe batches through canonical 1.3.0 MultiSendCallOnly, a 1.5.0 Safe through
//! 1.5.0's, a coffer Safe through coffer's suite. [`safe_libraries`] reads the Safe's singleton
//! (storage slot 0), tells its release by address **and** runtime code hash, and returns that
//! release's [`SuiteAddresses`]; an explicit suite (`--suite`) overrides it.
//! [`SafeLibraries::require`] then checks that a library has the release's code at its address,
//! and its error names the Safe's release and the address expected.

use crate::{
    Error, Result,
    deploy::{ARACHNID_DEPLOYER, SAFE_SINGLETON_FACTORY, code_matches, find_deployer},
    read::{SingletonKind, classify_singleton},
    suite::SuiteAddresses,
};
use alloy::{
    primitives::{Address, B256, keccak256},
    providers::Provider,
};
use coffer_contracts::{CanonicalContract, artifact, canonical_deployments};
use coffer_core::SafeVersion;

/// A library a Safe transaction may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Library {
    /// MultiSendCallOnly: what batches delegatecall.
    MultiSendCallOnly,
    /// SignMessageLib: on-chain message signing.
    SignMessageLib,
    /// SimulateTxAccessor: gas measurement through `simulateAndRevert`.
    SimulateTxAccessor,
}

impl Library {
    /// The contract name (`"MultiSendCallOnly"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::MultiSendCallOnly => "MultiSendCallOnly",
            Self::SignMessageLib => "SignMessageLib",
            Self::SimulateTxAccessor => "SimulateTxAccessor",
        }
    }

    const fn canonical(self) -> CanonicalContract {
        match self {
            Self::MultiSendCallOnly => CanonicalContract::MultiSendCallOnly,
            Self::SignMessageLib => CanonicalContract::SignMessageLib,
            Self::SimulateTxAccessor => CanonicalContract::SimulateTxAccessor,
        }
    }

    fn address_in(self, suite: &SuiteAddresses) -> Address {
        match self {
            Self::MultiSendCallOnly => suite.multi_send_call_only,
            Self::SignMessageLib => suite.sign_message_lib,
            Self::SimulateTxAccessor => suite.simulate_tx_accessor,
        }
    }
}

/// Which suite the libraries come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SuiteChoice {
    /// coffer's own suite (through whichever CREATE2 deployer the chain has).
    Coffer,
    /// A canonical Safe release (1.3.0, 1.4.1 or 1.5.0).
    Canonical(SafeVersion),
}

impl SuiteChoice {
    /// Parses a `--suite` value: `coffer`, `canonical-1.3.0`, `canonical-1.4.1`,
    /// `canonical-1.5.0`. `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "coffer" {
            return Some(Self::Coffer);
        }
        let version = s.strip_prefix("canonical-")?.parse::<SafeVersion>().ok()?;
        SuiteAddresses::canonical(version).map(|_| Self::Canonical(version))
    }

    /// The suite's addresses on the provider's chain.
    pub async fn addresses<P: Provider>(self, provider: &P) -> Result<SuiteAddresses> {
        match self {
            Self::Coffer => SuiteAddresses::coffer(find_deployer(provider).await?),
            Self::Canonical(v) => SuiteAddresses::canonical(v).ok_or_else(|| {
                Error::InvalidSafeConfig(format!("there is no canonical Safe {v} suite"))
            }),
        }
    }
}

impl core::fmt::Display for SuiteChoice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Coffer => f.write_str("coffer"),
            Self::Canonical(v) => write!(f, "canonical-{v}"),
        }
    }
}

/// A Safe's release, told from its singleton.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SafeRelease {
    /// coffer's singleton (`Safe` or `SafeL2`) at coffer's suite address for `deployer`.
    Coffer {
        /// The CREATE2 deployer the suite was deployed through.
        deployer: Address,
    },
    /// A canonical Safe singleton, at its canonical address with its canonical code hash.
    Canonical(SafeVersion),
    /// Anything else: an unknown singleton, or a known one's code at another address.
    Other {
        /// The singleton (the proxy's storage slot 0).
        singleton: Address,
        /// What its code is.
        kind: SingletonKind,
    },
}

impl core::fmt::Display for SafeRelease {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Coffer { .. } => f.write_str("coffer"),
            Self::Canonical(v) => write!(f, "canonical {v}"),
            Self::Other { singleton, kind } => {
                write!(f, "not a known release (singleton {singleton}: {kind})")
            }
        }
    }
}

/// Reads the Safe's singleton (storage slot 0) and tells its release: by address **and**
/// runtime code.
pub async fn detect_release<P: Provider>(provider: &P, safe: Address) -> Result<SafeRelease> {
    let word = provider.get_storage_at(safe, B256::ZERO.into()).await.map_err(Error::rpc)?;
    let singleton = Address::from_word(B256::from(word));
    let code = provider.get_code_at(singleton).await.map_err(Error::rpc)?;
    let kind = classify_singleton(&code);
    match &kind {
        SingletonKind::Coffer { .. } => {
            for deployer in [SAFE_SINGLETON_FACTORY, ARACHNID_DEPLOYER] {
                let s = SuiteAddresses::coffer(deployer)?;
                if singleton == s.safe || singleton == s.safe_l2 {
                    return Ok(SafeRelease::Coffer { deployer });
                }
            }
        }
        SingletonKind::Canonical { version, .. } => {
            let at_home = canonical_deployments().iter().any(|d| {
                d.version == *version
                    && d.address == singleton
                    && matches!(d.contract, CanonicalContract::Safe | CanonicalContract::SafeL2)
            });
            if let (true, Ok(v)) = (at_home, version.parse::<SafeVersion>()) {
                return Ok(SafeRelease::Canonical(v));
            }
        }
        SingletonKind::Unknown { .. } => {}
    }
    Ok(SafeRelease::Other { singleton, kind })
}

/// Where the libraries came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibrarySource {
    /// The Safe's own release.
    Release(SafeRelease),
    /// The release is not known, so coffer's suite is assumed (as before releases were told
    /// apart); `--suite` names another.
    Assumed(SafeRelease),
    /// Chosen explicitly (`--suite`).
    Override(SuiteChoice),
}

/// The libraries a command uses for one Safe: [`safe_libraries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeLibraries {
    /// Where the addresses come from.
    pub source: LibrarySource,
    /// The suite's addresses (only the libraries are meant to be used from it).
    pub suite: SuiteAddresses,
}

impl SafeLibraries {
    /// A short description for previews and errors: "the Safe's release (canonical 1.3.0)",
    /// "--suite canonical-1.4.1".
    pub fn describe(&self) -> String {
        match &self.source {
            LibrarySource::Release(r) => format!("the Safe's release ({r})"),
            LibrarySource::Assumed(r) => {
                format!("coffer's suite, assumed because the Safe's singleton is {r}")
            }
            LibrarySource::Override(c) => format!("--suite {c}"),
        }
    }

    /// The address of `library` (not checked; see [`Self::require`]).
    pub fn address(&self, library: Library) -> Address {
        library.address_in(&self.suite)
    }

    /// The address of `library`, checked to hold that suite's code: for a canonical release
    /// its canonical runtime code hash, for coffer's suite the committed artifact. Otherwise
    /// [`Error::MissingLibrary`], naming the release and the address expected.
    pub async fn require<P: Provider>(&self, provider: &P, library: Library) -> Result<Address> {
        let address = self.address(library);
        let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
        let found = (!code.is_empty()).then(|| keccak256(&code));
        let ok = match self.release_version() {
            Some(v) => canonical_deployments().iter().any(|d| {
                d.version == v.as_str()
                    && d.contract == library.canonical()
                    && d.address == address
                    && Some(d.code_hash) == found
            }),
            None => found.is_some() && code_matches(artifact(library.name())?, &code),
        };
        if ok {
            return Ok(address);
        }
        Err(Error::MissingLibrary {
            library: library.name(),
            address,
            from: self.describe(),
            found,
        })
    }

    fn release_version(&self) -> Option<SafeVersion> {
        match &self.source {
            LibrarySource::Release(SafeRelease::Canonical(v))
            | LibrarySource::Override(SuiteChoice::Canonical(v)) => Some(*v),
            _ => None,
        }
    }
}

/// The libraries for the Safe at `safe`: those of `choice` when given (`--suite`), else those of
/// the Safe's own release ([`detect_release`]): canonical 1.3.0 / 1.4.1 / 1.5.0 at their
/// canonical addresses, or coffer's suite for a coffer Safe. A Safe of no known release falls
/// back to coffer's suite, and says so ([`LibrarySource::Assumed`]).
///
/// Every command that batches, pays out, signs messages on chain or measures gas for an existing
/// Safe takes its libraries from here.
pub async fn safe_libraries<P: Provider>(
    provider: &P,
    safe: Address,
    choice: Option<SuiteChoice>,
) -> Result<SafeLibraries> {
    if let Some(c) = choice {
        return Ok(SafeLibraries {
            suite: c.addresses(provider).await?,
            source: LibrarySource::Override(c),
        });
    }
    let release = detect_release(provider, safe).await?;
    let (suite, source) = match &release {
        SafeRelease::Coffer { deployer } => {
            (SuiteAddresses::coffer(*deployer)?, LibrarySource::Release(release))
        }
        SafeRelease::Canonical(v) => (
            SuiteAddresses::canonical(*v).ok_or_else(|| {
                Error::InvalidSafeConfig(format!("there is no canonical Safe {v} suite"))
            })?,
            LibrarySource::Release(release),
        ),
        SafeRelease::Other { .. } => (
            SuiteAddresses::coffer(find_deployer(provider).await?)?,
            LibrarySource::Assumed(release),
        ),
    };
    Ok(SafeLibraries { source, suite })
}
