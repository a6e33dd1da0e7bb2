//! Predicting and creating Safes through the proxy factory.

use crate::{
    Error, Result, SuiteAddresses,
    once::{Earlier, Found, SendLog, Step, creation_purpose, send_new},
    read::{SENTINEL, SafeInfo, chain_id, read_safe},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use coffer_contracts::bindings::{ISafe, ISafeProxyFactory};

mod factory_l2 {
    #![allow(missing_docs, unreachable_pub)]
    alloy::sol! {
        /// SafeProxyFactory 1.5.0's L2 functions and their events (neither 1.3.0, 1.4.1 nor coffer's suite has
        /// them): the same proxy as `createProxyWithNonce` / `createChainSpecificProxyWithNonce`, and, besides
        /// `ProxyCreation`, an event carrying the initializer and salt nonce for indexers.
        #[sol(rpc)]
        interface ISafeProxyFactoryL2 {
            function createProxyWithNonceL2(address singleton, bytes memory initializer, uint256 saltNonce) external returns (address proxy);
            function createChainSpecificProxyWithNonceL2(address singleton, bytes memory initializer, uint256 saltNonce) external returns (address proxy);
            event ProxyCreationL2(address indexed proxy, address singleton, bytes initializer, uint256 saltNonce);
            event ChainSpecificProxyCreationL2(address indexed proxy, address singleton, bytes initializer, uint256 saltNonce, uint256 chainId);
        }
    }
}
pub use factory_l2::ISafeProxyFactoryL2;

/// Whether a Safe of `plan` is created through the factory's L2 function: the canonical 1.5.0 factory with its
/// SafeL2 singleton (what Safe{Wallet} does from 1.5.0).
pub fn uses_factory_l2(suite: &SuiteAddresses, plan: &SafePlan) -> bool {
    SuiteAddresses::canonical(coffer_core::SafeVersion::V1_5_0).is_some_and(|c| c == *suite)
        && plan.singleton == suite.safe_l2
}

/// How the proxy factory derives the CREATE2 salt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SaltScheme {
    /// `createProxyWithNonce`: `salt = keccak256(keccak256(initializer) ‖ saltNonce)`. The same
    /// owners, threshold and salt nonce give the same address on every chain.
    #[default]
    Plain,
    /// `createChainSpecificProxyWithNonce` (1.4.0+): the salt also hashes the chain id, so the
    /// address differs per chain.
    ChainSpecific,
}

/// Which singleton a new Safe delegates to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SingletonChoice {
    /// `Safe` on Ethereum mainnet, `SafeL2` on every other chain (what Safe{Wallet} does).
    #[default]
    Default,
    /// The `Safe` singleton (no extra events), wherever.
    Safe,
    /// The `SafeL2` singleton (extra events for indexers), wherever.
    SafeL2,
    /// Some other singleton address.
    Custom(Address),
}

/// What a new Safe should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeConfig {
    /// Owners, in the order `setup` stores them.
    pub owners: Vec<Address>,
    /// Signatures required (1..=owners).
    pub threshold: u64,
    /// The salt nonce: pick another one to get another address for the same owners.
    pub salt_nonce: U256,
    /// Plain or chain-specific salt.
    pub salt_scheme: SaltScheme,
    /// Which singleton.
    pub singleton: SingletonChoice,
    /// The fallback handler: `None` takes the suite's CompatibilityFallbackHandler; `Some(0)`
    /// sets none.
    pub fallback_handler: Option<Address>,
}

impl SafeConfig {
    /// `threshold`-of-`owners` with salt nonce 0, the plain salt, the default singleton and the
    /// suite's fallback handler.
    pub fn new(owners: Vec<Address>, threshold: u64) -> Self {
        Self {
            owners,
            threshold,
            salt_nonce: U256::ZERO,
            salt_scheme: SaltScheme::Plain,
            singleton: SingletonChoice::Default,
            fallback_handler: None,
        }
    }

    /// Sets the salt nonce.
    pub fn with_salt_nonce(mut self, salt_nonce: U256) -> Self {
        self.salt_nonce = salt_nonce;
        self
    }

    /// Sets the salt scheme.
    pub fn with_salt_scheme(mut self, scheme: SaltScheme) -> Self {
        self.salt_scheme = scheme;
        self
    }

    /// Sets the singleton choice.
    pub fn with_singleton(mut self, singleton: SingletonChoice) -> Self {
        self.singleton = singleton;
        self
    }

    /// Checks what `setup` would refuse: no owners, a zero/sentinel owner (GS203), a duplicate
    /// (GS204), a threshold of 0 (GS202) or above the owner count (GS201).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidSafeConfig(m));
        if self.owners.is_empty() {
            return bad("a Safe needs at least one owner".into());
        }
        for (i, o) in self.owners.iter().enumerate() {
            if *o == Address::ZERO || *o == SENTINEL {
                return bad(format!("owner #{} is {o}, which cannot be an owner (GS203)", i + 1));
            }
            if self.owners[..i].contains(o) {
                return bad(format!("owner {o} is listed twice (GS204)"));
            }
        }
        if self.threshold == 0 {
            return bad("the threshold must be at least 1 (GS202)".into());
        }
        if self.threshold > self.owners.len() as u64 {
            return bad(format!(
                "threshold {} exceeds the {} owners (GS201)",
                self.threshold,
                self.owners.len()
            ));
        }
        Ok(())
    }
}

/// The `setup(...)` calldata a new Safe is initialised with: the owners and threshold, no
/// setup call, `fallback_handler`, and no payment.
pub fn setup_calldata(owners: &[Address], threshold: u64, fallback_handler: Address) -> Bytes {
    ISafe::setupCall {
        owners: owners.to_vec(),
        threshold: U256::from(threshold),
        to: Address::ZERO,
        data: Bytes::new(),
        fallbackHandler: fallback_handler,
        paymentToken: Address::ZERO,
        payment: U256::ZERO,
        paymentReceiver: Address::ZERO,
    }
    .abi_encode()
    .into()
}

/// The factory's CREATE2 salt: `keccak256(keccak256(initializer) ‖ saltNonce)`, with
/// `‖ chainId` appended when `chain_id` is given (the chain-specific scheme).
pub fn proxy_salt(initializer: &[u8], salt_nonce: U256, chain_id: Option<u64>) -> B256 {
    let mut buf = Vec::with_capacity(96);
    buf.extend_from_slice(keccak256(initializer).as_slice());
    buf.extend_from_slice(&salt_nonce.to_be_bytes::<32>());
    if let Some(id) = chain_id {
        buf.extend_from_slice(&U256::from(id).to_be_bytes::<32>());
    }
    keccak256(buf)
}

/// The address of a proxy: `CREATE2(factory, salt, keccak256(proxyCreationCode ‖
/// uint256(singleton)))`.
pub fn proxy_address(
    factory: Address,
    proxy_creation_code: &[u8],
    singleton: Address,
    salt: B256,
) -> Address {
    let mut init = proxy_creation_code.to_vec();
    init.extend_from_slice(&[0u8; 12]);
    init.extend_from_slice(singleton.as_slice());
    factory.create2(salt, keccak256(init))
}

/// Everything about a Safe before it exists, from [`plan_safe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafePlan {
    /// The address it will have.
    pub address: Address,
    /// The factory that creates it.
    pub factory: Address,
    /// The singleton it delegates to.
    pub singleton: Address,
    /// The fallback handler it is set up with.
    pub fallback_handler: Address,
    /// The `setup` calldata.
    pub initializer: Bytes,
    /// The salt nonce.
    pub salt_nonce: U256,
    /// The salt scheme.
    pub salt_scheme: SaltScheme,
    /// The chain it was planned for.
    pub chain_id: u64,
}

/// Validates `config` and predicts the Safe's address, reading `proxyCreationCode()` from the
/// suite's factory.
pub async fn plan_safe<P: Provider>(
    provider: &P,
    suite: &SuiteAddresses,
    config: &SafeConfig,
) -> Result<SafePlan> {
    config.validate()?;
    let chain_id = chain_id(provider).await?;
    let singleton = match config.singleton {
        SingletonChoice::Default => suite.default_singleton(chain_id),
        SingletonChoice::Safe => suite.safe,
        SingletonChoice::SafeL2 => suite.safe_l2,
        SingletonChoice::Custom(a) => a,
    };
    for (contract, address) in [("singleton", singleton), ("SafeProxyFactory", suite.proxy_factory)]
    {
        if provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty() {
            return Err(Error::MissingContract { contract, address });
        }
    }
    let fallback_handler = config.fallback_handler.unwrap_or(suite.fallback_handler);
    let initializer = setup_calldata(&config.owners, config.threshold, fallback_handler);
    let creation_code = ISafeProxyFactory::new(suite.proxy_factory, provider)
        .proxyCreationCode()
        .call()
        .await
        .map_err(Error::rpc)?;
    let salt_chain = (config.salt_scheme == SaltScheme::ChainSpecific).then_some(chain_id);
    let salt = proxy_salt(&initializer, config.salt_nonce, salt_chain);
    Ok(SafePlan {
        address: proxy_address(suite.proxy_factory, &creation_code, singleton, salt),
        factory: suite.proxy_factory,
        singleton,
        fallback_handler,
        initializer,
        salt_nonce: config.salt_nonce,
        salt_scheme: config.salt_scheme,
        chain_id,
    })
}

/// A Safe made by [`create_safe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedSafe {
    /// The plan it was made from (its address is the Safe's).
    pub plan: SafePlan,
    /// The creation transaction.
    pub tx_hash: B256,
    /// Gas the creation used.
    pub gas_used: u64,
    /// The Safe as read back after creation.
    pub info: SafeInfo,
    /// `Some` when the creation transaction was one an earlier run sent (found in the send journal by its
    /// hash, [`create_safe_logged`]): nothing new was sent.
    pub found: Option<crate::once::Found>,
    /// Created through the canonical 1.5.0 factory's L2 function: the L2 event found for it in the receipt
    /// (`ProxyCreationL2` or `ChainSpecificProxyCreationL2`), checked against the plan.
    pub l2_event: Option<&'static str>,
}

/// Creates the Safe `config` describes through the suite's factory, sending from `from` (an
/// account the provider signs for), then reads it back and verifies its owners (in order),
/// threshold, singleton and fallback handler ([`Error::SetupMismatch`] otherwise). A Safe that
/// already exists at the predicted address is [`Error::SafeExists`].
pub async fn create_safe<P: Provider>(
    provider: &P,
    from: Address,
    suite: &SuiteAddresses,
    config: &SafeConfig,
) -> Result<CreatedSafe> {
    create_safe_logged(provider, &crate::once::NoLog, from, suite, config).await
}

/// [`create_safe`] through a send journal: a creation transaction an earlier run recorded for the predicted
/// address (mined, or still waiting in the node) is found by its hash and taken instead of a new one, and a
/// new one is recorded before its broadcast (`crate::once`).
pub async fn create_safe_logged<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    from: Address,
    suite: &SuiteAddresses,
    config: &SafeConfig,
) -> Result<CreatedSafe> {
    if suite.is_coffer() {
        crate::evm::require_push0(provider, "creating a Safe from coffer's suite").await?;
    }
    let plan = plan_safe(provider, suite, config).await?;
    let l2 = uses_factory_l2(suite, &plan);
    let purpose = creation_purpose(plan.address);
    let earlier = log.earlier(provider, &purpose).await?;
    let code_there = !provider.get_code_at(plan.address).await.map_err(Error::rpc)?.is_empty();
    let (receipt, found) = match earlier {
        Earlier::Mined(r) if code_there && r.status() => (*r, Some(Found::Mined)),
        Earlier::Waited(r) if code_there && r.status() => (*r, Some(Found::Waited)),
        other => {
            if other != Earlier::Nothing {
                log.settle(&purpose)?;
            }
            if code_there {
                return Err(Error::SafeExists { address: plan.address });
            }
            let receipt = send_creation(provider, log, &purpose, from, &plan, l2).await?;
            (receipt, None)
        }
    };
    let l2_event = if l2 { Some(check_l2_event(&receipt, &plan)?) } else { None };
    let info = read_safe(provider, plan.address).await?;
    let mismatch = |what: &'static str, expected: String, found: String| Error::SetupMismatch {
        address: plan.address,
        what,
        expected,
        found,
    };
    if info.owners != config.owners {
        return Err(mismatch(
            "owners",
            format!("{:?}", config.owners),
            format!("{:?}", info.owners),
        ));
    }
    if info.threshold != config.threshold {
        return Err(mismatch(
            "threshold",
            config.threshold.to_string(),
            info.threshold.to_string(),
        ));
    }
    if info.singleton != plan.singleton {
        return Err(mismatch("singleton", plan.singleton.to_string(), info.singleton.to_string()));
    }
    if info.fallback_handler != plan.fallback_handler {
        return Err(mismatch(
            "fallback handler",
            plan.fallback_handler.to_string(),
            info.fallback_handler.to_string(),
        ));
    }
    log.settle(&purpose)?;
    Ok(CreatedSafe {
        tx_hash: receipt.transaction_hash,
        gas_used: receipt.gas_used,
        plan,
        info,
        found,
        l2_event,
    })
}

/// Sends the factory call that creates `plan`'s Safe, recorded under `purpose`, and waits for a successful
/// receipt.
async fn send_creation<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    purpose: &str,
    from: Address,
    plan: &SafePlan,
    l2: bool,
) -> Result<alloy::rpc::types::TransactionReceipt> {
    let input = match plan.salt_scheme {
        SaltScheme::Plain if l2 => ISafeProxyFactoryL2::createProxyWithNonceL2Call {
            singleton: plan.singleton,
            initializer: plan.initializer.clone(),
            saltNonce: plan.salt_nonce,
        }
        .abi_encode(),
        SaltScheme::ChainSpecific if l2 => {
            ISafeProxyFactoryL2::createChainSpecificProxyWithNonceL2Call {
                singleton: plan.singleton,
                initializer: plan.initializer.clone(),
                saltNonce: plan.salt_nonce,
            }
            .abi_encode()
        }
        SaltScheme::Plain => ISafeProxyFactory::createProxyWithNonceCall {
            singleton: plan.singleton,
            initializer: plan.initializer.clone(),
            saltNonce: plan.salt_nonce,
        }
        .abi_encode(),
        SaltScheme::ChainSpecific => ISafeProxyFactory::createChainSpecificProxyWithNonceCall {
            singleton: plan.singleton,
            initializer: plan.initializer.clone(),
            saltNonce: plan.salt_nonce,
        }
        .abi_encode(),
    };
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(plan.factory)
        .with_input(Bytes::from(input));
    let receipt =
        send_new(provider, log, purpose, request).await?.get_receipt().await.map_err(Error::rpc)?;
    log.step(purpose, Step::AfterReceipt);
    if !receipt.status() {
        log.settle(purpose)?;
        return Err(Error::Reverted { tx: receipt.transaction_hash });
    }
    Ok(receipt)
}

/// The factory's L2 event for the new Safe in `receipt`: emitted by the factory, for this proxy, with the
/// singleton, initializer, salt nonce (and, chain-specific, chain id) of `plan`. Its name, or why it is missing.
fn check_l2_event(
    receipt: &alloy::rpc::types::TransactionReceipt,
    plan: &SafePlan,
) -> Result<&'static str> {
    use alloy::sol_types::SolEvent;
    let missing = |found: String| Error::SetupMismatch {
        address: plan.address,
        what: "factory L2 event",
        expected: "ProxyCreationL2 / ChainSpecificProxyCreationL2 for this Safe".into(),
        found,
    };
    for log in receipt.inner.logs() {
        if log.address() != plan.factory {
            continue;
        }
        let data = &log.inner.data;
        let (name, proxy, singleton, initializer, salt_nonce, chain) = match plan.salt_scheme {
            SaltScheme::Plain => {
                let Ok(e) = ISafeProxyFactoryL2::ProxyCreationL2::decode_log_data(data) else {
                    continue;
                };
                ("ProxyCreationL2", e.proxy, e.singleton, e.initializer, e.saltNonce, None)
            }
            SaltScheme::ChainSpecific => {
                let Ok(e) =
                    ISafeProxyFactoryL2::ChainSpecificProxyCreationL2::decode_log_data(data)
                else {
                    continue;
                };
                let chain = Some(e.chainId);
                (
                    "ChainSpecificProxyCreationL2",
                    e.proxy,
                    e.singleton,
                    e.initializer,
                    e.saltNonce,
                    chain,
                )
            }
        };
        if proxy != plan.address {
            continue;
        }
        if singleton != plan.singleton
            || initializer != plan.initializer
            || salt_nonce != plan.salt_nonce
            || chain.is_some_and(|c| c != U256::from(plan.chain_id))
        {
            return Err(missing(format!(
                "{name} with singleton {singleton}, salt nonce {salt_nonce} and another initializer or chain"
            )));
        }
        return Ok(name);
    }
    Err(missing("no L2 event from the factory for this Safe".into()))
}
