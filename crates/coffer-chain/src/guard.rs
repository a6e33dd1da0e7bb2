//! The allowlist guard: coffer's `CofferAllowlistGuard` (MODULES.md §3), one instance per Safe.
//!
//! - [`deploy_allowlist_guard`]: a plain CREATE of the guard for one Safe with its policy delay.
//! - [`read_allowlist`] → [`GuardList`]: every entry with the time from which each permission is in force,
//!   read from the guard (never from a file), and whether it guards the Safe it names.
//! - The Safe transactions that change the list ([`allow_target_tx`], [`allow_selector_tx`],
//!   [`allow_delegate_call_tx`], [`remove_target_tx`], [`remove_selector_tx`]) and install or remove the guard
//!   ([`install_tx`], [`uninstall_tx`]): each is proposed, signed and executed through the normal flow and its
//!   signing gate; this module only builds them.

use crate::{Error, Result, SafeInfo, send::send_and_confirm};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, FixedBytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use coffer_contracts::{artifact, bindings::CofferAllowlistGuard};
use coffer_core::SafeTx;

/// The contract name of coffer's guard in the committed artifacts.
pub const COFFER_ALLOWLIST_GUARD: &str = "CofferAllowlistGuard";

/// The ERC-165 id of the Safe transaction guard interface.
pub const GUARD_INTERFACE_ID: [u8; 4] = [0xe6, 0xd7, 0xa8, 0x3a];

/// Deploys a `CofferAllowlistGuard` for `safe` with a `delay` (seconds) on loosening changes, sent from
/// `from` (plain CREATE: each Safe has its own instance). Returns its address.
pub async fn deploy_allowlist_guard<P: Provider>(
    provider: &P,
    from: Address,
    safe: Address,
    delay: u64,
) -> Result<Address> {
    let mut code = artifact(COFFER_ALLOWLIST_GUARD)?.bytecode.to_vec();
    code.extend_from_slice(&(safe, U256::from(delay)).abi_encode_params());
    let request = TransactionRequest::default().with_from(from).with_deploy_code(code);
    let receipt = send_and_confirm(provider, request).await?;
    let address = receipt.contract_address.ok_or_else(|| {
        Error::Guard("deploying CofferAllowlistGuard gave no contract address".into())
    })?;
    if provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty() {
        return Err(Error::Guard(format!(
            "deploying CofferAllowlistGuard left no code at {address}"
        )));
    }
    Ok(address)
}

/// When a permission is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Not granted.
    Off,
    /// Scheduled: in force from this Unix time (not yet).
    Pending(u64),
    /// In force (since this Unix time).
    Active(u64),
}

impl Effect {
    fn at(from: u64, now: u64) -> Self {
        match from {
            0 => Self::Off,
            t if t <= now => Self::Active(t),
            t => Self::Pending(t),
        }
    }

    /// Whether it is in force now.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Active(_))
    }

    /// Whether it is granted or scheduled.
    pub fn is_on(self) -> bool {
        !matches!(self, Self::Off)
    }

    /// `yes`, `from <unix time> (pending)` or `no`.
    pub fn describe(self) -> String {
        match self {
            Self::Off => "no".into(),
            Self::Active(_) => "yes".into(),
            Self::Pending(t) => format!("pending, in force from unix time {t}"),
        }
    }

    /// The timestamp (0 when off).
    pub fn timestamp(self) -> u64 {
        match self {
            Self::Off => 0,
            Self::Pending(t) | Self::Active(t) => t,
        }
    }
}

/// One allowlisted address as read from the guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardEntry {
    /// The target or library.
    pub target: Address,
    /// CALLs to it.
    pub call: Effect,
    /// Any selector (an unscoped target).
    pub any_selector: Effect,
    /// Sending ether with a call.
    pub value: Effect,
    /// DELEGATECALLs to it.
    pub delegate_call: Effect,
    /// Selectors allowed one by one (`0x00000000` stands for empty calldata).
    pub selectors: Vec<(FixedBytes<4>, Effect)>,
}

impl GuardEntry {
    /// Whether anything is granted or pending for this address.
    pub fn is_on(&self) -> bool {
        self.call.is_on()
            || self.delegate_call.is_on()
            || self.selectors.iter().any(|(_, e)| e.is_on())
    }
}

/// A guard's whole list, read at the chain's latest block time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardList {
    /// The guard.
    pub guard: Address,
    /// The Safe it guards (its immutable `safe`).
    pub safe: Address,
    /// Seconds a loosening change waits.
    pub delay: u64,
    /// The block time the effects were computed at.
    pub now: u64,
    /// Every address with something granted or pending (removed ones are left out).
    pub entries: Vec<GuardEntry>,
}

/// Reads the list of the `CofferAllowlistGuard` at `guard`. An address without code, or one that does not
/// answer like the guard, is [`Error::Guard`].
pub async fn read_allowlist<P: Provider>(provider: &P, guard: Address) -> Result<GuardList> {
    if provider.get_code_at(guard).await.map_err(Error::rpc)?.is_empty() {
        return Err(Error::Guard(format!(
            "no CofferAllowlistGuard at {guard}: the address has no code on this chain. Check --guard and the RPC URL"
        )));
    }
    let not_guard = |e: alloy::contract::Error| {
        Error::Guard(format!(
            "{guard} does not answer like a CofferAllowlistGuard ({e}); check the address"
        ))
    };
    let c = CofferAllowlistGuard::new(guard, provider);
    let safe = c.safe().call().await.map_err(not_guard)?;
    let delay = c.delay().call().await.map_err(not_guard)?;
    let targets = c.targets().call().await.map_err(not_guard)?;
    let now = latest_time(provider).await?;
    let mut entries = Vec::new();
    for target in targets {
        let r = c.ruleOf(target).call().await.map_err(not_guard)?;
        let mut selectors = Vec::new();
        for sel in c.selectorsOf(target).call().await.map_err(not_guard)? {
            let from = c.selectorEffectiveAt(target, sel).call().await.map_err(not_guard)?;
            if from != 0 {
                selectors.push((sel, Effect::at(from, now)));
            }
        }
        let entry = GuardEntry {
            target,
            call: Effect::at(r.callFrom, now),
            any_selector: Effect::at(r.anySelectorFrom, now),
            value: Effect::at(r.valueFrom, now),
            delegate_call: Effect::at(r.delegateCallFrom, now),
            selectors,
        };
        if entry.is_on() {
            entries.push(entry);
        }
    }
    Ok(GuardList { guard, safe, delay, now, entries })
}

/// The timestamp of the latest block.
pub async fn latest_time<P: Provider>(provider: &P) -> Result<u64> {
    let block = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(Error::rpc)?
        .ok_or_else(|| Error::Rpc("the node returned no latest block".into()))?;
    Ok(block.header.timestamp)
}

/// The installed guard of `info` when it is a `CofferAllowlistGuard` (None when there is no guard or another
/// kind of guard).
pub async fn installed_allowlist<P: Provider>(provider: &P, info: &SafeInfo) -> Option<GuardList> {
    if info.guard.is_zero() {
        return None;
    }
    read_allowlist(provider, info.guard).await.ok()
}

/// Checks that `guard` is a `CofferAllowlistGuard` for `safe` (before installing it or changing its list).
pub async fn check_guard_for<P: Provider>(
    provider: &P,
    guard: Address,
    safe: Address,
) -> Result<GuardList> {
    let list = read_allowlist(provider, guard).await?;
    if list.safe != safe {
        return Err(Error::Guard(format!(
            "the guard at {guard} guards the Safe {}, not {safe}: deploy one for this Safe with `coffer guard install`",
            list.safe
        )));
    }
    Ok(list)
}

fn guard_call(guard: Address, data: Vec<u8>, nonce: U256) -> SafeTx {
    SafeTx::call(guard, U256::ZERO, data, nonce)
}

/// The Safe tx scheduling CALLs to `target` (with every selector if `any_selector`, with ether if `value`).
pub fn allow_target_tx(
    guard: Address,
    target: Address,
    any_selector: bool,
    value: bool,
    nonce: U256,
) -> SafeTx {
    let call = CofferAllowlistGuard::allowTargetCall { target, anySelector: any_selector, value };
    guard_call(guard, call.abi_encode(), nonce)
}

/// The Safe tx scheduling `selector` on `target`.
pub fn allow_selector_tx(
    guard: Address,
    target: Address,
    selector: FixedBytes<4>,
    nonce: U256,
) -> SafeTx {
    let call = CofferAllowlistGuard::allowSelectorCall { target, selector };
    guard_call(guard, call.abi_encode(), nonce)
}

/// The Safe tx scheduling DELEGATECALLs to the library `target`.
pub fn allow_delegate_call_tx(guard: Address, target: Address, nonce: U256) -> SafeTx {
    let call = CofferAllowlistGuard::allowDelegateCallCall { target };
    guard_call(guard, call.abi_encode(), nonce)
}

/// The Safe tx removing every permission of `target` (immediate).
pub fn remove_target_tx(guard: Address, target: Address, nonce: U256) -> SafeTx {
    let call = CofferAllowlistGuard::removeTargetCall { target };
    guard_call(guard, call.abi_encode(), nonce)
}

/// The Safe tx removing one selector of `target` (immediate).
pub fn remove_selector_tx(
    guard: Address,
    target: Address,
    selector: FixedBytes<4>,
    nonce: U256,
) -> SafeTx {
    let call = CofferAllowlistGuard::removeSelectorCall { target, selector };
    guard_call(guard, call.abi_encode(), nonce)
}

/// The Safe tx installing `guard` (`setGuard(guard)`).
pub fn install_tx(info: &SafeInfo, guard: Address, nonce: U256) -> Result<SafeTx> {
    info.set_guard_tx(guard, nonce)
}

/// The Safe tx removing the guard (`setGuard(0)`): always allowed by a `CofferAllowlistGuard`.
pub fn uninstall_tx(info: &SafeInfo, nonce: U256) -> Result<SafeTx> {
    info.set_guard_tx(Address::ZERO, nonce)
}

/// Parses a selector: `0x` and 8 hex digits, `empty` (empty calldata, `0x00000000`), or a function signature
/// such as `transfer(address,uint256)` (its keccak-256's first 4 bytes).
pub fn parse_selector(s: &str) -> Result<FixedBytes<4>> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("empty") {
        return Ok(FixedBytes::ZERO);
    }
    if let Some(hex) = t.strip_prefix("0x") {
        let bytes = alloy::primitives::hex::decode(hex).ok().filter(|b| b.len() == 4).ok_or_else(|| {
            Error::Guard(format!(
                "selector {t:?} is not 0x and 8 hex digits; write e.g. 0xa9059cbb or transfer(address,uint256)"
            ))
        })?;
        return Ok(FixedBytes::from_slice(&bytes));
    }
    let open = t.find('(');
    if open.is_none_or(|i| i == 0) || !t.ends_with(')') || t.contains(' ') {
        return Err(Error::Guard(format!(
            "selector {t:?} is neither 0x and 8 hex digits nor a signature like transfer(address,uint256) (no spaces, no names)"
        )));
    }
    Ok(FixedBytes::from_slice(&alloy::primitives::keccak256(t.as_bytes())[..4]))
}

/// A person's reading of a `CofferAllowlistGuard` refusal (its custom errors), or `None` when `data` is not one.
pub fn describe_refusal(data: &[u8]) -> Option<String> {
    use alloy::sol_types::SolInterface;
    use coffer_contracts::bindings::CofferAllowlistGuard::CofferAllowlistGuardErrors as E;
    let e = E::abi_decode(data).ok()?;
    let what = match e {
        E::NotSafe(e) => format!("{} is not the Safe this guard guards", e.caller),
        E::RefundNotAllowed(_) => {
            "a refund (gasPrice ≠ 0) is not allowed; propose it with gasPrice 0".to_owned()
        }
        E::TargetNotAllowed(e) => format!(
            "{} is not on the list (or its addition is still pending); see `coffer guard allowlist show`",
            e.target
        ),
        E::FunctionNotAllowed(e) => {
            format!("function {} of {} is not on the list", e.selector, e.target)
        }
        E::ValueNotAllowed(e) => format!("sending ETH to {} is not allowed", e.target),
        E::DelegateCallNotAllowed(e) => {
            format!("a DELEGATECALL to {} is not allowed", e.target)
        }
        E::SelfCallNotAllowed(e) => format!(
            "the Safe calling itself with {} (enableModule, setFallbackHandler, …) is never allowed",
            e.selector
        ),
        E::MalformedData(_) => {
            "calldata of 1 to 3 bytes, or a batch that does not decode".to_owned()
        }
    };
    Some(format!("the allowlist guard refuses: {what}"))
}
