//! The drill's "test with small amounts" (issue 18, `coffer drill start --with-transfer`): a small
//! ETH round trip Safe → owner → Safe. The first leg is an ordinary Safe transaction: proposed with
//! [`flow::propose`](crate::flow::propose) (the signing gate), signed by the owners with
//! [`flow::sign_reviewed`](crate::flow::sign_reviewed) and executed with
//! [`execute_ready`](crate::execute_ready): no second signing or execution path. The second leg is
//! the receiving owner's own EOA transfer of the same amount back to the Safe (a Safe cannot make
//! an owner pay; the owner proves that their key also sends). Both legs are verified from the
//! receipts and the balances at their blocks, so the Safe ends where it started and the owner pays
//! only gas; the result is kept in the drill history ([`Store::record_drill_transfer`]).

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use coffer_chain::{SafeInfo, gate::Policy};
use coffer_core::SafeTx;
use coffer_store::{DrillTransfer, Proposal, ProposalMeta, ProposalStatus, Store};
use serde_json::json;

use crate::{
    Error, ExecuteOptions, Readiness, Result, execute_ready,
    flow::{self, Proposed},
};

/// The key under a proposal's `extra` metadata that marks it as a drill's transfer.
pub const DRILL_TRANSFER_KEY: &str = "drillTransfer";

/// Proposes the first leg of a drill's round trip: `amount` wei from the Safe to its owner `to`,
/// linked to the drill `challenge`. Refused (nothing stored) when `amount` is zero, when `to` is
/// not an owner, or when the Safe's balance is below `amount`.
pub async fn propose_transfer<P: Provider>(
    provider: &P,
    store: &Store,
    info: &SafeInfo,
    challenge: B256,
    to: Address,
    amount: U256,
) -> Result<Proposed> {
    if amount.is_zero() {
        return Err(Error::DrillTransfer(
            "--with-transfer: zero; give a small positive amount such as 0.001ether".to_owned(),
        ));
    }
    if !info.is_owner(to) {
        return Err(Error::DrillTransfer(format!(
            "{to} is not an owner of Safe {}; the drill's transfer goes to an owner, who sends it back",
            info.address
        )));
    }
    if info.balance < amount {
        return Err(Error::DrillTransfer(format!(
            "--with-transfer {amount} wei is more than the Safe's balance of {} wei; nothing was proposed. Fund the Safe \
             or give a smaller amount",
            info.balance
        )));
    }
    let ctx = info.context()?;
    let nonce = store.next_nonce(ctx.chain_id, info.address, info.nonce)?;
    let tx = SafeTx::call(to, amount, Bytes::new(), nonce);
    let meta = ProposalMeta {
        label: Some(format!("drill transfer to {to}")),
        origin: Some("coffer-cli".to_owned()),
        batch: None,
        payout_plan: None,
        extra: Some(json!({
            "proposedAgainst": flow::snapshot_extra(info)["proposedAgainst"],
            DRILL_TRANSFER_KEY: { "challenge": challenge, "to": to, "amount": amount.to_string() },
        })),
    };
    flow::propose(provider, store, &ctx, &tx, &meta, Policy::default()).await
}

/// The drill `challenge`'s transfer proposal in the store, if it has one.
pub fn transfer_of(
    store: &Store,
    chain_id: u64,
    safe: Address,
    challenge: B256,
) -> Result<Option<Proposal>> {
    Ok(store
        .proposals_for_safe(chain_id, safe)?
        .into_iter()
        .find(|p| drill_challenge_of(p).ok() == Some(challenge)))
}

/// What a completed round trip proved.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundTrip {
    /// The first leg's safeTxHash.
    pub safe_tx_hash: B256,
    /// The owner who received and sent back.
    pub owner: Address,
    /// The amount, in wei.
    pub amount: U256,
    /// The Ethereum transaction that executed the first leg (sent by the owner).
    pub out_tx_hash: B256,
    /// The owner's transfer back to the Safe.
    pub back_tx_hash: B256,
    /// The Safe's balance before the first leg and after the second, in wei (equal).
    pub safe_balance: U256,
    /// What the owner paid for gas over both legs, in wei (their only cost).
    pub owner_gas_paid: U256,
}

async fn balance_at<P: Provider>(provider: &P, who: Address, block: u64) -> Result<U256> {
    provider
        .get_balance(who)
        .block_id(BlockId::number(block))
        .await
        .map_err(|e| coffer_chain::Error::Rpc(e.to_string()).into())
}

fn gas_paid(r: &TransactionReceipt) -> U256 {
    U256::from(r.gas_used) * U256::from(r.effective_gas_price)
}

fn block_of(r: &TransactionReceipt) -> Result<u64> {
    r.block_number.ok_or_else(|| {
        Error::DrillFailed(format!("the receipt of {} has no block", r.transaction_hash))
    })
}

/// Runs the round trip of the drill transfer `hash` from the receiving owner's signing
/// `provider` (`owner` is its sender): executes the first leg through [`execute_ready`] once the
/// threshold has signed, sends the amount back to the Safe, checks both legs from their receipts
/// and the balances at their blocks (the Safe down by exactly the amount and back, the owner up by
/// the amount less gas and back), and records the result in the drill history.
pub async fn round_trip<P: Provider>(
    provider: &P,
    store: &Store,
    hash: B256,
    options: &ExecuteOptions,
    owner: Address,
) -> Result<RoundTrip> {
    let p = store.proposal(hash)?;
    let (safe, amount) = (p.ctx.safe, p.tx.value);
    let challenge = drill_challenge_of(&p)?;
    if p.tx.to != owner {
        return Err(Error::DrillTransfer(format!(
            "the drill transfer {hash} goes to {}, not {owner}: run it with that owner's wallet, which sends the \
             amount back",
            p.tx.to
        )));
    }
    if let ProposalStatus::Executed { tx_hash, .. } = p.status {
        return Err(Error::DrillTransfer(format!(
            "the drill transfer {hash} was already executed in {tx_hash}: nothing was sent. If its amount did not come \
             back (a run stopped between the two legs), the owner sends it with `coffer send --to {safe} --value \
             {amount}wei`; for a new round trip, start a new drill with --with-transfer"
        )));
    }
    let (readiness, executed) = execute_ready(provider, store, hash, options, owner).await?;
    let Some(out) = executed else {
        return Err(Error::DrillTransfer(match readiness {
            Readiness::NotReady { valid, threshold } => format!(
                "the drill transfer {hash} has {valid} of the {threshold} required signature(s); owners sign it with \
                 `coffer drill sign {safe}`. Nothing was sent"
            ),
            Readiness::NotNext { nonce, safe_nonce } => format!(
                "the drill transfer {hash} has nonce {nonce} but the Safe is at {safe_nonce}; earlier nonces must \
                 execute first. Nothing was sent"
            ),
            Readiness::Refused(reason) => {
                return Err(Error::DrillFailed(format!(
                    "the drill transfer {hash} was refused: {reason}. Nothing was sent"
                )));
            }
            Readiness::GasPriceTooHigh { price, ceiling } => {
                format!("the gas price {price} is above the ceiling {ceiling}. Nothing was sent")
            }
            Readiness::Done | Readiness::Ready(_) => {
                format!("the drill transfer {hash} was not sent (its nonce is used)")
            }
        }));
    };
    if !out.report.success {
        return Err(Error::DrillFailed(format!(
            "the Safe executed the drill transfer {hash} in {} but the transfer failed (ExecutionFailure)",
            out.report.tx_hash
        )));
    }
    let out_receipt = receipt(provider, out.report.tx_hash).await?;
    let out_block = block_of(&out_receipt)?;
    let safe_before = balance_at(provider, safe, out_block.saturating_sub(1)).await?;
    let owner_before = balance_at(provider, owner, out_block.saturating_sub(1)).await?;
    let safe_mid = balance_at(provider, safe, out_block).await?;
    let owner_mid = balance_at(provider, owner, out_block).await?;
    let out_gas = gas_paid(&out_receipt);
    if safe_before.checked_sub(amount) != Some(safe_mid)
        || owner_before.checked_add(amount).and_then(|b| b.checked_sub(out_gas)) != Some(owner_mid)
    {
        return Err(Error::DrillFailed(format!(
            "the first leg {} did not move exactly {amount} wei: the Safe went {safe_before} → {safe_mid}, the owner \
             {owner_before} → {owner_mid} with {out_gas} wei of gas; not sending it back",
            out.report.tx_hash
        )));
    }
    // The transfer back is journalled under its own purpose (the execution's record is closed).
    let back_purpose = format!("drill-return:{hash:#x}");
    if let Some(journal) = &options.journal {
        journal.0.set_purpose(back_purpose.clone());
    }
    let request = TransactionRequest::default().with_from(owner).with_to(safe).with_value(amount);
    let back = provider
        .send_transaction(request)
        .await
        .map_err(|e| coffer_chain::Error::Rpc(e.to_string()))?
        .get_receipt()
        .await
        .map_err(|e| coffer_chain::Error::Rpc(e.to_string()))?;
    if !back.status() {
        return Err(coffer_chain::Error::Reverted { tx: back.transaction_hash }.into());
    }
    store.forget_sends(&back_purpose)?;
    let back_block = block_of(&back)?;
    let safe_end = balance_at(provider, safe, back_block).await?;
    let owner_end = balance_at(provider, owner, back_block).await?;
    let back_gas = gas_paid(&back);
    let owner_gas_paid = out_gas + back_gas;
    // Other transfers to or from the Safe between the two legs would show here: said, not hidden.
    if safe_end != safe_before || owner_before.checked_sub(owner_gas_paid) != Some(owner_end) {
        return Err(Error::DrillFailed(format!(
            "the round trip did not balance: the Safe went {safe_before} → {safe_end} wei, the owner {owner_before} → \
             {owner_end} wei with {owner_gas_paid} wei of gas (out {}, back {})",
            out.report.tx_hash, back.transaction_hash
        )));
    }
    let trip = RoundTrip {
        safe_tx_hash: hash,
        owner,
        amount,
        out_tx_hash: out.report.tx_hash,
        back_tx_hash: back.transaction_hash,
        safe_balance: safe_end,
        owner_gas_paid,
    };
    store.record_drill_transfer(&DrillTransfer {
        message_hash: challenge,
        safe_tx_hash: hash,
        owner,
        amount,
        out_tx_hash: trip.out_tx_hash,
        back_tx_hash: trip.back_tx_hash,
        owner_gas_paid,
        verified_at_ms: 0,
    })?;
    Ok(trip)
}

fn drill_challenge_of(p: &Proposal) -> Result<B256> {
    p.meta
        .extra
        .as_ref()
        .and_then(|e| e.get(DRILL_TRANSFER_KEY))
        .and_then(|d| d.get("challenge"))
        .and_then(|c| c.as_str())
        .and_then(|c| c.parse::<B256>().ok())
        .ok_or_else(|| {
            Error::DrillTransfer(format!(
                "{} is not a drill transfer (proposed by `coffer drill start --with-transfer`)",
                p.hash
            ))
        })
}

async fn receipt<P: Provider>(provider: &P, tx: B256) -> Result<TransactionReceipt> {
    provider
        .get_transaction_receipt(tx)
        .await
        .map_err(|e| coffer_chain::Error::Rpc(e.to_string()))?
        .ok_or_else(|| Error::DrillFailed(format!("no receipt for {tx}")))
}
