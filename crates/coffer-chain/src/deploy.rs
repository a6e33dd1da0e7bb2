//! Deterministic deployment of coffer's contracts with CREATE2.
//!
//! Both supported deployers take calldata `salt (32 bytes) ‖ init code` and create the contract at
//! `CREATE2(deployer, salt, keccak256(init code))`, so every chain that has the deployer gets the
//! same addresses for the same bytecode.

use crate::{
    Error, Result,
    once::{Earlier, NoLog, SendLog, Step, creation_purpose, send_new},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, address, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use coffer_contracts::Artifact;

/// The Safe Singleton Factory, used when present.
pub const SAFE_SINGLETON_FACTORY: Address = address!("914d7Fec6aaC8cd542e72Bca78B30650d45643d7");
/// Arachnid's deterministic deployment proxy (present on anvil), used otherwise.
pub const ARACHNID_DEPLOYER: Address = address!("4e59b44847b379578588920ca78fbf26c0b4956c");
/// The CREATE2 salt coffer deploys its suite with.
pub const SUITE_SALT: B256 = B256::ZERO;

/// What happened to one contract during [`deploy_artifacts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployStatus {
    /// It was deployed by this call.
    Deployed,
    /// The expected code was already there; nothing was sent.
    AlreadyPresent,
    /// It was deployed by a transaction an earlier run of the same command sent (found in the send journal by
    /// its hash, mined or waited for); nothing new was sent.
    DeployedEarlier,
}

/// One contract's deterministic deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The contract name.
    pub name: String,
    /// Its address.
    pub address: Address,
    /// Whether this call deployed it.
    pub status: DeployStatus,
}

/// Picks the CREATE2 deployer: the Safe Singleton Factory when it has code, else Arachnid's proxy.
pub async fn find_deployer<P: Provider>(provider: &P) -> Result<Address> {
    for candidate in [SAFE_SINGLETON_FACTORY, ARACHNID_DEPLOYER] {
        let code = provider.get_code_at(candidate).await.map_err(Error::rpc)?;
        if !code.is_empty() {
            return Ok(candidate);
        }
    }
    Err(Error::NoDeployer)
}

/// The address `init_code` gets when deployed through `deployer` with `salt`.
pub fn create2_address(deployer: Address, salt: B256, init_code: &[u8]) -> Address {
    deployer.create2(salt, keccak256(init_code))
}

/// Whether `code` is `artifact`'s runtime code, ignoring the bytes of its immutables (their values
/// are set at construction, e.g. to the contract's own address).
pub fn code_matches(artifact: &Artifact, code: &[u8]) -> bool {
    let expected = artifact.deployed_bytecode.as_ref();
    if code.len() != expected.len() {
        return false;
    }
    let mut masked = vec![false; code.len()];
    if let Some(refs) = artifact.immutable_references.as_object() {
        for offsets in refs.values().filter_map(|v| v.as_array()) {
            for o in offsets {
                let start = o.get("start").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
                let len = o.get("length").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
                for m in masked.iter_mut().skip(start).take(len) {
                    *m = true;
                }
            }
        }
    }
    code.iter().zip(expected).zip(&masked).all(|((a, b), m)| *m || a == b)
}

/// Deploys each artifact's creation code through `deployer` with `salt`, sending from `from`
/// (an account the provider can sign for). Idempotent: a contract whose code is already at its
/// address is skipped, and different code there is [`Error::CodeMismatch`].
pub async fn deploy_artifacts<P: Provider>(
    provider: &P,
    from: Address,
    deployer: Address,
    salt: B256,
    artifacts: &[&Artifact],
) -> Result<Vec<Deployment>> {
    deploy_artifacts_logged(provider, &NoLog, from, deployer, salt, artifacts).await
}

/// [`deploy_artifacts`] through a send journal ([`deploy_init_code_logged`] for each).
pub async fn deploy_artifacts_logged<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    from: Address,
    deployer: Address,
    salt: B256,
    artifacts: &[&Artifact],
) -> Result<Vec<Deployment>> {
    let mut out = Vec::with_capacity(artifacts.len());
    for artifact in artifacts {
        out.push(
            deploy_init_code_logged(
                provider,
                log,
                from,
                deployer,
                salt,
                artifact,
                &artifact.bytecode,
            )
            .await?,
        );
    }
    Ok(out)
}

/// Deploys `init_code` (`artifact`'s creation code, followed by its ABI-encoded constructor
/// arguments if it has any) through `deployer` with `salt`, sending from `from`. Idempotent like
/// [`deploy_artifacts`]: code already at the address is checked against `artifact`'s runtime
/// code (immutables masked) and skipped, different code there is [`Error::CodeMismatch`].
pub async fn deploy_init_code<P: Provider>(
    provider: &P,
    from: Address,
    deployer: Address,
    salt: B256,
    artifact: &Artifact,
    init_code: &[u8],
) -> Result<Deployment> {
    deploy_init_code_logged(provider, &NoLog, from, deployer, salt, artifact, init_code).await
}

/// [`deploy_init_code`] through a send journal: a deployment transaction an earlier run recorded for the
/// address (mined, or still waiting in the node) is found by its hash and waited for instead of sending a
/// new one ([`DeployStatus::DeployedEarlier`]); a new one is recorded before its broadcast (`crate::once`).
pub async fn deploy_init_code_logged<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    from: Address,
    deployer: Address,
    salt: B256,
    artifact: &Artifact,
    init_code: &[u8],
) -> Result<Deployment> {
    let address = create2_address(deployer, salt, init_code);
    let purpose = creation_purpose(address);
    let earlier = log.earlier(provider, &purpose).await?;
    let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
    let found = earlier.receipt().is_some_and(|r| r.status()) && !code.is_empty();
    if earlier != Earlier::Nothing {
        log.settle(&purpose)?;
    }
    let status = if code.is_empty() {
        let mut data = Vec::with_capacity(32 + init_code.len());
        data.extend_from_slice(salt.as_slice());
        data.extend_from_slice(init_code);
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(deployer)
            .with_input(Bytes::from(data));
        let receipt =
            send_new(provider, log, &purpose, tx).await?.get_receipt().await.map_err(Error::rpc)?;
        log.step(&purpose, Step::AfterReceipt);
        log.settle(&purpose)?;
        if !receipt.status() {
            return Err(Error::Reverted { tx: receipt.transaction_hash });
        }
        let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
        if code.is_empty() {
            return Err(Error::NotDeployed { contract: artifact.contract_name.clone(), address });
        }
        DeployStatus::Deployed
    } else if code_matches(artifact, &code) {
        if found { DeployStatus::DeployedEarlier } else { DeployStatus::AlreadyPresent }
    } else {
        return Err(Error::CodeMismatch {
            contract: artifact.contract_name.clone(),
            address,
            found: keccak256(&code),
        });
    };
    Ok(Deployment { name: artifact.contract_name.clone(), address, status })
}
