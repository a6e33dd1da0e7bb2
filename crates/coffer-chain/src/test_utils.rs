//! Test helpers (feature `test-utils`): a real anvil, both Safe suites, test Safes and tokens.
//!
//! Add to a crate's tests with
//! `coffer-chain = { workspace = true, features = ["test-utils"] }` under `[dev-dependencies]`.
//!
//! - [`TestChain::spawn`] starts anvil (`$COFFER_ANVIL`, else `.tools/bin/anvil` from
//!   `script/bootstrap`) with a 100M block gas limit and the Safe Singleton Factory planted at
//!   its canonical address, and gives an HTTP provider that signs for the ten funded dev
//!   accounts ([`TestChain::signer`], [`TestChain::address`]). Account 0 is the deployer and,
//!   by convention, the executor; test Safes are owned by accounts 1, 2, ...
//! - [`TestChain::deploy_suite`] deploys one [`Implementation`]: coffer's suite from the
//!   committed artifacts, or the canonical Safe 1.4.1 bytecode from npm
//!   `@safe-global/safe-contracts@1.4.1` (read at run time from `.tools/node_modules`, never
//!   committed), which lands at the real canonical addresses with the real code hashes.
//! - [`TestChain::create_test_safe`] makes an N-owner Safe ([`TestSafe`]) that can sign and
//!   execute; [`TestChain::deploy_test_token`] deploys an OpenZeppelin ERC-20 whose supply
//!   belongs to account 0 ([`TestChain::deploy_coffer_test_token`]: coffer's `TestToken`);
//!   [`TestChain::deploy_test_guard`] coffer's `TestGuard`.
//!
//! Scenarios that must hold on both implementations take an [`Implementation`] and are run
//! once per [`Implementation::ALL`] entry.
//!
//! Anvil is killed when the [`TestChain`] is dropped.

use crate::{
    Error, ExecutionReport, ExecutionRequest, Result, SafeConfig, SuiteAddresses, create_safe,
    deploy::{ARACHNID_DEPLOYER, SAFE_SINGLETON_FACTORY, deploy_artifacts},
    deploy_suite, execute,
};
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256, keccak256, uint},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use coffer_contracts::{Artifact, canonical_by_code_hash};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext, SafeVersion};
use std::path::{Path, PathBuf};

/// The block gas limit test chains run with: room for a 1,000-transfer batch (~27M gas) in one
/// transaction (anvil does not enforce the EIP-7825 per-transaction cap unless asked).
pub const TEST_BLOCK_GAS_LIMIT: u64 = 100_000_000;
/// What [`TestChain::deploy_coffer_test_token`] mints to account 0: 10^9 tokens of 18 decimals.
pub const TEST_TOKEN_SUPPLY: U256 = uint!(1_000_000_000_000_000_000_000_000_000_U256);
/// One ether in wei.
pub const ETHER: U256 = uint!(1_000_000_000_000_000_000_U256);

/// Which Safe suite a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Implementation {
    /// coffer's own suite, from the committed artifacts.
    Coffer,
    /// The canonical Safe 1.4.1 bytecode from npm `@safe-global/safe-contracts@1.4.1`.
    Canonical141,
    /// The canonical Safe 1.3.0 bytecode from npm `@gnosis.pm/safe-contracts@1.3.0`, deployed
    /// through Arachnid's proxy as Safe deployed it (its canonical addresses).
    Canonical130,
    /// The canonical Safe 1.5.0 bytecode from npm `@safe-global/safe-smart-account@1.5.0`.
    Canonical150,
}

impl Implementation {
    /// Both implementations: run every differential scenario once per entry.
    pub const ALL: [Self; 2] = [Self::Coffer, Self::Canonical141];

    /// A short name for test output (`"coffer"`, `"canonical-1.4.1"`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Coffer => "coffer",
            Self::Canonical141 => "canonical-1.4.1",
            Self::Canonical130 => "canonical-1.3.0",
            Self::Canonical150 => "canonical-1.5.0",
        }
    }

    /// The canonical release, `None` for coffer's suite.
    pub const fn canonical_version(self) -> Option<SafeVersion> {
        match self {
            Self::Coffer => None,
            Self::Canonical130 => Some(SafeVersion::V1_3_0),
            Self::Canonical141 => Some(SafeVersion::V1_4_1),
            Self::Canonical150 => Some(SafeVersion::V1_5_0),
        }
    }
}

impl core::fmt::Display for Implementation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

fn setup_err(msg: impl Into<String>) -> Error {
    Error::TestSetup(msg.into())
}

/// The repository root (where `.tools/` lives).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The anvil executable: `$COFFER_ANVIL`, else `<repo>/.tools/bin/anvil`. Missing: an error
/// that says to run `script/bootstrap`.
pub fn anvil_path() -> Result<PathBuf> {
    let path = std::env::var_os("COFFER_ANVIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/bin/anvil"));
    if !path.is_file() {
        return Err(setup_err(format!(
            "anvil not found at {}: run script/bootstrap (it installs the pinned anvil into .tools/bin), or set COFFER_ANVIL to an anvil executable",
            path.display()
        )));
    }
    Ok(path)
}

/// Where the canonical Safe 1.4.1 build artifacts are: `$COFFER_SAFE_ARTIFACTS`, else
/// `<repo>/.tools/node_modules/@safe-global/safe-contracts/build/artifacts/contracts`.
pub fn canonical_artifacts_dir() -> PathBuf {
    std::env::var_os("COFFER_SAFE_ARTIFACTS").map(PathBuf::from).unwrap_or_else(|| {
        repo_root()
            .join(".tools/node_modules/@safe-global/safe-contracts/build/artifacts/contracts")
    })
}

fn find_json(dir: &Path, file: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            subdirs.push(path);
        } else if path.file_name().is_some_and(|n| n == file) {
            return Some(path);
        }
    }
    subdirs.sort();
    subdirs.iter().find_map(|d| find_json(d, file))
}

/// Loads the canonical Safe 1.4.1 artifact `<name>.json` (hardhat format: `bytecode`,
/// `deployedBytecode`, `abi`) from [`canonical_artifacts_dir`]. Besides the suite it holds
/// Safe's own test contracts (`ERC20Token`, `DebugTransactionGuard`, ...).
pub fn canonical_artifact(name: &str) -> Result<Artifact> {
    load_artifact(&canonical_artifacts_dir(), "@safe-global/safe-contracts@1.4.1", name)
}

/// The npm package holding the canonical artifacts of `version` (1.3.0, 1.4.1, 1.5.0), and the
/// directory (below `.tools/node_modules`) of its hardhat artifacts.
fn canonical_package(version: SafeVersion) -> Option<(&'static str, &'static str)> {
    match version {
        SafeVersion::V1_3_0 => Some((
            "@gnosis.pm/safe-contracts@1.3.0",
            "@gnosis.pm/safe-contracts/build/artifacts/contracts",
        )),
        SafeVersion::V1_4_1 => Some((
            "@safe-global/safe-contracts@1.4.1",
            "@safe-global/safe-contracts/build/artifacts/contracts",
        )),
        SafeVersion::V1_5_0 => Some((
            "@safe-global/safe-smart-account@1.5.0",
            "@safe-global/safe-smart-account/build/artifacts/contracts",
        )),
        _ => None,
    }
}

/// Loads the canonical artifact of suite contract `name` (a [`crate::SUITE_CONTRACTS`] name;
/// 1.3.0's own names, `GnosisSafe`, `GnosisSafeL2`, `GnosisSafeProxyFactory`, are mapped) of
/// release `version` (1.3.0 from npm `@gnosis.pm/safe-contracts@1.3.0`, 1.4.1 from
/// `@safe-global/safe-contracts@1.4.1`, 1.5.0 from `@safe-global/safe-smart-account@1.5.0`),
/// read at run time from `.tools/node_modules`.
pub fn canonical_artifact_of(version: SafeVersion, name: &str) -> Result<Artifact> {
    if version == SafeVersion::V1_4_1 {
        return canonical_artifact(name);
    }
    let (package, dir) = canonical_package(version)
        .ok_or_else(|| setup_err(format!("no canonical artifacts for Safe {version}")))?;
    let file = match (version, name) {
        (SafeVersion::V1_3_0, "Safe") => "GnosisSafe",
        (SafeVersion::V1_3_0, "SafeL2") => "GnosisSafeL2",
        (SafeVersion::V1_3_0, "SafeProxyFactory") => "GnosisSafeProxyFactory",
        _ => name,
    };
    load_artifact(&repo_root().join(".tools/node_modules").join(dir), package, file)
}

fn load_artifact(dir: &Path, package: &str, name: &str) -> Result<Artifact> {
    let path = find_json(dir, &format!("{name}.json")).ok_or_else(|| {
        setup_err(format!(
            "canonical Safe artifact {name}.json not found below {}: run script/bootstrap (it installs {package} into .tools)",
            dir.display()
        ))
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| setup_err(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| setup_err(format!("{}: {e}", path.display())))
}

/// The one canonical contract whose npm artifact is not the deployed bytecode: npm
/// `@gnosis.pm/safe-contracts@1.3.0`'s `SignMessageLib` has runtime code hash
/// `0x04f321a6…`, not the canonical deployment's `0x3ac65dea…`, so its CREATE2 address is not
/// the canonical one. [`TestChain::deploy_canonical`] leaves that address empty (a Safe 1.3.0 on
/// such a chain has no SignMessageLib, which coffer then reports by release and address).
const NOT_IN_NPM: (SafeVersion, &str) = (SafeVersion::V1_3_0, "SignMessageLib");

/// Options for [`TestChain`]; start from [`TestChain::builder`].
#[derive(Clone, Debug)]
pub struct TestChainBuilder {
    block_gas_limit: u64,
    singleton_factory: bool,
    args: Vec<String>,
}

impl TestChainBuilder {
    /// The block gas limit (default [`TEST_BLOCK_GAS_LIMIT`]).
    pub fn block_gas_limit(mut self, gas: u64) -> Self {
        self.block_gas_limit = gas;
        self
    }

    /// Whether to plant the Safe Singleton Factory (default yes). Without it, coffer's suite
    /// deploys through Arachnid's proxy and lands at other addresses; the canonical suite
    /// cannot be deployed.
    pub fn singleton_factory(mut self, yes: bool) -> Self {
        self.singleton_factory = yes;
        self
    }

    /// An extra anvil argument (e.g. `--hardfork`, `osaka`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts anvil and connects.
    pub async fn spawn(self) -> Result<TestChain> {
        let anvil = Anvil::new()
            .path(anvil_path()?)
            .arg("--gas-limit")
            .arg(self.block_gas_limit.to_string())
            .args(self.args)
            .try_spawn()
            .map_err(|e| setup_err(format!("starting anvil failed: {e}")))?;
        let signers: Vec<PrivateKeySigner> =
            anvil.keys().iter().map(|k| PrivateKeySigner::from(k.clone())).collect();
        let first =
            signers.first().cloned().ok_or_else(|| setup_err("anvil reported no dev accounts"))?;
        let mut wallet = EthereumWallet::new(first);
        for s in signers.iter().skip(1) {
            wallet.register_signer(s.clone());
        }
        let provider =
            ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint_url()).erased();
        let chain_id = provider.get_chain_id().await.map_err(Error::rpc)?;
        let chain = TestChain { anvil, provider, signers, chain_id };
        if self.singleton_factory {
            chain.plant_singleton_factory().await?;
        }
        Ok(chain)
    }
}

/// A running anvil with funded dev accounts and a provider that signs for all of them.
pub struct TestChain {
    anvil: AnvilInstance,
    provider: DynProvider,
    signers: Vec<PrivateKeySigner>,
    chain_id: u64,
}

impl core::fmt::Debug for TestChain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestChain")
            .field("endpoint", &self.anvil.endpoint())
            .field("chain_id", &self.chain_id)
            .finish_non_exhaustive()
    }
}

impl TestChain {
    /// Default options: 100M block gas limit, Safe Singleton Factory planted.
    pub fn builder() -> TestChainBuilder {
        TestChainBuilder {
            block_gas_limit: TEST_BLOCK_GAS_LIMIT,
            singleton_factory: true,
            args: Vec::new(),
        }
    }

    /// Starts anvil with the default options.
    pub async fn spawn() -> Result<Self> {
        Self::builder().spawn().await
    }

    /// The provider (signs for every dev account; pick one with `from`).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The HTTP endpoint, for tools that connect themselves (the `coffer` binary, node scripts).
    pub fn endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    /// The chain id (31337).
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// All dev accounts' signers (ten, each funded with 10,000 ETH).
    pub fn signers(&self) -> &[PrivateKeySigner] {
        &self.signers
    }

    /// Dev account `i`'s signer. Panics if `i` is out of range (a test bug).
    #[allow(clippy::panic)]
    pub fn signer(&self, i: usize) -> &PrivateKeySigner {
        self.signers.get(i).unwrap_or_else(|| {
            panic!("anvil has {} dev accounts, not {}", self.signers.len(), i + 1)
        })
    }

    /// Dev account `i`'s address.
    pub fn address(&self, i: usize) -> Address {
        self.signer(i).address()
    }

    /// Account 0: the deployer and default executor.
    pub fn deployer(&self) -> Address {
        self.address(0)
    }

    async fn send(
        &self,
        request: TransactionRequest,
    ) -> Result<alloy::rpc::types::TransactionReceipt> {
        let receipt = crate::send::send_and_confirm(&self.provider, request).await?;
        Ok(receipt)
    }

    /// Puts Arachnid's deployer code at the Safe Singleton Factory address (the two contracts
    /// have the same calldata interface: `salt ‖ init code`), as most real chains have it.
    async fn plant_singleton_factory(&self) -> Result<()> {
        let code = self.provider.get_code_at(ARACHNID_DEPLOYER).await.map_err(Error::rpc)?;
        if code.is_empty() {
            return Err(setup_err("anvil has no Arachnid deployer to copy"));
        }
        self.set_code(SAFE_SINGLETON_FACTORY, code).await
    }

    /// `anvil_setCode`.
    pub async fn set_code(&self, address: Address, code: Bytes) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>("anvil_setCode".into(), (address, code))
            .await
            .map_err(Error::rpc)?;
        Ok(())
    }

    /// `anvil_setStorageAt`: writes `value` to `slot` of `address`.
    pub async fn set_storage(&self, address: Address, slot: B256, value: B256) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>(
                "anvil_setStorageAt".into(),
                (address, slot, value),
            )
            .await
            .map_err(Error::rpc)?;
        Ok(())
    }

    /// `eth_call`s `request` and returns its decoded revert reason (a GS code reads `"GS013"`;
    /// see [`crate::revert_reason`]), or `None` if it does not revert. Other RPC errors are
    /// errors.
    pub async fn revert_reason(&self, request: TransactionRequest) -> Result<Option<String>> {
        match self.provider.call(request).await {
            Ok(_) => Ok(None),
            Err(e) => match e.as_error_resp().and_then(|p| p.as_revert_data()) {
                Some(data) => Ok(Some(crate::revert_reason(&data))),
                None => Err(Error::rpc(e)),
            },
        }
    }

    /// Sends `request` and waits for its receipt; a revert is [`Error::Reverted`].
    pub async fn send_tx(
        &self,
        request: TransactionRequest,
    ) -> Result<alloy::rpc::types::TransactionReceipt> {
        self.send(request).await
    }

    /// Sends `wei` from account 0 to `to`.
    pub async fn fund(&self, to: Address, wei: U256) -> Result<()> {
        let tx =
            TransactionRequest::default().with_from(self.deployer()).with_to(to).with_value(wei);
        self.send(tx).await.map(drop)
    }

    /// Deploys `artifact`'s creation code followed by `constructor_args` (ABI-encoded) with a
    /// plain CREATE from account 0.
    pub async fn deploy_contract(
        &self,
        artifact: &Artifact,
        constructor_args: &[u8],
    ) -> Result<Address> {
        let mut code = artifact.bytecode.to_vec();
        code.extend_from_slice(constructor_args);
        let tx = TransactionRequest::default().with_from(self.deployer()).with_deploy_code(code);
        let receipt = self.send(tx).await?;
        receipt.contract_address.ok_or_else(|| {
            setup_err(format!("deploying {} gave no contract address", artifact.contract_name))
        })
    }

    /// Deploys `implementation`'s suite and returns its addresses.
    ///
    /// - [`Implementation::Coffer`]: [`deploy_suite`] from the committed artifacts.
    /// - [`Implementation::Canonical141`]: the npm 1.4.1 bytecode through the Safe Singleton
    ///   Factory with salt 0, exactly as Safe deployed it, so the addresses and code hashes are
    ///   the canonical ones ([`SuiteAddresses::canonical`]); both are checked.
    ///
    /// Idempotent.
    pub async fn deploy_suite(&self, implementation: Implementation) -> Result<SuiteAddresses> {
        match implementation {
            Implementation::Coffer => {
                Ok(deploy_suite(&self.provider, self.deployer()).await?.addresses)
            }
            Implementation::Canonical130 => self.deploy_canonical(SafeVersion::V1_3_0).await,
            Implementation::Canonical141 => self.deploy_canonical(SafeVersion::V1_4_1).await,
            Implementation::Canonical150 => self.deploy_canonical(SafeVersion::V1_5_0).await,
        }
    }

    /// Deploys the canonical Safe `version` (1.3.0, 1.4.1 or 1.5.0) from its npm artifacts with
    /// salt 0 through the deployer Safe used for that release (Arachnid's proxy for 1.3.0, the
    /// Safe Singleton Factory after), so that every contract lands at its canonical address;
    /// each address's code hash is then checked against the canonical one. Idempotent.
    pub async fn deploy_canonical(&self, version: SafeVersion) -> Result<SuiteAddresses> {
        let expected = SuiteAddresses::canonical(version)
            .ok_or_else(|| setup_err(format!("no canonical {version} addresses")))?;
        let deployer =
            if version == SafeVersion::V1_3_0 { ARACHNID_DEPLOYER } else { SAFE_SINGLETON_FACTORY };
        if self.provider.get_code_at(deployer).await.map_err(Error::rpc)?.is_empty() {
            return Err(setup_err(format!(
                "the canonical {version} suite needs the deployer {deployer}; build the TestChain with singleton_factory(true)"
            )));
        }
        let mut missing = Vec::new();
        for (name, address) in expected.entries() {
            if (version, name) == NOT_IN_NPM {
                continue;
            }
            if self.provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty() {
                missing.push(canonical_artifact_of(version, name)?);
            }
        }
        let refs: Vec<&Artifact> = missing.iter().collect();
        deploy_artifacts(&self.provider, self.deployer(), deployer, B256::ZERO, &refs).await?;
        let package = canonical_package(version).map_or("", |p| p.0);
        for (name, address) in expected.entries() {
            if (version, name) == NOT_IN_NPM {
                continue;
            }
            let code = self.provider.get_code_at(address).await.map_err(Error::rpc)?;
            let hash = keccak256(&code);
            match canonical_by_code_hash(hash) {
                Some(d) if d.version == version.as_str() && d.address == address => {}
                _ => {
                    return Err(setup_err(format!(
                        "canonical {name} at {address} has code hash {hash}, not the canonical {version} one: is .tools holding {package}?"
                    )));
                }
            }
        }
        Ok(expected)
    }

    /// Deploys a test ERC-20 from account 0, which holds its whole supply (10^9 tokens of 18
    /// decimals): the OpenZeppelin-based `ERC20Token` of `@safe-global/safe-contracts@1.4.1`'s
    /// test contracts, an ordinary ERC-20 (insufficient balance reverts with
    /// `"ERC20: transfer amount exceeds balance"`), the same whichever [`Implementation`] is
    /// under test. Gas figures compare against canonical numbers measured with this token.
    pub async fn deploy_test_token(&self) -> Result<Address> {
        self.deploy_contract(&canonical_artifact("ERC20Token")?, &[]).await
    }

    /// Deploys coffer's own `TestToken` (`contracts/src/test/TestToken.sol`: an 18-decimal
    /// ERC-20 with an open `mint`; insufficient balance reverts with
    /// `"TestToken: insufficient balance"`) and mints [`TEST_TOKEN_SUPPLY`] to account 0.
    pub async fn deploy_coffer_test_token(&self) -> Result<Address> {
        let token = self.deploy_contract(coffer_contracts::artifact("TestToken")?, &[]).await?;
        let mint = coffer_contracts::bindings::TestToken::mintCall {
            to: self.deployer(),
            amount: TEST_TOKEN_SUPPLY,
        };
        let tx = TransactionRequest::default()
            .with_from(self.deployer())
            .with_to(token)
            .with_input(mint.abi_encode());
        self.send(tx).await?;
        Ok(token)
    }

    /// Deploys coffer's `TestGuard` (`contracts/src/test/TestGuard.sol`): a transaction guard
    /// that supports the guard interface via ERC-165 (so `setGuard` accepts it), emits an event
    /// from each hook, and can be configured to revert.
    pub async fn deploy_test_guard(&self) -> Result<Address> {
        self.deploy_contract(coffer_contracts::artifact("TestGuard")?, &[]).await
    }

    /// Sends `amount` of `token` from account 0 to `to`.
    pub async fn transfer_token(&self, token: Address, to: Address, amount: U256) -> Result<()> {
        let data = coffer_core::erc20_transfer_calldata(to, amount);
        let tx = TransactionRequest::default()
            .with_from(self.deployer())
            .with_to(token)
            .with_input(data);
        self.send(tx).await.map(drop)
    }

    /// Creates a `threshold`-of-`owners` Safe owned by the dev accounts `owners` (indices),
    /// with the suite's defaults (SafeL2 off mainnet, the suite's fallback handler), through the
    /// suite's factory, sent from account 0. `salt_nonce` tells apart Safes with the same
    /// owners.
    pub async fn create_safe_with(
        &self,
        suite: &SuiteAddresses,
        owners: &[usize],
        threshold: u64,
        salt_nonce: u64,
    ) -> Result<TestSafe> {
        let signers: Vec<PrivateKeySigner> =
            owners.iter().map(|i| self.signer(*i).clone()).collect();
        let config = SafeConfig::new(signers.iter().map(|s| s.address()).collect(), threshold)
            .with_salt_nonce(U256::from(salt_nonce));
        let created = create_safe(&self.provider, self.deployer(), suite, &config).await?;
        let ctx = created.info.context()?;
        Ok(TestSafe {
            address: created.plan.address,
            ctx,
            owners: signers,
            threshold,
            suite: *suite,
        })
    }

    /// Creates a `threshold`-of-`n_owners` Safe owned by dev accounts `1..=n_owners` (account 0,
    /// the executor, is not an owner).
    pub async fn create_test_safe(
        &self,
        suite: &SuiteAddresses,
        n_owners: usize,
        threshold: u64,
    ) -> Result<TestSafe> {
        let owners: Vec<usize> = (1..=n_owners).collect();
        self.create_safe_with(suite, &owners, threshold, 0).await
    }
}

/// A Safe created for a test, with its owners' keys.
#[derive(Clone, Debug)]
pub struct TestSafe {
    /// The Safe's address.
    pub address: Address,
    /// Its hashing context (chain, address, version).
    pub ctx: SafeTxContext,
    /// Its owners' signers, in `setup` order.
    pub owners: Vec<PrivateKeySigner>,
    /// Its threshold at creation.
    pub threshold: u64,
    /// The suite it was created from.
    pub suite: SuiteAddresses,
}

impl TestSafe {
    /// Owner `i`'s EIP-712 signature of `tx`, checked to recover to the owner.
    pub fn sign(&self, tx: &SafeTx, i: usize) -> Result<SafeSignature> {
        let signer =
            self.owners.get(i).ok_or_else(|| setup_err(format!("the Safe has no owner #{i}")))?;
        sign_hash(signer, tx.safe_tx_hash(&self.ctx))
    }

    /// The EIP-712 signatures of `tx` by the owners at `indices`.
    pub fn sign_by(&self, tx: &SafeTx, indices: &[usize]) -> Result<Vec<SafeSignature>> {
        indices.iter().map(|i| self.sign(tx, *i)).collect()
    }

    /// An [`ExecutionRequest`] for `tx` with the signatures of the owners at `indices` and the
    /// suite's SimulateTxAccessor.
    pub fn request(&self, tx: &SafeTx, indices: &[usize]) -> Result<ExecutionRequest> {
        Ok(ExecutionRequest::new(self.ctx, tx.clone(), self.sign_by(tx, indices)?)
            .with_accessor(self.suite.simulate_tx_accessor))
    }

    /// Signs `tx` by the owners at `indices` and executes it from `executor`.
    pub async fn execute<P: Provider>(
        &self,
        provider: &P,
        tx: &SafeTx,
        indices: &[usize],
        executor: Address,
    ) -> Result<ExecutionReport> {
        execute(provider, &self.request(tx, indices)?, executor).await
    }
}

/// `signer`'s EIP-712 (v = 27/28) signature of the 32-byte `hash`, as a [`SafeSignature`].
pub fn sign_hash(signer: &PrivateKeySigner, hash: B256) -> Result<SafeSignature> {
    let sig =
        signer.sign_hash_sync(&hash).map_err(|e| setup_err(format!("signing failed: {e}")))?;
    let safe_sig = SafeSignature::from_eip712_rsv(hash, sig)?;
    if safe_sig.owner != signer.address() {
        return Err(setup_err("a test signature recovered to the wrong address"));
    }
    Ok(safe_sig)
}

/// Where the Zodiac npm package's bytecode is: `$COFFER_ZODIAC_INIT_DATA`, else
/// `<repo>/.tools/node_modules/@gnosis.pm/zodiac/dist/cjs/initData` (npm `@gnosis.pm/zodiac@4.0.3`,
/// installed by `script/bootstrap`, never committed).
pub fn zodiac_init_data_dir() -> PathBuf {
    std::env::var_os("COFFER_ZODIAC_INIT_DATA").map(PathBuf::from).unwrap_or_else(|| {
        repo_root().join(".tools/node_modules/@gnosis.pm/zodiac/dist/cjs/initData")
    })
}

/// The `initCode` the Zodiac npm package ships for `name` (`"Delay"`, `"ModuleProxyFactory"`):
/// the exact creation code (constructor arguments included) of the canonical master copy.
pub fn zodiac_init_code(name: &str) -> Result<Bytes> {
    let path = zodiac_init_data_dir().join(format!("{name}.js"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        setup_err(format!(
            "{}: {e}; run script/bootstrap (it installs @gnosis.pm/zodiac@4.0.3 into .tools)",
            path.display()
        ))
    })?;
    let start = text
        .find("initCode = \"")
        .ok_or_else(|| setup_err(format!("no initCode in {}", path.display())))?
        + "initCode = \"".len();
    let end = text[start..]
        .find('"')
        .ok_or_else(|| setup_err(format!("unterminated initCode in {}", path.display())))?;
    text[start..start + end]
        .parse()
        .map_err(|e| setup_err(format!("initCode of {}: {e}", path.display())))
}

impl TestChain {
    /// Deploys the canonical Zodiac Delay 1.0.1 master copy and ModuleProxyFactory 1.2.0 from npm
    /// `@gnosis.pm/zodiac@4.0.3`'s creation code (a plain CREATE from account 0), then copies the
    /// runtime code to their canonical addresses ([`crate::delay::ZODIAC_DELAY_101_MASTERCOPY`],
    /// [`crate::delay::ZODIAC_MODULE_PROXY_FACTORY`]): anvil has no EIP-2470 factory to deploy
    /// them there as Zodiac did. Neither contract has immutables, so the copies behave exactly
    /// as the canonical deployments (the master copy is only ever delegatecalled by proxies).
    /// Returns (factory, master copy).
    pub async fn deploy_zodiac(&self) -> Result<(Address, Address)> {
        use crate::delay::{ZODIAC_DELAY_101_MASTERCOPY, ZODIAC_MODULE_PROXY_FACTORY};
        for (name, at) in [
            ("Delay", ZODIAC_DELAY_101_MASTERCOPY),
            ("ModuleProxyFactory", ZODIAC_MODULE_PROXY_FACTORY),
        ] {
            let init = zodiac_init_code(name)?;
            let tx =
                TransactionRequest::default().with_from(self.deployer()).with_deploy_code(init);
            let receipt = self.send(tx).await?;
            let deployed = receipt
                .contract_address
                .ok_or_else(|| setup_err(format!("deploying Zodiac {name} gave no address")))?;
            let code = self.provider.get_code_at(deployed).await.map_err(Error::rpc)?;
            self.set_code(at, code).await?;
        }
        Ok((ZODIAC_MODULE_PROXY_FACTORY, ZODIAC_DELAY_101_MASTERCOPY))
    }

    /// `evm_increaseTime(seconds)` then `evm_mine`.
    pub async fn advance_time(&self, seconds: u64) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (seconds,))
            .await
            .map_err(Error::rpc)?;
        self.mine().await
    }

    /// `evm_setNextBlockTimestamp(ts)` then `evm_mine`: the next block has exactly `ts`.
    pub async fn mine_at(&self, ts: u64) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>("evm_setNextBlockTimestamp".into(), (ts,))
            .await
            .map_err(Error::rpc)?;
        self.mine().await
    }

    /// `evm_setNextBlockTimestamp(ts)` only: the next transaction's block gets `ts`.
    pub async fn set_next_timestamp(&self, ts: u64) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>("evm_setNextBlockTimestamp".into(), (ts,))
            .await
            .map_err(Error::rpc)?;
        Ok(())
    }

    /// `evm_mine`.
    pub async fn mine(&self) -> Result<()> {
        self.provider
            .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
            .await
            .map_err(Error::rpc)?;
        Ok(())
    }

    /// The latest block's timestamp.
    pub async fn now(&self) -> Result<u64> {
        let b = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(Error::rpc)?
            .ok_or_else(|| setup_err("no latest block"))?;
        Ok(b.header.timestamp)
    }
}
