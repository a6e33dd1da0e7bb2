//! The recovery sheet (issue 18): everything needed to operate a Safe with any Safe tool and to
//! re-create it at the same address on another chain, read from the chain (the creation
//! transaction, the Safe's storage) and the team's owners file, never from a file it trusts.
//! Seed phrases never appear on it: the owners file refuses anything that looks like one.
//!
//! [`read_sheet`] builds a [`RecoverySheet`]; [`rebuild_safe`] re-creates the Safe from a sheet
//! alone. Rendering (Markdown, PDF with a QR code of the JSON) is in `sheet_render`.

use crate::{
    Error, Result,
    create::{proxy_address, proxy_salt},
    deploy::code_matches,
    read::{SafeInfo, chain_id, read_safe},
};
use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent},
};
use coffer_contracts::{
    artifacts,
    bindings::{ISafe, ISafeProxyFactory},
    canonical_by_code_hash,
};
use serde::{Deserialize, Serialize};

/// Addresses on the sheet are EIP-55 checksummed, as they are printed.
mod checksummed {
    use alloy::primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        Address::deserialize(d)
    }

    pub(super) mod vec {
        use alloy::primitives::Address;
        use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

        pub(in super::super) fn serialize<S: Serializer>(
            v: &[Address],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for a in v {
                seq.serialize_element(&a.to_checksum(None))?;
            }
            seq.end()
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<Address>, D::Error> {
            Vec::<Address>::deserialize(d)
        }
    }
}

/// The sheet format's tag, written as `format` and checked when a sheet is read.
pub const SHEET_FORMAT: &str = "coffer-recovery-sheet/1";

/// What the sheet says about seed phrases, on every rendering.
pub const SEED_NOTE: &str = "No seed phrase or private key is on this sheet or in its QR code. Each owner keeps \
their own seed phrase (or hardware wallet backup) apart from this sheet, in the place the team agreed; this \
sheet alone cannot move funds.";

/// One owner line of the team's owners file (`--owners-file`, JSON; see `docs/recovery-sheet.md`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerEntry {
    /// The owner's address.
    #[serde(with = "checksummed")]
    pub address: Address,
    /// The team's name for the key ("Alice, CFO").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The kind of key: `ledger`, `trezor`, `keystore`, `mnemonic`, `private-key`, `safe`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The derivation path on the device or seed (`m/44'/60'/0'/0/0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The team's owners file: `{"owners": [OwnerEntry, ...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnersFile {
    /// One entry per key.
    pub owners: Vec<OwnerEntry>,
}

impl OwnersFile {
    /// Parses an owners file, refusing unknown fields and any value that looks like a seed phrase
    /// or a private key (those must never reach a sheet).
    pub fn parse(text: &str) -> Result<Self> {
        let file: Self = serde_json::from_str(text)
            .map_err(|e| Error::Sheet(format!("the owners file is not valid: {e}")))?;
        for (i, o) in file.owners.iter().enumerate() {
            for (field, value) in [("label", &o.label), ("kind", &o.kind), ("path", &o.path)] {
                if let Some(v) = value
                    && looks_secret(v)
                {
                    return Err(Error::Sheet(format!(
                        "owner #{} ({}) has a {field} that looks like a seed phrase or a private key; the owners file must never hold one. Remove it and keep it apart from the sheet.",
                        i + 1,
                        o.address
                    )));
                }
            }
            if file.owners[..i].iter().any(|p| p.address == o.address) {
                return Err(Error::Sheet(format!(
                    "owner {} is listed twice in the owners file",
                    o.address
                )));
            }
        }
        Ok(file)
    }

    fn find(&self, owner: Address) -> Option<&OwnerEntry> {
        self.owners.iter().find(|o| o.address == owner)
    }
}

/// Twelve or more lowercase words (a BIP-39 phrase), or 64 hex digits (a private key).
fn looks_secret(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    let phrase =
        words.len() >= 12 && words.iter().all(|w| w.chars().all(|c| c.is_ascii_lowercase()));
    let hex = value.trim().trim_start_matches("0x");
    let key = hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit());
    phrase || key
}

/// A contract the sheet names, with what its code is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedContract {
    /// Its address.
    #[serde(with = "checksummed")]
    pub address: Address,
    /// What its runtime code is (`coffer PayoutPlanModule`, `canonical 1.4.1
    /// CompatibilityFallbackHandler`), or `unknown code (hash …)`.
    pub name: String,
    /// The settings coffer can read inside it (spending limits, a Delay's cooldown, expiration and
    /// proposers, social-recovery guardians; an allowlist guard's delay and allowed targets,
    /// selectors and libraries with their state), one line each; a guard whose settings coffer
    /// cannot decode says so; empty for other contracts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
}

/// One owner on the sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetOwner {
    /// The owner's address.
    #[serde(with = "checksummed")]
    pub address: Address,
    /// The team's label (owners file), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The kind of key (owners file), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The derivation path (owners file), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// How the Safe was created, read from its creation transaction and checked by recomputing the
/// address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creation {
    /// The proxy factory that created it.
    #[serde(with = "checksummed")]
    pub factory: Address,
    /// The singleton the proxy was created with.
    #[serde(with = "checksummed")]
    pub singleton: Address,
    /// The `setup` calldata it was initialised with.
    pub initializer: Bytes,
    /// The salt nonce, as a decimal string.
    pub salt_nonce: String,
    /// `plain` (the same address on every chain) or `chain-specific`.
    pub salt_scheme: String,
    /// The creation transaction.
    pub tx_hash: B256,
    /// Its block.
    pub block: u64,
    /// The owners `setup` set (the Safe's owners may have changed since).
    #[serde(with = "checksummed::vec")]
    pub initial_owners: Vec<Address>,
    /// The threshold `setup` set.
    pub initial_threshold: u64,
    /// The fallback handler `setup` set.
    #[serde(with = "checksummed")]
    pub initial_fallback_handler: Address,
}

/// The recovery sheet, as JSON (the file `safe rebuild --sheet` reads, and the QR code's content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoverySheet {
    /// [`SHEET_FORMAT`].
    pub format: String,
    /// The chain it was read on.
    pub chain_id: u64,
    /// The Safe.
    #[serde(with = "checksummed")]
    pub safe: Address,
    /// `VERSION()`.
    pub version: String,
    /// The singleton now (storage slot 0) and what its code is.
    pub singleton: NamedContract,
    /// How it was created.
    pub creation: Creation,
    /// The owners now, in the Safe's order.
    pub owners: Vec<SheetOwner>,
    /// The threshold now.
    pub threshold: u64,
    /// Enabled modules.
    pub modules: Vec<NamedContract>,
    /// The transaction guard, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<NamedContract>,
    /// The fallback handler, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_handler: Option<NamedContract>,
    /// The Safe libraries of this release on this chain, with whether they have code here.
    pub libraries: Vec<NamedContract>,
    /// Where the seed phrases are not ([`SEED_NOTE`]).
    pub seed_phrases: String,
}

impl RecoverySheet {
    /// Parses a sheet written by coffer (strict: the format tag must match).
    pub fn parse(text: &str) -> Result<Self> {
        let sheet: Self = serde_json::from_str(text)
            .map_err(|e| Error::Sheet(format!("the sheet is not a coffer recovery sheet: {e}")))?;
        if sheet.format != SHEET_FORMAT {
            return Err(Error::Sheet(format!(
                "the sheet's format is {:?}; this coffer reads {SHEET_FORMAT:?}",
                sheet.format
            )));
        }
        Ok(sheet)
    }

    /// The sheet as compact JSON (what the QR code holds).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The sheet as indented JSON (the `.json` file).
    pub fn to_pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether the owners or threshold changed since creation: a rebuilt Safe starts with the
    /// initial ones, and the changes must be replayed.
    pub fn changed_since_creation(&self) -> bool {
        let now: Vec<Address> = self.owners.iter().map(|o| o.address).collect();
        now != self.creation.initial_owners || self.threshold != self.creation.initial_threshold
    }
}

/// Names the code at `address`: one of coffer's artifacts (immutables ignored) or a canonical
/// Safe deployment (by code hash), else `unknown code`; `no code` when there is none.
pub async fn name_contract<P: Provider>(provider: &P, address: Address) -> Result<NamedContract> {
    let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
    Ok(NamedContract { address, name: code_name(&code), settings: Vec::new() })
}

fn code_name(code: &[u8]) -> String {
    if code.is_empty() {
        return "no code".into();
    }
    if let Some(a) = artifacts().iter().find(|a| code_matches(a, code)) {
        return format!("coffer {}", a.contract_name);
    }
    let hash = keccak256(code);
    match canonical_by_code_hash(hash) {
        Some(d) => format!("canonical {} {:?}", d.version, d.contract),
        None => format!("unknown code (hash {hash})"),
    }
}

/// Finds the first block at which `address` has code, by binary search on `eth_getCode`.
pub async fn creation_block<P: Provider>(provider: &P, address: Address) -> Result<u64> {
    let latest = provider.get_block_number().await.map_err(Error::rpc)?;
    let has_code = |n: u64| async move {
        provider
            .get_code_at(address)
            .block_id(BlockId::number(n))
            .await
            .map(|c| !c.is_empty())
            .map_err(Error::rpc)
    };
    if !has_code(latest).await? {
        return Err(Error::NotASafe { address, reason: "there is no code there".into() });
    }
    let (mut lo, mut hi) = (0u64, latest);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if has_code(mid).await? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

/// Reads how the Safe at `safe` was created: the creation block (binary search), the factory's
/// `ProxyCreation` event in it, the factory call's singleton, initializer and salt nonce, and
/// checks them by recomputing the CREATE2 address.
pub async fn read_creation<P: Provider>(provider: &P, safe: Address) -> Result<Creation> {
    let block = creation_block(provider, safe).await?;
    let not_found = |why: String| Error::CreationNotFound { safe, block, reason: why };
    let receipts =
        provider
            .get_block_receipts(BlockId::number(block))
            .await
            .map_err(Error::rpc)?
            .ok_or_else(|| not_found("the node returned no receipts for the block".into()))?;
    let topic = ISafeProxyFactory::ProxyCreation::SIGNATURE_HASH;
    let mut found = None;
    for r in &receipts {
        for log in r.inner.logs() {
            if log.topics().first() != Some(&topic) {
                continue;
            }
            // 1.4.1+: the proxy is indexed; 1.3.0: both fields are in the data.
            let proxy = match log.topics().get(1) {
                Some(t) => Address::from_word(*t),
                None if log.data().data.len() >= 64 => {
                    Address::from_slice(&log.data().data[12..32])
                }
                None => continue,
            };
            if proxy == safe {
                found = Some((r.transaction_hash, log.address()));
            }
        }
    }
    let (tx_hash, factory) = found.ok_or_else(|| {
        not_found("no ProxyCreation event for this Safe in its creation block".into())
    })?;
    let tx = provider
        .get_transaction_by_hash(tx_hash)
        .await
        .map_err(Error::rpc)?
        .ok_or_else(|| not_found(format!("the node does not return transaction {tx_hash}")))?;
    use alloy::consensus::Transaction as _;
    let input = tx.input();
    let (singleton, initializer, salt_nonce, chain_specific) = if let Ok(c) =
        ISafeProxyFactory::createProxyWithNonceCall::abi_decode(input)
    {
        (c.singleton, c.initializer, c.saltNonce, false)
    } else if let Ok(c) =
        ISafeProxyFactory::createChainSpecificProxyWithNonceCall::abi_decode(input)
    {
        (c.singleton, c.initializer, c.saltNonce, true)
    } else if let Ok(c) =
        crate::create::ISafeProxyFactoryL2::createProxyWithNonceL2Call::abi_decode(input)
    {
        (c.singleton, c.initializer, c.saltNonce, false)
    } else if let Ok(c) =
        crate::create::ISafeProxyFactoryL2::createChainSpecificProxyWithNonceL2Call::abi_decode(
            input,
        )
    {
        (c.singleton, c.initializer, c.saltNonce, true)
    } else {
        return Err(not_found(format!(
            "transaction {tx_hash} does not call the factory's createProxyWithNonce directly (it went through another contract), so the salt nonce cannot be read from it"
        )));
    };
    let id = chain_id(provider).await?;
    let creation_code = ISafeProxyFactory::new(factory, provider)
        .proxyCreationCode()
        .call()
        .await
        .map_err(Error::rpc)?;
    let salt = proxy_salt(&initializer, salt_nonce, chain_specific.then_some(id));
    let predicted = proxy_address(factory, &creation_code, singleton, salt);
    if predicted != safe {
        return Err(not_found(format!(
            "the factory call in {tx_hash} gives {predicted}, not this Safe"
        )));
    }
    let setup = ISafe::setupCall::abi_decode(&initializer)
        .map_err(|e| not_found(format!("the initializer is not a Safe setup(...) call ({e})")))?;
    Ok(Creation {
        factory,
        singleton,
        initializer,
        salt_nonce: salt_nonce.to_string(),
        salt_scheme: if chain_specific { "chain-specific" } else { "plain" }.into(),
        tx_hash,
        block,
        initial_owners: setup.owners,
        initial_threshold: setup.threshold.saturating_to(),
        initial_fallback_handler: setup.fallbackHandler,
    })
}

/// The libraries of the Safe's release listed on the sheet: canonical addresses when the
/// singleton is a canonical release, with what has code on this chain.
async fn libraries<P: Provider>(provider: &P, info: &SafeInfo) -> Result<Vec<NamedContract>> {
    let version = match &info.singleton_kind {
        crate::SingletonKind::Canonical { version, .. } => Some(*version),
        _ => None,
    };
    let mut out = Vec::new();
    for d in coffer_contracts::canonical_deployments() {
        if Some(d.version) == version {
            let mut c = name_contract(provider, d.address).await?;
            if c.name == "no code" {
                c.name =
                    format!("canonical {} {:?} (no code on this chain)", d.version, d.contract);
            }
            out.push(c);
        }
    }
    Ok(out)
}

/// Builds the recovery sheet of `safe` from the chain and the team's owners file. Owners of the
/// file that do not own the Safe are refused ([`Error::Sheet`]): the sheet must not name a key
/// that cannot sign.
pub async fn read_sheet<P: Provider>(
    provider: &P,
    safe: Address,
    owners_file: Option<&OwnersFile>,
) -> Result<RecoverySheet> {
    let info = read_safe(provider, safe).await?;
    if let Some(file) = owners_file
        && let Some(stranger) = file.owners.iter().find(|o| !info.is_owner(o.address))
    {
        return Err(Error::Sheet(format!(
            "{} is in the owners file but is not an owner of the Safe {safe}; fix the owners file",
            stranger.address
        )));
    }
    let creation = read_creation(provider, safe).await?;
    let owners = info
        .owners
        .iter()
        .map(|a| {
            let e = owners_file.and_then(|f| f.find(*a));
            SheetOwner {
                address: *a,
                label: e.and_then(|e| e.label.clone()),
                kind: e.and_then(|e| e.kind.clone()),
                path: e.and_then(|e| e.path.clone()),
            }
        })
        .collect();
    let mut modules = Vec::new();
    for m in &info.modules {
        let mut named = name_contract(provider, *m).await?;
        named.settings = module_settings(provider, &info, *m).await;
        modules.push(named);
    }
    let optional = |a: Address| async move {
        if a == Address::ZERO { Ok(None) } else { name_contract(provider, a).await.map(Some) }
    };
    Ok(RecoverySheet {
        format: SHEET_FORMAT.into(),
        chain_id: info.chain_id,
        safe,
        version: info.version_string.clone(),
        singleton: NamedContract {
            address: info.singleton,
            name: info.singleton_kind.to_string(),
            settings: Vec::new(),
        },
        owners,
        threshold: info.threshold,
        modules,
        guard: match optional(info.guard).await? {
            Some(mut g) => {
                g.settings = guard_settings(provider, &info, &g).await;
                Some(g)
            }
            None => None,
        },
        fallback_handler: optional(info.fallback_handler).await?,
        libraries: libraries(provider, &info).await?,
        creation,
        seed_phrases: SEED_NOTE.into(),
    })
}

/// The settings of `module` that coffer can read from the chain: an AllowanceModule's spending
/// limits, a Delay's cooldown, expiration and proposers, a social-recovery module's guardians and
/// threshold. Empty for other modules; a read that fails is said, not skipped.
async fn module_settings<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    module: Address,
) -> Vec<String> {
    if let Ok(found) = crate::allowance::detect_allowance_module(provider, module).await {
        return match crate::allowance::read_allowances(provider, module, info.address).await {
            Ok(rows) => {
                let listed: Vec<_> = rows.iter().filter(|r| r.state.is_listed()).collect();
                let mut out =
                    vec![format!("{}: {} spending limit(s)", found.label(), listed.len())];
                for r in listed {
                    let token = if r.token == Address::ZERO {
                        "ETH".to_owned()
                    } else {
                        format!("token {}", r.token)
                    };
                    let period = match r.state.reset_time_min {
                        0 => "once (no reset)".to_owned(),
                        m => format!("every {m} min"),
                    };
                    out.push(format!(
                        "spending limit: delegate {} may send {} base units of {token}, {period}; spent {}, transfer nonce {}",
                        r.delegate, r.state.amount, r.state.spent, r.state.nonce
                    ));
                }
                out
            }
            Err(e) => {
                vec![format!("{}: its spending limits could not be read: {e}", found.label())]
            }
        };
    }
    let Ok(code) = provider.get_code_at(module).await else {
        return vec!["its code could not be read".to_owned()];
    };
    if !matches!(crate::delay::classify_delay(&code), crate::delay::DelayKind::Unknown) {
        return match crate::delay::read_delay(provider, module).await {
            Ok(d) => {
                let proposers: Vec<String> = d.proposers.iter().map(ToString::to_string).collect();
                vec![format!(
                    "{}: cooldown {} s, expiration {}, {} call(s) queued, proposers: {}",
                    d.kind,
                    d.cooldown,
                    if d.expiration == 0 {
                        "none".to_owned()
                    } else {
                        format!("{} s", d.expiration)
                    },
                    d.pending(),
                    if proposers.is_empty() { "none".to_owned() } else { proposers.join(", ") }
                )]
            }
            Err(e) => vec![format!("a Delay whose settings could not be read: {e}")],
        };
    }
    if let Ok(r) = crate::recovery::read_recovery(provider, module, info).await {
        let guardians: Vec<String> = r.guardians.iter().map(ToString::to_string).collect();
        return vec![format!(
            "social recovery: {} of {} guardian(s): {}{}",
            r.threshold,
            r.guardians.len(),
            if guardians.is_empty() { "none".to_owned() } else { guardians.join(", ") },
            if r.pending.is_some() { "; a recovery request is PENDING" } else { "" }
        )];
    }
    Vec::new()
}

/// When a guard permission is in force, for a person: `active since …` or `PENDING until …` (the
/// UTC time it takes effect).
fn effect_text(e: crate::guard::Effect) -> String {
    use crate::guard::Effect;
    match e {
        Effect::Off => "off".to_owned(),
        Effect::Active(t) => format!("active since {}", coffer_core::utc_timestamp(t)),
        Effect::Pending(t) => format!("PENDING until {}", coffer_core::utc_timestamp(t)),
    }
}

/// The settings of the transaction guard `guard` that coffer can read from the chain: for coffer's
/// `CofferAllowlistGuard` (read with [`crate::guard::read_allowlist`]) the Safe it guards, its delay
/// and every allowed target, selector and library with its state (active, or pending with the time
/// it takes effect). For any other guard, one line saying its settings could not be read.
async fn guard_settings<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    guard: &NamedContract,
) -> Vec<String> {
    let allowlist = format!("coffer {}", crate::guard::COFFER_ALLOWLIST_GUARD);
    if guard.name != allowlist {
        return vec![
            "its settings could not be read: coffer decodes only its own CofferAllowlistGuard; check them with this guard's own tool".to_owned(),
        ];
    }
    let list = match crate::guard::read_allowlist(provider, guard.address).await {
        Ok(list) => list,
        Err(e) => return vec![format!("allowlist guard: its list could not be read: {e}")],
    };
    let mut out = vec![format!(
        "allowlist guard: delay {} s (additions wait for it, removals do not); {} listed address(es); read at {}",
        list.delay,
        list.entries.len(),
        coffer_core::utc_timestamp(list.now)
    )];
    if list.safe != info.address {
        out.push(format!(
            "WARNING: this guard was deployed for the Safe {}, not this one: it refuses every transaction of this Safe",
            list.safe
        ));
    }
    for e in &list.entries {
        if e.call.is_on() {
            let selectors = if e.any_selector.is_on() {
                format!("any function {}", effect_text(e.any_selector))
            } else {
                "listed functions only".to_owned()
            };
            let value = if e.value.is_on() {
                format!("ETH {}", effect_text(e.value))
            } else {
                "no ETH".to_owned()
            };
            out.push(format!(
                "target {}: CALL {}; {selectors}; {value}",
                e.target,
                effect_text(e.call)
            ));
        }
        for (selector, effect) in &e.selectors {
            if effect.is_on() {
                let what = if selector.is_zero() {
                    "empty calldata".to_owned()
                } else {
                    selector.to_string()
                };
                out.push(format!("selector {what} on {}: {}", e.target, effect_text(*effect)));
            }
        }
        if e.delegate_call.is_on() {
            out.push(format!(
                "library {} (DELEGATECALL): {}",
                e.target,
                effect_text(e.delegate_call)
            ));
        }
    }
    out
}

/// How to get the contract at `address` onto a chain: a canonical Safe deployment, or coffer's suite.
fn how_to_deploy(address: Address) -> String {
    if let Some(d) = coffer_contracts::canonical_deployments().iter().find(|d| d.address == address)
    {
        format!(
            "It is the canonical Safe {} {:?}: deploy the canonical Safe {} contracts on that chain with Safe's own deployment scripts (safe-smart-account), which put them at the same addresses through the Safe Singleton Factory",
            d.version, d.contract, d.version
        )
    } else if crate::SuiteAddresses::coffer(crate::deploy::SAFE_SINGLETON_FACTORY)
        .is_ok_and(|s| s.entries().iter().any(|(_, a)| *a == address))
    {
        "It is part of coffer's suite: run `coffer contracts deploy --rpc-url URL` on that chain (it deploys the suite at the same addresses through the Safe Singleton Factory)".into()
    } else {
        "It is neither a canonical Safe contract nor coffer's suite: deploy the same bytecode at the same address (with the CREATE2 deployer it was deployed with on the original chain)".into()
    }
}

/// What [`plan_rebuild`] found on the target chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebuildPlan {
    /// The target chain.
    pub chain_id: u64,
    /// The address the factory will give: the sheet's Safe (checked).
    pub address: Address,
    /// The factory call's calldata.
    pub calldata: Bytes,
    /// Whether a Safe already exists there.
    pub exists: bool,
}

/// Checks that the Safe of `sheet` can be re-created on the provider's chain: plain salt, the
/// factory, the singleton and the fallback handler have code, and the factory's CREATE2 address
/// is the sheet's Safe. Sends nothing.
pub async fn plan_rebuild<P: Provider>(provider: &P, sheet: &RecoverySheet) -> Result<RebuildPlan> {
    let c = &sheet.creation;
    let id = chain_id(provider).await?;
    if c.salt_scheme != "plain" {
        return Err(Error::Sheet(format!(
            "the Safe was created with a {} salt, which includes the chain id: it cannot get the same address on chain {id}",
            c.salt_scheme
        )));
    }
    let setup = ISafe::setupCall::abi_decode(&c.initializer).map_err(|e| {
        Error::Sheet(format!("the sheet's initializer is not a setup(...) call: {e}"))
    })?;
    let salt_nonce: U256 = c
        .salt_nonce
        .parse()
        .map_err(|e| Error::Sheet(format!("the sheet's saltNonce {:?}: {e}", c.salt_nonce)))?;
    let mut needed = vec![("SafeProxyFactory", c.factory), ("singleton", c.singleton)];
    if setup.fallbackHandler != Address::ZERO {
        needed.push(("fallback handler", setup.fallbackHandler));
    }
    if setup.to != Address::ZERO {
        needed.push(("setup delegatecall target", setup.to));
    }
    for (what, address) in needed {
        if provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty() {
            return Err(Error::RebuildMissing {
                what,
                address,
                chain_id: id,
                how: how_to_deploy(address),
            });
        }
    }
    let creation_code = ISafeProxyFactory::new(c.factory, provider)
        .proxyCreationCode()
        .call()
        .await
        .map_err(Error::rpc)?;
    let address = proxy_address(
        c.factory,
        &creation_code,
        c.singleton,
        proxy_salt(&c.initializer, salt_nonce, None),
    );
    if address != sheet.safe {
        return Err(Error::Sheet(format!(
            "on chain {id} the factory {} would create {address}, not {}: its proxy code differs from the original chain's, so the same address cannot be had there",
            c.factory, sheet.safe
        )));
    }
    let exists = !provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty();
    let calldata = ISafeProxyFactory::createProxyWithNonceCall {
        singleton: c.singleton,
        initializer: c.initializer.clone(),
        saltNonce: salt_nonce,
    }
    .abi_encode()
    .into();
    Ok(RebuildPlan { chain_id: id, address, calldata, exists })
}

/// What [`rebuild_safe`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    /// The plan (address checked before sending).
    pub plan: RebuildPlan,
    /// The creation transaction.
    pub tx_hash: B256,
    /// The Safe read back.
    pub info: SafeInfo,
}

/// Re-creates the Safe of `sheet` on the provider's chain from `from` (an account the provider
/// signs for): [`plan_rebuild`], refuse if it exists ([`Error::SafeExists`]), send the factory
/// call, then read the Safe back and check its owners, threshold and singleton against the
/// initializer.
pub async fn rebuild_safe<P: Provider>(
    provider: &P,
    from: Address,
    sheet: &RecoverySheet,
) -> Result<Rebuilt> {
    let plan = plan_rebuild(provider, sheet).await?;
    if plan.exists {
        return Err(Error::SafeExists { address: plan.address });
    }
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(sheet.creation.factory)
        .with_input(plan.calldata.clone());
    let receipt = crate::send::send_and_confirm(provider, request).await?;
    let info = read_safe(provider, plan.address).await?;
    let c = &sheet.creation;
    let mismatch = |what: &'static str, expected: String, found: String| Error::SetupMismatch {
        address: plan.address,
        what,
        expected,
        found,
    };
    if info.owners != c.initial_owners {
        return Err(mismatch(
            "owners",
            format!("{:?}", c.initial_owners),
            format!("{:?}", info.owners),
        ));
    }
    if info.threshold != c.initial_threshold {
        return Err(mismatch(
            "threshold",
            c.initial_threshold.to_string(),
            info.threshold.to_string(),
        ));
    }
    if info.singleton != c.singleton {
        return Err(mismatch("singleton", c.singleton.to_string(), info.singleton.to_string()));
    }
    Ok(Rebuilt { plan, tx_hash: receipt.transaction_hash, info })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn owners_file_refuses_secrets_and_unknown_fields() {
        let a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        let ok = format!(
            r#"{{"owners":[{{"address":"{a}","label":"Alice","kind":"ledger","path":"m/44'/60'/0'/0/0"}}]}}"#
        );
        assert_eq!(OwnersFile::parse(&ok).unwrap().owners[0].label.as_deref(), Some("Alice"));
        let seed = format!(
            r#"{{"owners":[{{"address":"{a}","label":"test test test test test test test test test test test junk"}}]}}"#
        );
        assert!(OwnersFile::parse(&seed).unwrap_err().to_string().contains("seed phrase"));
        let key = format!(
            r#"{{"owners":[{{"address":"{a}","path":"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"}}]}}"#
        );
        assert!(OwnersFile::parse(&key).is_err());
        let extra = format!(r#"{{"owners":[{{"address":"{a}","mnemonic":"x"}}]}}"#);
        assert!(OwnersFile::parse(&extra).unwrap_err().to_string().contains("mnemonic"));
        let twice = format!(r#"{{"owners":[{{"address":"{a}"}},{{"address":"{a}"}}]}}"#);
        assert!(OwnersFile::parse(&twice).unwrap_err().to_string().contains("twice"));
    }
}
