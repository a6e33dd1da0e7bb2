//! Reading a Safe's state.

use crate::{Error, Result, deploy::code_matches};
use alloy::{
    primitives::{Address, B256, U256, address, b256, keccak256},
    providers::Provider,
};
use coffer_contracts::{
    CanonicalContract, artifact,
    bindings::{IERC20, ISafe},
    canonical_by_code_hash,
};
use coffer_core::{SafeTxContext, SafeVersion};

/// The sentinel that starts the Safe's owner and module linked lists (`0x…01`).
pub const SENTINEL: Address = address!("0000000000000000000000000000000000000001");
/// Storage slot of the fallback handler: `keccak256("fallback_manager.handler.address")`.
pub const FALLBACK_HANDLER_SLOT: B256 =
    b256!("6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5");
/// Storage slot of the transaction guard: `keccak256("guard_manager.guard.address")`.
pub const GUARD_SLOT: B256 =
    b256!("4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8");
/// Storage slot of the module guard (1.5.0): `keccak256("module_manager.module_guard.address")`.
pub const MODULE_GUARD_SLOT: B256 =
    b256!("b104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947");
/// Page size used to list modules with `getModulesPaginated`.
const MODULE_PAGE: u64 = 50;

/// What a Safe's singleton (its implementation) is, told apart by runtime code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SingletonKind {
    /// coffer's own singleton (`Safe` or `SafeL2`), matched against the committed artifact.
    Coffer {
        /// `"Safe"` or `"SafeL2"`.
        contract: &'static str,
    },
    /// A canonical Safe singleton, by code hash.
    Canonical {
        /// The release, e.g. `"1.4.1"`.
        version: &'static str,
        /// `Safe` or `SafeL2`.
        contract: CanonicalContract,
    },
    /// Neither: some other implementation.
    Unknown {
        /// keccak-256 of its runtime code.
        code_hash: B256,
    },
}

impl core::fmt::Display for SingletonKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Coffer { contract } => write!(f, "coffer {contract}"),
            Self::Canonical { version, contract } => write!(f, "canonical {contract:?} {version}"),
            Self::Unknown { code_hash } => write!(f, "unknown (code hash {code_hash})"),
        }
    }
}

/// Tells what the code of a singleton is: coffer's `Safe`/`SafeL2` (ignoring immutables), a
/// canonical deployment (by code hash), or unknown.
pub fn classify_singleton(code: &[u8]) -> SingletonKind {
    for contract in ["Safe", "SafeL2"] {
        if let Ok(a) = artifact(contract)
            && code_matches(a, code)
        {
            return SingletonKind::Coffer { contract };
        }
    }
    let code_hash = keccak256(code);
    match canonical_by_code_hash(code_hash) {
        Some(d) if matches!(d.contract, CanonicalContract::Safe | CanonicalContract::SafeL2) => {
            SingletonKind::Canonical { version: d.version, contract: d.contract }
        }
        _ => SingletonKind::Unknown { code_hash },
    }
}

/// A Safe's state, as read by [`read_safe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeInfo {
    /// The Safe (proxy) address.
    pub address: Address,
    /// The chain id the provider reports.
    pub chain_id: u64,
    /// What `VERSION()` returned (`"1.4.1"`, `"1.3.0+L2"`, ...).
    pub version_string: String,
    /// The parsed version; `None` if coffer does not know it.
    pub version: Option<SafeVersion>,
    /// The singleton (storage slot 0).
    pub singleton: Address,
    /// What the singleton is.
    pub singleton_kind: SingletonKind,
    /// Owners, in the Safe's list order (`getOwners()`).
    pub owners: Vec<Address>,
    /// Signatures required.
    pub threshold: u64,
    /// The nonce the next transaction must use.
    pub nonce: U256,
    /// Enabled modules, every page, in list order.
    pub modules: Vec<Address>,
    /// The transaction guard (zero: none), from its storage slot.
    pub guard: Address,
    /// The fallback handler (zero: none), from its storage slot.
    pub fallback_handler: Address,
    /// The Safe's ETH balance in wei.
    pub balance: U256,
}

impl SafeInfo {
    /// The hashing context of this Safe (chain id, address, version).
    pub fn context(&self) -> Result<SafeTxContext> {
        let version = self.version.ok_or_else(|| Error::UnsupportedVersion {
            address: self.address,
            version: self.version_string.clone(),
        })?;
        Ok(SafeTxContext::new(self.chain_id, self.address, version))
    }

    /// Whether `account` is an owner.
    pub fn is_owner(&self, account: Address) -> bool {
        self.owners.contains(&account)
    }

    /// Whether `module` is enabled.
    pub fn is_module(&self, module: Address) -> bool {
        self.modules.contains(&module)
    }
}

/// One token balance, from [`token_balances`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBalance {
    /// The token.
    pub token: Address,
    /// `balanceOf(holder)` in base units.
    pub balance: U256,
    /// `symbol()`, when the token answers it.
    pub symbol: Option<String>,
    /// `decimals()`, when the token answers it.
    pub decimals: Option<u8>,
}

fn word_to_address(word: U256) -> Address {
    Address::from_word(B256::from(word))
}

/// Reads one storage slot of `account`.
pub(crate) async fn storage<P: Provider>(
    provider: &P,
    account: Address,
    slot: B256,
) -> Result<U256> {
    provider.get_storage_at(account, slot.into()).await.map_err(Error::rpc)
}

/// The chain id the provider reports.
pub async fn chain_id<P: Provider>(provider: &P) -> Result<u64> {
    provider.get_chain_id().await.map_err(Error::rpc)
}

/// Reads `VERSION()` of the Safe at `safe`; [`Error::NotASafe`] when there is no code or no
/// answer.
pub async fn safe_version<P: Provider>(provider: &P, safe: Address) -> Result<String> {
    let code = provider.get_code_at(safe).await.map_err(Error::rpc)?;
    if code.is_empty() {
        return Err(Error::NotASafe { address: safe, reason: "there is no code there".into() });
    }
    ISafe::new(safe, provider).VERSION().call().await.map_err(|e| Error::NotASafe {
        address: safe,
        reason: format!("it does not answer VERSION() ({e})"),
    })
}

/// The Safe's hashing context: chain id from the provider, version from `VERSION()`.
pub async fn safe_context<P: Provider>(provider: &P, safe: Address) -> Result<SafeTxContext> {
    let version_string = safe_version(provider, safe).await?;
    let version = version_string.parse::<SafeVersion>().map_err(|_| Error::UnsupportedVersion {
        address: safe,
        version: version_string.clone(),
    })?;
    Ok(SafeTxContext::new(chain_id(provider).await?, safe, version))
}

/// The Safe's owners, in list order.
pub async fn owners<P: Provider>(provider: &P, safe: Address) -> Result<Vec<Address>> {
    ISafe::new(safe, provider).getOwners().call().await.map_err(Error::rpc)
}

/// The Safe's threshold.
pub async fn threshold<P: Provider>(provider: &P, safe: Address) -> Result<u64> {
    let t = ISafe::new(safe, provider).getThreshold().call().await.map_err(Error::rpc)?;
    Ok(t.saturating_to())
}

/// The Safe's current nonce (the one its next transaction must use).
pub async fn safe_nonce<P: Provider>(provider: &P, safe: Address) -> Result<U256> {
    ISafe::new(safe, provider).nonce().call().await.map_err(Error::rpc)
}

/// Every enabled module, walking all pages of `getModulesPaginated`.
///
/// Each page starts after the last module of the previous one; that is right in every version
/// (1.3.0 returns the *next* module as `next`, 1.4.0+ the last one returned).
pub async fn modules<P: Provider>(provider: &P, safe: Address) -> Result<Vec<Address>> {
    let instance = ISafe::new(safe, provider);
    let mut out: Vec<Address> = Vec::new();
    let mut start = SENTINEL;
    loop {
        let page = instance
            .getModulesPaginated(start, U256::from(MODULE_PAGE))
            .call()
            .await
            .map_err(Error::rpc)?;
        let Some(last) = page.array.last().copied() else { break };
        for m in page.array {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if page.next == SENTINEL || page.next == Address::ZERO {
            break;
        }
        start = last;
    }
    Ok(out)
}

/// Reads everything about the Safe at `safe`: version, singleton and what it is, owners,
/// threshold, nonce, modules (all pages), guard and fallback handler (from their storage slots),
/// and ETH balance.
pub async fn read_safe<P: Provider>(provider: &P, safe: Address) -> Result<SafeInfo> {
    let version_string = safe_version(provider, safe).await?;
    let version = version_string.parse::<SafeVersion>().ok();
    // The other reads are independent: sent together, the whole read takes about one round trip more.
    let singleton_kind = async {
        let singleton = word_to_address(storage(provider, safe, B256::ZERO).await?);
        let code = provider.get_code_at(singleton).await.map_err(Error::rpc)?;
        Ok::<_, Error>((singleton, classify_singleton(&code)))
    };
    let (
        (singleton, singleton_kind),
        guard,
        fallback_handler,
        chain_id,
        owners,
        threshold,
        nonce,
        modules,
        balance,
    ) = tokio::try_join!(
        singleton_kind,
        storage(provider, safe, GUARD_SLOT),
        storage(provider, safe, FALLBACK_HANDLER_SLOT),
        chain_id(provider),
        owners(provider, safe),
        threshold(provider, safe),
        safe_nonce(provider, safe),
        modules(provider, safe),
        async { provider.get_balance(safe).await.map_err(Error::rpc) },
    )?;
    Ok(SafeInfo {
        address: safe,
        chain_id,
        version_string,
        version,
        singleton,
        singleton_kind,
        owners,
        threshold,
        nonce,
        modules,
        guard: word_to_address(guard),
        fallback_handler: word_to_address(fallback_handler),
        balance,
    })
}

/// `balanceOf(holder)` of each token, with `symbol()` and `decimals()` when the token has them.
pub async fn token_balances<P: Provider>(
    provider: &P,
    holder: Address,
    tokens: &[Address],
) -> Result<Vec<TokenBalance>> {
    let mut out = Vec::with_capacity(tokens.len());
    for &token in tokens {
        let erc20 = IERC20::new(token, provider);
        let balance = erc20.balanceOf(holder).call().await.map_err(|e| {
            Error::Rpc(format!("balanceOf on {token} failed (is it an ERC-20?): {e}"))
        })?;
        let symbol = erc20.symbol().call().await.ok();
        let decimals = erc20.decimals().call().await.ok();
        out.push(TokenBalance { token, balance, symbol, decimals });
    }
    Ok(out)
}
