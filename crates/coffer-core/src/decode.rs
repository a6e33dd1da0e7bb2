//! Calldata decoding for display: what a Safe transaction (or each entry of a batch) does, and its risks.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, sol};

use crate::{MultiSendBatch, Operation};

sol! {
    function transfer(address to, uint256 amount) returns (bool);
    function approve(address spender, uint256 amount) returns (bool);
    function transferFrom(address from, address to, uint256 amount) returns (bool);
    function addOwnerWithThreshold(address owner, uint256 _threshold);
    function removeOwner(address prevOwner, address owner, uint256 _threshold);
    function swapOwner(address prevOwner, address oldOwner, address newOwner);
    function changeThreshold(uint256 _threshold);
    function approveHash(bytes32 hashToApprove);
    function enableModule(address module);
    function disableModule(address prevModule, address module);
    function setGuard(address guard);
    function setFallbackHandler(address handler);
    function setModuleGuard(address moduleGuard);
    function changeMasterCopy(address _masterCopy);
    function migrateSingleton();
    function migrateWithFallbackHandler();
    function migrateL2Singleton();
    function migrateL2WithFallbackHandler();
    function migrateToL2(address l2Singleton);
    function migrateFromV111(address l2Singleton, address fallbackHandler);
    function multiSend(bytes transactions);
    struct PlanTokenCap { address token; uint256 amount; }
    function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, uint64 salt, PlanTokenCap[] caps);
    function revokePlan(bytes32 root);
    function signMessage(bytes _data);
    function revokePlanAt(bytes32 root, uint32 executedCount);
    function allowTarget(address target, bool anySelector, bool value);
    function allowSelector(address target, bytes4 selector);
    function allowDelegateCall(address target);
    function removeTarget(address target);
    function removeSelector(address target, bytes4 selector);
}

/// Something about a call that a signer should look at twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Risk {
    /// The call is a delegatecall: the target's code runs with the Safe's storage and funds.
    DelegateCall,
    /// The Safe's singleton (its code) changes.
    SingletonChange,
    /// The transaction guard or module guard changes.
    GuardChange,
    /// The fallback handler changes.
    FallbackHandlerChange,
    /// A module is enabled or disabled (a module can move funds without signatures).
    ModuleChange,
    /// An owner is added, removed or replaced.
    OwnerChange,
    /// The threshold changes.
    ThresholdChange,
    /// A payout plan is approved: once executed, anyone can run every chunk under its root
    /// through the PayoutPlanModule, with no further signature.
    PayoutPlanApproval,
    /// The Safe signs a message on chain (SignMessageLib): anything that accepts the Safe's EIP-1271
    /// signature (a permit, an order, a login) accepts it, with no further signature.
    MessageSignature,
}

impl core::fmt::Display for Risk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::DelegateCall => "DELEGATECALL",
            Self::SingletonChange => "SINGLETON CHANGE",
            Self::GuardChange => "GUARD CHANGE",
            Self::FallbackHandlerChange => "FALLBACK HANDLER CHANGE",
            Self::ModuleChange => "MODULE CHANGE",
            Self::OwnerChange => "OWNER CHANGE",
            Self::ThresholdChange => "THRESHOLD CHANGE",
            Self::PayoutPlanApproval => "PAYOUT PLAN APPROVAL",
            Self::MessageSignature => "SAFE MESSAGE SIGNATURE",
        })
    }
}

/// What a call does, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallKind {
    /// No calldata: a plain transfer of the native coin (or a call to a fallback).
    NativeTransfer,
    /// ERC-20 `transfer(to, amount)`.
    Erc20Transfer {
        /// Receiver.
        to: Address,
        /// Base units.
        amount: U256,
    },
    /// ERC-20 `approve(spender, amount)`.
    Erc20Approve {
        /// Spender.
        spender: Address,
        /// Base units.
        amount: U256,
    },
    /// ERC-20 `transferFrom(from, to, amount)`.
    Erc20TransferFrom {
        /// Owner of the tokens.
        from: Address,
        /// Receiver.
        to: Address,
        /// Base units.
        amount: U256,
    },
    /// Safe `addOwnerWithThreshold(owner, threshold)`.
    AddOwnerWithThreshold {
        /// The new owner.
        owner: Address,
        /// The new threshold.
        threshold: U256,
    },
    /// Safe `removeOwner(prevOwner, owner, threshold)`.
    RemoveOwner {
        /// The owner before it in the linked list.
        prev_owner: Address,
        /// The owner removed.
        owner: Address,
        /// The new threshold.
        threshold: U256,
    },
    /// Safe `swapOwner(prevOwner, oldOwner, newOwner)`.
    SwapOwner {
        /// The owner before `old_owner` in the linked list.
        prev_owner: Address,
        /// The owner replaced.
        old_owner: Address,
        /// The replacement.
        new_owner: Address,
    },
    /// Safe `changeThreshold(threshold)`.
    ChangeThreshold {
        /// The new threshold.
        threshold: U256,
    },
    /// Safe `approveHash(hash)`: the calling Safe (an owner of the called Safe) approves that Safe's transaction
    /// `hash` on chain.
    ApproveHash {
        /// The safeTxHash approved.
        hash: alloy_primitives::B256,
    },
    /// Safe `enableModule(module)`.
    EnableModule {
        /// The module.
        module: Address,
    },
    /// Safe `disableModule(prevModule, module)`.
    DisableModule {
        /// The module before it in the linked list.
        prev_module: Address,
        /// The module disabled.
        module: Address,
    },
    /// Safe `setGuard(guard)` (zero removes the guard).
    SetGuard {
        /// The new guard.
        guard: Address,
    },
    /// Safe `setFallbackHandler(handler)`.
    SetFallbackHandler {
        /// The new handler.
        handler: Address,
    },
    /// Safe 1.5.0 `setModuleGuard(guard)`.
    SetModuleGuard {
        /// The new module guard.
        guard: Address,
    },
    /// A change of singleton: `changeMasterCopy(address)` (≤ 1.2.0) or a Safe migration library call.
    SingletonChange {
        /// The function called.
        function: &'static str,
        /// The new singleton, when the call names it.
        singleton: Option<Address>,
    },
    /// PayoutPlanModule `approvePlan(root, chunkCount, expiry, caps)`.
    ApprovePayoutPlan {
        /// The Merkle root over the plan's chunks.
        root: alloy_primitives::B256,
        /// How many chunks the plan has.
        chunk_count: u32,
        /// Unix time after which no chunk may run.
        expiry: u64,
        /// Per-token spending caps (token zero = the native coin).
        caps: Vec<(Address, U256)>,
    },
    /// AllowanceModule (spending limits) `addDelegate`, `removeDelegate`, `setAllowance`, `resetAllowance` or
    /// `deleteAllowance`: the Safe lets `delegate` spend (or stops it) without further signatures.
    SpendingLimit {
        /// The function called (`setAllowance`, ...).
        function: &'static str,
        /// The delegate.
        delegate: Address,
        /// The token (zero: ether), for the allowance calls.
        token: Option<Address>,
        /// `setAllowance`: (amount in base units, period in minutes, anchor minute).
        limit: Option<(U256, u16, u32)>,
        /// `removeDelegate`: whether its allowances are deleted too.
        remove_allowances: Option<bool>,
    },
    /// CofferAllowlistGuard list management (`allowTarget`, `allowSelector`, `allowDelegateCall`: loosening,
    /// in force after the guard's delay; `removeTarget`, `removeSelector`: tightening, in force at once).
    AllowlistChange {
        /// The function called (`allowTarget`, ...).
        function: &'static str,
        /// The target or library the entry is about.
        target: Address,
        /// `allowSelector` / `removeSelector`: the selector (`0x00000000`: empty calldata).
        selector: Option<[u8; 4]>,
        /// `allowTarget`: every selector is allowed (an unscoped target).
        any_selector: bool,
        /// `allowTarget`: ether may be sent with the calls.
        value: bool,
    },
    /// PayoutPlanModule `revokePlan(root)`.
    RevokePayoutPlan {
        /// The root of the plan revoked.
        root: alloy_primitives::B256,
    },
    /// SignMessageLib `signMessage(bytes)`: delegatecalled by the Safe, it marks the Safe message hash of
    /// `message` as signed on chain (EIP-1271), with no further signature.
    SignMessage {
        /// The message bytes, exactly as passed.
        message: Bytes,
    },
    /// `multiSend(bytes)`, with each inner entry decoded.
    MultiSend {
        /// The inner calls, in order.
        entries: Vec<DecodedCall>,
    },
    /// A known function whose arguments do not decode.
    Malformed {
        /// The function it claims to be.
        function: &'static str,
        /// Why it does not decode.
        reason: String,
    },
    /// Anything else: the selector and the raw arguments.
    Unknown {
        /// The first 4 bytes.
        selector: [u8; 4],
        /// The bytes after the selector.
        args: Bytes,
    },
}

/// One decoded call with its risks. `Display` prints one line per call, with the entries of a batch indented
/// below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedCall {
    /// Target.
    pub to: Address,
    /// Wei sent.
    pub value: U256,
    /// Call or delegatecall.
    pub operation: Operation,
    /// What it does.
    pub kind: CallKind,
    /// What to look at twice (for this call itself; inner entries carry their own).
    pub risks: Vec<Risk>,
}

impl DecodedCall {
    /// Every risk of this call and of all nested calls, sorted and without repeats.
    pub fn all_risks(&self) -> Vec<Risk> {
        let mut out = self.risks.clone();
        if let CallKind::MultiSend { entries } = &self.kind {
            for e in entries {
                out.extend(e.all_risks());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn decode_as<C: SolCall>(data: &[u8]) -> Result<C, String> {
    C::abi_decode(data).map_err(|e| e.to_string())
}

/// Decodes a call made by a Safe (or by a MultiSend entry) for display.
///
/// Knows ERC-20 `transfer`/`approve`/`transferFrom`, the Safe's owner, threshold, module, guard, fallback-handler
/// and singleton changes, and `multiSend(bytes)` (each inner entry decoded recursively). Anything else is the
/// selector and the raw arguments. Never fails: calldata that claims a known selector but does not decode is
/// [`CallKind::Malformed`].
pub fn decode_call(to: Address, value: U256, data: &[u8], operation: Operation) -> DecodedCall {
    let mut risks = Vec::new();
    if operation == Operation::DelegateCall {
        risks.push(Risk::DelegateCall);
    }
    let kind = decode_kind(data, &mut risks);
    DecodedCall { to, value, operation, kind, risks }
}

macro_rules! decode_known {
    ($data:expr, $call:ty, $name:literal, |$c:ident| $body:expr) => {
        match decode_as::<$call>($data) {
            Ok($c) => $body,
            Err(reason) => CallKind::Malformed { function: $name, reason },
        }
    };
}

fn decode_kind(data: &[u8], risks: &mut Vec<Risk>) -> CallKind {
    if data.is_empty() {
        return CallKind::NativeTransfer;
    }
    if data.len() < 4 {
        return CallKind::Unknown { selector: [0; 4], args: Bytes::copy_from_slice(data) };
    }
    let mut selector = [0u8; 4];
    selector.copy_from_slice(&data[..4]);
    let mut flag = |r: Risk| risks.push(r);
    match selector {
        transferCall::SELECTOR => {
            decode_known!(data, transferCall, "transfer(address,uint256)", |c| {
                CallKind::Erc20Transfer { to: c.to, amount: c.amount }
            })
        }
        approveCall::SELECTOR => {
            decode_known!(data, approveCall, "approve(address,uint256)", |c| {
                CallKind::Erc20Approve { spender: c.spender, amount: c.amount }
            })
        }
        transferFromCall::SELECTOR => {
            decode_known!(data, transferFromCall, "transferFrom(address,address,uint256)", |c| {
                CallKind::Erc20TransferFrom { from: c.from, to: c.to, amount: c.amount }
            })
        }
        addOwnerWithThresholdCall::SELECTOR => {
            flag(Risk::OwnerChange);
            flag(Risk::ThresholdChange);
            decode_known!(
                data,
                addOwnerWithThresholdCall,
                "addOwnerWithThreshold(address,uint256)",
                |c| { CallKind::AddOwnerWithThreshold { owner: c.owner, threshold: c._threshold } }
            )
        }
        removeOwnerCall::SELECTOR => {
            flag(Risk::OwnerChange);
            flag(Risk::ThresholdChange);
            decode_known!(data, removeOwnerCall, "removeOwner(address,address,uint256)", |c| {
                CallKind::RemoveOwner {
                    prev_owner: c.prevOwner,
                    owner: c.owner,
                    threshold: c._threshold,
                }
            })
        }
        swapOwnerCall::SELECTOR => {
            flag(Risk::OwnerChange);
            decode_known!(data, swapOwnerCall, "swapOwner(address,address,address)", |c| {
                CallKind::SwapOwner {
                    prev_owner: c.prevOwner,
                    old_owner: c.oldOwner,
                    new_owner: c.newOwner,
                }
            })
        }
        changeThresholdCall::SELECTOR => {
            flag(Risk::ThresholdChange);
            decode_known!(data, changeThresholdCall, "changeThreshold(uint256)", |c| {
                CallKind::ChangeThreshold { threshold: c._threshold }
            })
        }
        approveHashCall::SELECTOR => {
            decode_known!(data, approveHashCall, "approveHash(bytes32)", |c| {
                CallKind::ApproveHash { hash: c.hashToApprove }
            })
        }
        enableModuleCall::SELECTOR => {
            flag(Risk::ModuleChange);
            decode_known!(data, enableModuleCall, "enableModule(address)", |c| {
                CallKind::EnableModule { module: c.module }
            })
        }
        disableModuleCall::SELECTOR => {
            flag(Risk::ModuleChange);
            decode_known!(data, disableModuleCall, "disableModule(address,address)", |c| {
                CallKind::DisableModule { prev_module: c.prevModule, module: c.module }
            })
        }
        setGuardCall::SELECTOR => {
            flag(Risk::GuardChange);
            decode_known!(data, setGuardCall, "setGuard(address)", |c| CallKind::SetGuard {
                guard: c.guard
            })
        }
        setModuleGuardCall::SELECTOR => {
            flag(Risk::GuardChange);
            decode_known!(data, setModuleGuardCall, "setModuleGuard(address)", |c| {
                CallKind::SetModuleGuard { guard: c.moduleGuard }
            })
        }
        setFallbackHandlerCall::SELECTOR => {
            flag(Risk::FallbackHandlerChange);
            decode_known!(data, setFallbackHandlerCall, "setFallbackHandler(address)", |c| {
                CallKind::SetFallbackHandler { handler: c.handler }
            })
        }
        changeMasterCopyCall::SELECTOR => {
            flag(Risk::SingletonChange);
            decode_known!(data, changeMasterCopyCall, "changeMasterCopy(address)", |c| {
                CallKind::SingletonChange {
                    function: "changeMasterCopy(address)",
                    singleton: Some(c._masterCopy),
                }
            })
        }
        migrateToL2Call::SELECTOR => {
            flag(Risk::SingletonChange);
            decode_known!(data, migrateToL2Call, "migrateToL2(address)", |c| {
                CallKind::SingletonChange {
                    function: "migrateToL2(address)",
                    singleton: Some(c.l2Singleton),
                }
            })
        }
        migrateFromV111Call::SELECTOR => {
            flag(Risk::SingletonChange);
            flag(Risk::FallbackHandlerChange);
            decode_known!(data, migrateFromV111Call, "migrateFromV111(address,address)", |c| {
                CallKind::SingletonChange {
                    function: "migrateFromV111(address,address)",
                    singleton: Some(c.l2Singleton),
                }
            })
        }
        migrateSingletonCall::SELECTOR => {
            flag(Risk::SingletonChange);
            CallKind::SingletonChange { function: "migrateSingleton()", singleton: None }
        }
        migrateL2SingletonCall::SELECTOR => {
            flag(Risk::SingletonChange);
            CallKind::SingletonChange { function: "migrateL2Singleton()", singleton: None }
        }
        migrateWithFallbackHandlerCall::SELECTOR => {
            flag(Risk::SingletonChange);
            flag(Risk::FallbackHandlerChange);
            CallKind::SingletonChange { function: "migrateWithFallbackHandler()", singleton: None }
        }
        migrateL2WithFallbackHandlerCall::SELECTOR => {
            flag(Risk::SingletonChange);
            flag(Risk::FallbackHandlerChange);
            CallKind::SingletonChange {
                function: "migrateL2WithFallbackHandler()",
                singleton: None,
            }
        }
        approvePlanCall::SELECTOR => {
            flag(Risk::PayoutPlanApproval);
            decode_known!(
                data,
                approvePlanCall,
                "approvePlan(bytes32,uint32,uint64,uint64,(address,uint256)[])",
                |c| CallKind::ApprovePayoutPlan {
                    root: c.root,
                    chunk_count: c.chunkCount,
                    expiry: c.expiry,
                    caps: c.caps.iter().map(|cap| (cap.token, cap.amount)).collect(),
                }
            )
        }
        crate::allowance::addDelegateCall::SELECTOR => {
            decode_known!(data, crate::allowance::addDelegateCall, "addDelegate(address)", |c| {
                CallKind::SpendingLimit {
                    function: "addDelegate",
                    delegate: c.delegate,
                    token: None,
                    limit: None,
                    remove_allowances: None,
                }
            })
        }
        crate::allowance::removeDelegateCall::SELECTOR => {
            decode_known!(
                data,
                crate::allowance::removeDelegateCall,
                "removeDelegate(address,bool)",
                |c| CallKind::SpendingLimit {
                    function: "removeDelegate",
                    delegate: c.delegate,
                    token: None,
                    limit: None,
                    remove_allowances: Some(c.removeAllowances),
                }
            )
        }
        crate::allowance::setAllowanceCall::SELECTOR => {
            decode_known!(
                data,
                crate::allowance::setAllowanceCall,
                "setAllowance(address,address,uint96,uint16,uint32)",
                |c| CallKind::SpendingLimit {
                    function: "setAllowance",
                    delegate: c.delegate,
                    token: Some(c.token),
                    limit: Some((U256::from(c.allowanceAmount), c.resetTimeMin, c.resetBaseMin)),
                    remove_allowances: None,
                }
            )
        }
        crate::allowance::resetAllowanceCall::SELECTOR => {
            decode_known!(
                data,
                crate::allowance::resetAllowanceCall,
                "resetAllowance(address,address)",
                |c| CallKind::SpendingLimit {
                    function: "resetAllowance",
                    delegate: c.delegate,
                    token: Some(c.token),
                    limit: None,
                    remove_allowances: None,
                }
            )
        }
        crate::allowance::deleteAllowanceCall::SELECTOR => {
            decode_known!(
                data,
                crate::allowance::deleteAllowanceCall,
                "deleteAllowance(address,address)",
                |c| CallKind::SpendingLimit {
                    function: "deleteAllowance",
                    delegate: c.delegate,
                    token: Some(c.token),
                    limit: None,
                    remove_allowances: None,
                }
            )
        }
        allowTargetCall::SELECTOR => {
            flag(Risk::GuardChange);
            decode_known!(data, allowTargetCall, "allowTarget(address,bool,bool)", |c| {
                CallKind::AllowlistChange {
                    function: "allowTarget",
                    target: c.target,
                    selector: None,
                    any_selector: c.anySelector,
                    value: c.value,
                }
            })
        }
        allowSelectorCall::SELECTOR => {
            flag(Risk::GuardChange);
            decode_known!(data, allowSelectorCall, "allowSelector(address,bytes4)", |c| {
                CallKind::AllowlistChange {
                    function: "allowSelector",
                    target: c.target,
                    selector: Some(c.selector.0),
                    any_selector: false,
                    value: false,
                }
            })
        }
        allowDelegateCallCall::SELECTOR => {
            flag(Risk::GuardChange);
            decode_known!(data, allowDelegateCallCall, "allowDelegateCall(address)", |c| {
                CallKind::AllowlistChange {
                    function: "allowDelegateCall",
                    target: c.target,
                    selector: None,
                    any_selector: false,
                    value: false,
                }
            })
        }
        removeTargetCall::SELECTOR => {
            decode_known!(data, removeTargetCall, "removeTarget(address)", |c| {
                CallKind::AllowlistChange {
                    function: "removeTarget",
                    target: c.target,
                    selector: None,
                    any_selector: false,
                    value: false,
                }
            })
        }
        removeSelectorCall::SELECTOR => {
            decode_known!(data, removeSelectorCall, "removeSelector(address,bytes4)", |c| {
                CallKind::AllowlistChange {
                    function: "removeSelector",
                    target: c.target,
                    selector: Some(c.selector.0),
                    any_selector: false,
                    value: false,
                }
            })
        }
        revokePlanCall::SELECTOR => {
            decode_known!(data, revokePlanCall, "revokePlan(bytes32)", |c| {
                CallKind::RevokePayoutPlan { root: c.root }
            })
        }
        signMessageCall::SELECTOR => {
            flag(Risk::MessageSignature);
            decode_known!(data, signMessageCall, "signMessage(bytes)", |c| {
                CallKind::SignMessage { message: c._data }
            })
        }
        revokePlanAtCall::SELECTOR => {
            decode_known!(data, revokePlanAtCall, "revokePlanAt(bytes32,uint32)", |c| {
                CallKind::RevokePayoutPlan { root: c.root }
            })
        }
        multiSendCall::SELECTOR => match MultiSendBatch::decode_call(data) {
            Ok(batch) => CallKind::MultiSend {
                entries: batch
                    .entries
                    .iter()
                    .map(|e| decode_call(e.to, e.value, &e.data, e.operation))
                    .collect(),
            },
            Err(e) => CallKind::Malformed { function: "multiSend(bytes)", reason: e.to_string() },
        },
        _ => CallKind::Unknown { selector, args: Bytes::copy_from_slice(&data[4..]) },
    }
}

impl DecodedCall {
    fn fmt_indented(
        &self,
        f: &mut core::fmt::Formatter<'_>,
        depth: usize,
        position: Option<usize>,
    ) -> core::fmt::Result {
        let pad = "  ".repeat(depth);
        f.write_str(&pad)?;
        if let Some(i) = position {
            write!(f, "#{i} ")?;
        }
        write!(f, "{} {}", self.operation, self.to)?;
        if !self.value.is_zero() {
            write!(f, " value {} wei", self.value)?;
        }
        f.write_str(": ")?;
        match &self.kind {
            CallKind::NativeTransfer => f.write_str("transfer of the native coin (no calldata)")?,
            CallKind::Erc20Transfer { to, amount } => write!(f, "ERC-20 transfer({to}, {amount})")?,
            CallKind::Erc20Approve { spender, amount } => {
                write!(f, "ERC-20 approve({spender}, {amount})")?;
            }
            CallKind::Erc20TransferFrom { from, to, amount } => {
                write!(f, "ERC-20 transferFrom({from}, {to}, {amount})")?;
            }
            CallKind::AddOwnerWithThreshold { owner, threshold } => {
                write!(f, "addOwnerWithThreshold(owner {owner}, threshold {threshold})")?;
            }
            CallKind::RemoveOwner { prev_owner, owner, threshold } => write!(
                f,
                "removeOwner(prevOwner {prev_owner}, owner {owner}, threshold {threshold})"
            )?,
            CallKind::SwapOwner { prev_owner, old_owner, new_owner } => write!(
                f,
                "swapOwner(prevOwner {prev_owner}, oldOwner {old_owner}, newOwner {new_owner})"
            )?,
            CallKind::ChangeThreshold { threshold } => write!(f, "changeThreshold({threshold})")?,
            CallKind::ApproveHash { hash } => write!(
                f,
                "approveHash({hash}): approves that Safe's transaction {hash} on chain, as its owner"
            )?,
            CallKind::EnableModule { module } => write!(f, "enableModule({module})")?,
            CallKind::DisableModule { prev_module, module } => {
                write!(f, "disableModule(prevModule {prev_module}, module {module})")?;
            }
            CallKind::SetGuard { guard } => write!(f, "setGuard({guard})")?,
            CallKind::SetFallbackHandler { handler } => write!(f, "setFallbackHandler({handler})")?,
            CallKind::SetModuleGuard { guard } => write!(f, "setModuleGuard({guard})")?,
            CallKind::SingletonChange { function, singleton } => {
                f.write_str(function)?;
                if let Some(s) = singleton {
                    write!(f, " → singleton {s}")?;
                }
            }
            CallKind::ApprovePayoutPlan { root, chunk_count, expiry, caps } => {
                write!(
                    f,
                    "approvePlan(root {root}, {chunk_count} chunks, expires at unix time {expiry}, "
                )?;
                if caps.is_empty() {
                    f.write_str("no caps)")?;
                } else {
                    let caps: Vec<String> =
                        caps.iter().map(|(t, a)| format!("{t} ≤ {a}")).collect();
                    write!(f, "caps {})", caps.join(", "))?;
                }
            }
            CallKind::RevokePayoutPlan { root } => write!(f, "revokePlan(root {root})")?,
            CallKind::AllowlistChange { function, target, selector, any_selector, value } => {
                write!(f, "allowlist guard {function}({target}")?;
                if let Some(sel) = selector {
                    write!(f, ", selector 0x{}", alloy_primitives::hex::encode(sel))?;
                    if *sel == [0; 4] {
                        f.write_str(" (empty calldata)")?;
                    }
                }
                if *any_selector {
                    f.write_str(", any function")?;
                }
                if *value {
                    f.write_str(", with ETH")?;
                }
                f.write_str(if function.starts_with("allow") {
                    "): allows more, in force only after the guard's delay"
                } else {
                    "): allows less, in force at once"
                })?;
            }
            CallKind::SpendingLimit { function, delegate, token, limit, remove_allowances } => {
                write!(f, "{function}(delegate {delegate}")?;
                if let Some(t) = token {
                    if t.is_zero() {
                        f.write_str(", ETH")?;
                    } else {
                        write!(f, ", token {t}")?;
                    }
                }
                if let Some((amount, period, anchor)) = limit {
                    write!(
                        f,
                        ", {amount} base units {}",
                        if *period == 0 {
                            "once".to_owned()
                        } else {
                            format!("per {}", crate::allowance::format_period(*period))
                        }
                    )?;
                    if *anchor > 0 {
                        write!(f, ", anchored at unix minute {anchor}")?;
                    }
                }
                if let Some(remove) = remove_allowances {
                    f.write_str(if *remove {
                        ", deleting its allowances"
                    } else {
                        ", keeping its allowances"
                    })?;
                }
                f.write_str(")")?;
            }
            CallKind::SignMessage { message } => {
                write!(f, "signMessage: the Safe signs the message {}", message_text(message))?;
            }
            CallKind::MultiSend { entries } => write!(f, "multiSend of {} entries", entries.len())?,
            CallKind::Malformed { function, reason } => {
                write!(f, "{function} with calldata that does not decode ({reason})")?;
            }
            CallKind::Unknown { selector, args } => write!(
                f,
                "unknown function 0x{} with {} bytes of arguments {}",
                alloy_primitives::hex::encode(selector),
                args.len(),
                args
            )?,
        }
        if !self.risks.is_empty() {
            let names: Vec<String> = self.risks.iter().map(ToString::to_string).collect();
            write!(f, "  [!! {}]", names.join(", "))?;
        }
        if let CallKind::MultiSend { entries } = &self.kind {
            for (i, e) in entries.iter().enumerate() {
                f.write_str("\n")?;
                e.fmt_indented(f, depth + 1, Some(i))?;
            }
        }
        Ok(())
    }
}

/// A message as a signer should read it: quoted text (control characters escaped, so it cannot
/// rewrite a terminal) when it is printable UTF-8, else `0x` hex, with its length.
pub fn message_text(message: &[u8]) -> String {
    match core::str::from_utf8(message) {
        Ok(text) if !text.is_empty() && text.chars().all(|c| !c.is_control() || c == '\n') => {
            format!("{text:?} ({} bytes of text)", message.len())
        }
        _ => format!("{} ({} bytes, not text)", Bytes::copy_from_slice(message), message.len()),
    }
}

impl core::fmt::Display for DecodedCall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.fmt_indented(f, 0, None)
    }
}
