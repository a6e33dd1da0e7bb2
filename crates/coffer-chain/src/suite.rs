//! The addresses of a Safe suite (ours or canonical) and deploying coffer's suite.

use crate::{
    Error, Result,
    deploy::{Deployment, SUITE_SALT, create2_address, deploy_artifacts, find_deployer},
};
use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};
use coffer_contracts::{Artifact, CanonicalContract, artifact, canonical_deployments};
use coffer_core::SafeVersion;

/// Where each contract of a Safe suite lives on a chain.
///
/// Used for coffer's own suite ([`SuiteAddresses::coffer`], [`deploy_suite`]) and for the
/// canonical Safe deployments ([`SuiteAddresses::canonical`]). The field names follow the Safe
/// contract names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SuiteAddresses {
    /// The Safe singleton (no extra events): the default on Ethereum mainnet.
    pub safe: Address,
    /// The SafeL2 singleton (emits `SafeMultiSigTransaction` / `SafeModuleTransaction`): the
    /// default on every other chain.
    pub safe_l2: Address,
    /// SafeProxyFactory.
    pub proxy_factory: Address,
    /// CompatibilityFallbackHandler, the default fallback handler of new Safes.
    pub fallback_handler: Address,
    /// MultiSend (entries may delegatecall).
    pub multi_send: Address,
    /// MultiSendCallOnly (refuses inner delegatecalls): what batches use.
    pub multi_send_call_only: Address,
    /// CreateCall.
    pub create_call: Address,
    /// SignMessageLib.
    pub sign_message_lib: Address,
    /// SimulateTxAccessor, used by [`crate::simulate`].
    pub simulate_tx_accessor: Address,
}

/// The contract names of a suite, in the order of [`SuiteAddresses::entries`].
pub const SUITE_CONTRACTS: [&str; 9] = [
    "Safe",
    "SafeL2",
    "SafeProxyFactory",
    "CompatibilityFallbackHandler",
    "MultiSend",
    "MultiSendCallOnly",
    "CreateCall",
    "SignMessageLib",
    "SimulateTxAccessor",
];

impl SuiteAddresses {
    /// Builds the addresses from a lookup by contract name (one of [`SUITE_CONTRACTS`]).
    pub fn from_fn(mut f: impl FnMut(&'static str) -> Result<Address>) -> Result<Self> {
        Ok(Self {
            safe: f("Safe")?,
            safe_l2: f("SafeL2")?,
            proxy_factory: f("SafeProxyFactory")?,
            fallback_handler: f("CompatibilityFallbackHandler")?,
            multi_send: f("MultiSend")?,
            multi_send_call_only: f("MultiSendCallOnly")?,
            create_call: f("CreateCall")?,
            sign_message_lib: f("SignMessageLib")?,
            simulate_tx_accessor: f("SimulateTxAccessor")?,
        })
    }

    /// `(contract name, address)` for each of the nine contracts.
    pub fn entries(&self) -> [(&'static str, Address); 9] {
        [
            ("Safe", self.safe),
            ("SafeL2", self.safe_l2),
            ("SafeProxyFactory", self.proxy_factory),
            ("CompatibilityFallbackHandler", self.fallback_handler),
            ("MultiSend", self.multi_send),
            ("MultiSendCallOnly", self.multi_send_call_only),
            ("CreateCall", self.create_call),
            ("SignMessageLib", self.sign_message_lib),
            ("SimulateTxAccessor", self.simulate_tx_accessor),
        ]
    }

    /// The addresses coffer's suite gets when deployed through `deployer` (the Safe Singleton
    /// Factory or Arachnid's proxy) with [`SUITE_SALT`], from the committed artifacts.
    pub fn coffer(deployer: Address) -> Result<Self> {
        Self::from_fn(|name| Ok(create2_address(deployer, SUITE_SALT, &artifact(name)?.bytecode)))
    }

    /// Whether these are coffer's suite's addresses (through the Safe Singleton Factory or
    /// Arachnid's proxy).
    pub fn is_coffer(&self) -> bool {
        [crate::deploy::SAFE_SINGLETON_FACTORY, crate::deploy::ARACHNID_DEPLOYER]
            .into_iter()
            .any(|d| Self::coffer(d).is_ok_and(|s| s == *self))
    }

    /// The canonical Safe deployment of `version` (1.3.0, 1.4.1 or 1.5.0), at the addresses Safe
    /// deployed it to on every chain with the Safe Singleton Factory. `None` for other versions.
    pub fn canonical(version: SafeVersion) -> Option<Self> {
        let find = |c: CanonicalContract| {
            canonical_deployments()
                .iter()
                .find(|d| d.version == version.as_str() && d.contract == c)
                .map(|d| d.address)
        };
        Some(Self {
            safe: find(CanonicalContract::Safe)?,
            safe_l2: find(CanonicalContract::SafeL2)?,
            proxy_factory: find(CanonicalContract::SafeProxyFactory)?,
            fallback_handler: find(CanonicalContract::CompatibilityFallbackHandler)?,
            multi_send: find(CanonicalContract::MultiSend)?,
            multi_send_call_only: find(CanonicalContract::MultiSendCallOnly)?,
            create_call: find(CanonicalContract::CreateCall)?,
            sign_message_lib: find(CanonicalContract::SignMessageLib)?,
            simulate_tx_accessor: find(CanonicalContract::SimulateTxAccessor)?,
        })
    }

    /// The singleton a new Safe uses on `chain_id` by default: [`Self::safe`] on Ethereum
    /// mainnet (chain 1), [`Self::safe_l2`] everywhere else, as Safe{Wallet} does.
    pub fn default_singleton(&self, chain_id: u64) -> Address {
        if chain_id == 1 { self.safe } else { self.safe_l2 }
    }

    /// Checks that every contract has code on the chain, naming the first one that has none.
    pub async fn check_deployed<P: Provider>(&self, provider: &P) -> Result<()> {
        for (contract, address) in self.entries() {
            let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
            if code.is_empty() {
                return Err(Error::MissingContract { contract, address });
            }
        }
        Ok(())
    }
}

/// The artifacts of the nine suite contracts, in [`SUITE_CONTRACTS`] order.
pub fn suite_artifacts() -> Result<Vec<&'static Artifact>> {
    SUITE_CONTRACTS.iter().map(|n| artifact(n).map_err(Error::from)).collect()
}

/// The result of [`deploy_suite`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteDeployment {
    /// The CREATE2 deployer used.
    pub deployer: Address,
    /// Where each contract lives.
    pub addresses: SuiteAddresses,
    /// What happened to each contract (deployed now, or already present).
    pub deployments: Vec<Deployment>,
}

/// Deploys coffer's suite deterministically (CREATE2 with [`SUITE_SALT`]) through the Safe
/// Singleton Factory when the chain has it, else Arachnid's proxy, sending from `from` (an
/// account the provider signs for). Idempotent: contracts already present with the expected code
/// are skipped; other code at an address is [`Error::CodeMismatch`].
pub async fn deploy_suite<P: Provider>(provider: &P, from: Address) -> Result<SuiteDeployment> {
    let deployer = find_deployer(provider).await?;
    deploy_suite_with(provider, from, deployer, SUITE_SALT).await
}

/// [`deploy_suite`] with an explicit deployer and salt.
pub async fn deploy_suite_with<P: Provider>(
    provider: &P,
    from: Address,
    deployer: Address,
    salt: B256,
) -> Result<SuiteDeployment> {
    crate::evm::require_push0(provider, "deploying coffer's suite").await?;
    let artifacts = suite_artifacts()?;
    let deployments = deploy_artifacts(provider, from, deployer, salt, &artifacts).await?;
    let addresses = SuiteAddresses::from_fn(|name| {
        deployments
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.address)
            .ok_or(Error::MissingContract { contract: name, address: Address::ZERO })
    })?;
    Ok(SuiteDeployment { deployer, addresses, deployments })
}
