//! The signing gate: the one place that decides whether coffer may propose, sign, approve or
//! execute a Safe transaction, and what a signer is shown before it does.
//!
//! Every path goes through [`review_online`] (a node is reachable: chain id, Safe version,
//! `getTransactionHash` and the runtime code of delegatecall targets are read from it) or
//! [`review_offline`] (an offline bundle: only the compiled-in facts). Both decode the action,
//! apply the [`Policy`] and return a [`Review`] whose [`Review::lines`] the caller shows next to
//! the transaction; what the policy refuses is an error, and nothing is signed or sent.
//!
//! The policy (`docs/security.md`):
//! - a DELEGATECALL, at the top or inside a batch, may only go to a known MultiSendCallOnly or
//!   SignMessageLib ([`known_libraries`]): coffer's suite through either CREATE2 deployer, and
//!   the canonical Safe 1.3.0, 1.4.1 and 1.5.0 deployments. Online, the library's runtime code
//!   must also be the expected one ([`Error::LibraryCodeMismatch`]); offline the preview says the
//!   code was not checked. Anything else is [`Error::DelegatecallRefused`] unless
//!   [`Policy::allow_delegatecall`];
//! - offline, a Safe version whose EIP-712 domain has no chain id (before 1.3.0) is refused
//!   ([`Error::LegacyDomainRefused`]) unless [`Policy::allow_legacy_domain`]: such a signature is
//!   valid on every chain, and only a node can confirm the version. Online the version is read
//!   from the Safe and must match;
//! - a SignMessageLib `signMessage(bytes)` shows the message and the Safe message hash it marks
//!   as signed.

use alloy::{
    primitives::{Address, B256, Bytes, keccak256},
    providers::Provider,
};
use coffer_contracts::{CanonicalContract, artifact, canonical_deployments};
use coffer_core::{
    CallKind, DecodedCall, Operation, SafeTx, SafeTxContext, decode_call, message_text,
    safe_message_hash,
};

use crate::{
    Error, Result,
    deploy::{ARACHNID_DEPLOYER, SAFE_SINGLETON_FACTORY, code_matches},
    nonce::check_safe_tx_hash,
    suite::SuiteAddresses,
};

/// Chains where CREATE2 addresses are derived differently (zkSync Era mainnet and its test
/// networks), so neither coffer's nor the canonical deterministic addresses hold there: no
/// library is known on them.
const OTHER_CREATE2_CHAINS: [u64; 3] = [324, 300, 280];

/// What the user explicitly allowed beyond the default policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Accept a DELEGATECALL to a contract that is not a known library (`--allow-delegatecall`).
    pub allow_delegatecall: bool,
    /// Accept, offline, a Safe version whose domain has no chain id (`--allow-legacy-domain`).
    pub allow_legacy_domain: bool,
}

/// Which library a known delegatecall target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LibraryKind {
    /// MultiSendCallOnly: runs a batch of plain calls.
    MultiSendCallOnly,
    /// SignMessageLib: marks a Safe message as signed.
    SignMessageLib,
}

impl LibraryKind {
    /// The contract name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MultiSendCallOnly => "MultiSendCallOnly",
            Self::SignMessageLib => "SignMessageLib",
        }
    }
}

/// The runtime code a known library must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedCode {
    /// A canonical deployment: keccak-256 of its runtime code.
    Hash(B256),
    /// One of coffer's committed artifacts (compared with its runtime code, immutables masked).
    Artifact(&'static str),
}

/// A contract a DELEGATECALL may go to without [`Policy::allow_delegatecall`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownLibrary {
    /// Its address.
    pub address: Address,
    /// What it is.
    pub kind: LibraryKind,
    /// Whose it is: `"coffer"` or `"canonical 1.4.1"`, ….
    pub suite: String,
    /// The code it must have on chain.
    pub code: ExpectedCode,
}

impl core::fmt::Display for KnownLibrary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.suite, self.kind.name())
    }
}

/// The known delegatecall targets on `chain_id`: MultiSendCallOnly and SignMessageLib of coffer's
/// suite (through the Safe Singleton Factory and through Arachnid's proxy) and of the canonical
/// Safe 1.3.0, 1.4.1 and 1.5.0 releases. Empty on chains where deterministic addresses differ.
pub fn known_libraries(chain_id: u64) -> Vec<KnownLibrary> {
    let mut out = Vec::new();
    if OTHER_CREATE2_CHAINS.contains(&chain_id) {
        return out;
    }
    for deployer in [SAFE_SINGLETON_FACTORY, ARACHNID_DEPLOYER] {
        if let Ok(s) = SuiteAddresses::coffer(deployer) {
            for (address, kind) in [
                (s.multi_send_call_only, LibraryKind::MultiSendCallOnly),
                (s.sign_message_lib, LibraryKind::SignMessageLib),
            ] {
                out.push(KnownLibrary {
                    address,
                    kind,
                    suite: "coffer".to_owned(),
                    code: ExpectedCode::Artifact(kind.name()),
                });
            }
        }
    }
    for d in canonical_deployments() {
        let kind = match d.contract {
            CanonicalContract::MultiSendCallOnly => LibraryKind::MultiSendCallOnly,
            CanonicalContract::SignMessageLib => LibraryKind::SignMessageLib,
            _ => continue,
        };
        out.push(KnownLibrary {
            address: d.address,
            kind,
            suite: format!("canonical {}", d.version),
            code: ExpectedCode::Hash(d.code_hash),
        });
    }
    out
}

/// The known library at `address` on `chain_id`, if any (by address only: see [`review_online`]
/// for the code check).
pub fn known_library(chain_id: u64, address: Address) -> Option<KnownLibrary> {
    known_libraries(chain_id).into_iter().find(|l| l.address == address)
}

/// Whether a library's code was compared with what it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// Read from the node and equal to the expected code; the keccak-256 of the code found.
    Verified(B256),
    /// Offline: identified by chain and address only.
    NotChecked,
}

/// A DELEGATECALL the gate let through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delegatecall {
    /// To a known library.
    Known {
        /// The library.
        library: KnownLibrary,
        /// Whether its code was checked.
        code: CodeCheck,
    },
    /// To another contract, allowed by [`Policy::allow_delegatecall`].
    Allowed {
        /// The target.
        target: Address,
        /// keccak-256 of its code when read online.
        code_hash: Option<B256>,
    },
}

/// A message the Safe would sign on chain through SignMessageLib.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeMessage {
    /// The message bytes.
    pub message: Bytes,
    /// The Safe message hash that `signedMessages` will hold (what EIP-1271 checks then accept).
    pub safe_message_hash: B256,
}

/// What the gate found: the decoded action and what a signer must be told besides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// The context the transaction is hashed in.
    pub ctx: SafeTxContext,
    /// The safeTxHash (checked against the Safe's `getTransactionHash` when online).
    pub safe_tx_hash: B256,
    /// The decoded action, with its risks.
    pub action: DecodedCall,
    /// Every delegatecall in it (the transaction's own and any batch entry's), in order.
    pub delegatecalls: Vec<Delegatecall>,
    /// Messages the Safe signs on chain by delegatecalling SignMessageLib.
    pub messages: Vec<SafeMessage>,
    /// Whether chain id, version, hash and library code were checked against a node.
    pub online: bool,
}

impl Review {
    /// What to show next to the transaction, as `(label, text)` lines: where each delegatecall
    /// goes and whether its code was checked, each message and its Safe message hash, and what
    /// could not be checked offline.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for d in &self.delegatecalls {
            out.push((
                "delegatecall",
                match d {
                    Delegatecall::Known { library, code: CodeCheck::Verified(h) } => format!(
                        "to {library} at {}: a known library, runtime code checked on chain ({h})",
                        library.address
                    ),
                    Delegatecall::Known { library, code: CodeCheck::NotChecked } => format!(
                        "to {library} at {}: a known address on chain {}, but offline its code was NOT checked",
                        library.address, self.ctx.chain_id
                    ),
                    Delegatecall::Allowed { target, code_hash } => format!(
                        "to {target}, NOT a known library (allowed by --allow-delegatecall): its code runs with the \
                         Safe's storage and funds{}",
                        code_hash.map_or_else(String::new, |h| format!("; code hash {h}"))
                    ),
                },
            ));
        }
        for m in &self.messages {
            out.push(("signs message", message_text(&m.message)));
            out.push((
                "message hash",
                format!("{} (the Safe message hash it marks as signed)", m.safe_message_hash),
            ));
        }
        if !self.ctx.version.has_chain_id_in_domain() {
            out.push((
                "domain",
                format!(
                    "Safe {} has no chain id in its EIP-712 domain: this signature is valid on every chain \
                     where the Safe {} exists{}",
                    self.ctx.version,
                    self.ctx.safe,
                    if self.online { "" } else { " (offline: the version was NOT checked)" }
                ),
            ));
        }
        if !self.online {
            out.push((
                "offline",
                "chain id, Safe version and library code were not checked against a node"
                    .to_owned(),
            ));
        }
        out
    }
}

/// Every call of `action` (itself, then the entries of a batch, depth first).
fn calls(action: &DecodedCall) -> Vec<&DecodedCall> {
    let mut out = vec![action];
    if let CallKind::MultiSend { entries } = &action.kind {
        for e in entries {
            out.extend(calls(e));
        }
    }
    out
}

fn refuse_unknown(target: Address, chain_id: u64) -> Error {
    Error::DelegatecallRefused {
        target,
        reason: format!(
            "it is not a known MultiSendCallOnly or SignMessageLib on chain {chain_id} (coffer's or a canonical \
             Safe release)"
        ),
    }
}

/// The checks that need no node: decoding, the delegatecall policy by address, SignMessageLib
/// messages. `online` only sets [`Review::online`].
fn review_common(
    ctx: &SafeTxContext,
    tx: &SafeTx,
    policy: Policy,
    online: bool,
) -> Result<(Review, Vec<(usize, Address)>)> {
    let action = decode_call(tx.to, tx.value, &tx.data, tx.operation);
    let mut delegatecalls = Vec::new();
    let mut messages = Vec::new();
    let mut to_check = Vec::new();
    for call in calls(&action) {
        if call.operation != Operation::DelegateCall {
            continue;
        }
        match known_library(ctx.chain_id, call.to) {
            Some(library) => {
                if library.kind == LibraryKind::SignMessageLib
                    && let CallKind::SignMessage { message } = &call.kind
                {
                    messages.push(SafeMessage {
                        message: message.clone(),
                        safe_message_hash: safe_message_hash(ctx, message),
                    });
                }
                to_check.push((delegatecalls.len(), call.to));
                delegatecalls.push(Delegatecall::Known { library, code: CodeCheck::NotChecked });
            }
            None if policy.allow_delegatecall => {
                to_check.push((delegatecalls.len(), call.to));
                delegatecalls.push(Delegatecall::Allowed { target: call.to, code_hash: None });
            }
            None => return Err(refuse_unknown(call.to, ctx.chain_id)),
        }
    }
    let review = Review {
        ctx: *ctx,
        safe_tx_hash: tx.safe_tx_hash(ctx),
        action,
        delegatecalls,
        messages,
        online,
    };
    Ok((review, to_check))
}

/// The gate without a node (an offline bundle): decodes `tx`, refuses a delegatecall to anything
/// but a known library by chain and address ([`Error::DelegatecallRefused`]), and a version
/// without a chain id in its domain ([`Error::LegacyDomainRefused`]), unless `policy` allows it.
/// The review says that nothing was checked against a node.
pub fn review_offline(ctx: &SafeTxContext, tx: &SafeTx, policy: Policy) -> Result<Review> {
    if !ctx.version.has_chain_id_in_domain() && !policy.allow_legacy_domain {
        return Err(Error::LegacyDomainRefused { version: ctx.version.to_string() });
    }
    Ok(review_common(ctx, tx, policy, false)?.0)
}

/// The gate with a node: checks that the node is on `ctx.chain_id`, that the Safe reports
/// `ctx.version` and that its `getTransactionHash` equals coffer's safeTxHash
/// ([`check_safe_tx_hash`]); decodes `tx`; refuses a delegatecall to anything but a known library
/// ([`Error::DelegatecallRefused`]) and a known library address whose runtime code is not the
/// library's ([`Error::LibraryCodeMismatch`]).
pub async fn review_online<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    policy: Policy,
) -> Result<Review> {
    let safe_tx_hash = check_safe_tx_hash(provider, ctx, tx).await?;
    let (mut review, to_check) = review_common(ctx, tx, policy, true)?;
    review.safe_tx_hash = safe_tx_hash;
    for (i, address) in to_check {
        let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
        let hash = keccak256(&code);
        match &mut review.delegatecalls[i] {
            Delegatecall::Known { library, code: check } => {
                let matches = !code.is_empty()
                    && match library.code {
                        ExpectedCode::Hash(h) => h == hash,
                        ExpectedCode::Artifact(name) => code_matches(artifact(name)?, &code),
                    };
                if !matches {
                    return Err(Error::LibraryCodeMismatch {
                        library: library.to_string(),
                        address,
                        found: (!code.is_empty()).then_some(hash),
                    });
                }
                *check = CodeCheck::Verified(hash);
            }
            Delegatecall::Allowed { code_hash, .. } => *code_hash = Some(hash),
        }
    }
    Ok(review)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use alloy::primitives::{U256, address};
    use coffer_core::{MultiSendBatch, MultiSendEntry, SafeVersion};

    const SAFE: Address = address!("00000000000000000000000000000000000005af");
    const ELSEWHERE: Address = address!("00000000000000000000000000000000000bad00");

    fn ctx(version: SafeVersion) -> SafeTxContext {
        SafeTxContext::new(1, SAFE, version)
    }

    fn canonical(version: &str, kind: LibraryKind) -> Address {
        known_libraries(1)
            .into_iter()
            .find(|l| l.suite == format!("canonical {version}") && l.kind == kind)
            .map(|l| l.address)
            .unwrap_or_default()
    }

    fn batch(entries: Vec<MultiSendEntry>) -> Bytes {
        MultiSendBatch::new(entries).encode_call()
    }

    #[test]
    fn the_known_list_holds_coffer_and_canonical_libraries() {
        let list = known_libraries(1);
        // 2 deployers × 2 coffer libraries + 3 releases × 2 canonical ones.
        assert_eq!(list.len(), 10);
        assert_eq!(
            canonical("1.4.1", LibraryKind::MultiSendCallOnly),
            address!("9641d764fc13c8B624c04430C7356C1C7C8102e2")
        );
        let coffer =
            SuiteAddresses::coffer(SAFE_SINGLETON_FACTORY).ok().map(|s| s.sign_message_lib);
        assert!(list.iter().any(|l| Some(l.address) == coffer && l.suite == "coffer"));
        // Canonical MultiSend (whose entries may delegatecall) is not a known target.
        assert!(known_library(1, address!("38869bf66a61cF6bDB996A6aE40D5853Fd43B526")).is_none());
        assert!(known_libraries(324).is_empty());
    }

    #[test]
    fn offline_unknown_delegatecalls_are_refused_known_ones_marked_unchecked() {
        let data = batch(vec![MultiSendEntry::call(ELSEWHERE, U256::from(1u64), Bytes::new())]);
        let tx = SafeTx::delegate_call(ELSEWHERE, data.clone(), U256::ZERO);
        let v = SafeVersion::V1_4_1;
        match review_offline(&ctx(v), &tx, Policy::default()) {
            Err(Error::DelegatecallRefused { target, .. }) => assert_eq!(target, ELSEWHERE),
            other => panic!("expected DelegatecallRefused, got {other:?}"),
        }
        let allowed = Policy { allow_delegatecall: true, ..Policy::default() };
        let review = review_offline(&ctx(v), &tx, allowed).unwrap();
        assert!(review.lines().iter().any(|(_, t)| t.contains("NOT a known library")));

        let msco = canonical("1.4.1", LibraryKind::MultiSendCallOnly);
        let tx = SafeTx::delegate_call(msco, data, U256::ZERO);
        let review = review_offline(&ctx(v), &tx, Policy::default()).unwrap();
        assert!(matches!(
            review.delegatecalls.as_slice(),
            [Delegatecall::Known { code: CodeCheck::NotChecked, .. }]
        ));
        let lines = review.lines();
        assert!(lines.iter().any(|(_, t)| t.contains("its code was NOT checked")), "{lines:?}");
        assert!(lines.iter().any(|(l, _)| *l == "offline"), "{lines:?}");
    }

    #[test]
    fn a_delegatecall_inside_a_batch_is_checked_too() {
        let inner = MultiSendEntry {
            operation: Operation::DelegateCall,
            to: ELSEWHERE,
            value: U256::ZERO,
            data: Bytes::new(),
        };
        let msco = canonical("1.4.1", LibraryKind::MultiSendCallOnly);
        let tx = SafeTx::delegate_call(msco, batch(vec![inner]), U256::ZERO);
        assert!(matches!(
            review_offline(&ctx(SafeVersion::V1_4_1), &tx, Policy::default()),
            Err(Error::DelegatecallRefused { target: ELSEWHERE, .. })
        ));
    }

    #[test]
    fn legacy_domains_need_the_flag_offline() {
        let tx = SafeTx::call(ELSEWHERE, U256::from(1u64), Bytes::new(), U256::ZERO);
        for v in [SafeVersion::V0_1_0, SafeVersion::V1_1_1, SafeVersion::V1_2_0] {
            assert!(matches!(
                review_offline(&ctx(v), &tx, Policy::default()),
                Err(Error::LegacyDomainRefused { .. })
            ));
            let allowed = Policy { allow_legacy_domain: true, ..Policy::default() };
            let review = review_offline(&ctx(v), &tx, allowed).unwrap();
            assert!(
                review.lines().iter().any(|(l, t)| *l == "domain" && t.contains("NOT checked"))
            );
        }
        assert!(review_offline(&ctx(SafeVersion::V1_3_0), &tx, Policy::default()).is_ok());
    }

    #[test]
    fn sign_message_lib_shows_the_message_and_its_safe_hash() {
        let message = b"gm".to_vec();
        let mut data = vec![0x85, 0xa5, 0xaf, 0xfe];
        data.extend_from_slice(&U256::from(32u64).to_be_bytes::<32>());
        data.extend_from_slice(&U256::from(2u64).to_be_bytes::<32>());
        data.extend_from_slice(b"gm");
        data.resize(4 + 96, 0);
        let lib = canonical("1.3.0", LibraryKind::SignMessageLib);
        let c = ctx(SafeVersion::V1_3_0);
        let review =
            review_offline(&c, &SafeTx::delegate_call(lib, data, U256::ZERO), Policy::default())
                .unwrap();
        assert_eq!(
            review.messages,
            vec![SafeMessage {
                message: Bytes::from(message.clone()),
                safe_message_hash: safe_message_hash(&c, &message),
            }]
        );
        assert!(review.lines().iter().any(|(l, t)| *l == "signs message" && t.contains("\"gm\"")));
    }
}
