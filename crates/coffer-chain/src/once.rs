//! Sends made at most once, across crashes: every command that signs a transaction from the user's own
//! account (`send`, `safe create`, `contracts deploy`, `payout run`; `tx execute` through the same
//! [`find_earlier`]) names what the transaction is *for* (a purpose: the transfer, the Safe's address, the
//! contract's address, the plan chunk) and goes through a [`SendLog`]. Before signing a new transaction the
//! log is asked for one an earlier run recorded for the same purpose ([`SendLog::earlier`]): mined (its
//! receipt), waiting in the node (waited for), or lost by the node while its account nonce is still free
//! (the same signed bytes resubmitted). Only when there is none is a new transaction signed, and the RPC
//! layer ([`crate::rpc::SendJournal`]) records it before its first byte goes out.
//!
//! The log is a trait so that this crate stays free of storage: `coffer_queue::once::StoreLog` keeps it in
//! the store's `sends` table; [`NoLog`] keeps nothing (library callers and tests that do not journal).

use std::future::Future;

use alloy::{
    consensus::{Transaction, TxEnvelope},
    eips::{BlockNumberOrTag, Decodable2718},
    network::Ethereum,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{PendingTransactionBuilder, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
};

use crate::{Error, Result};

/// A point in a journaled send, reported to [`SendLog::step`] (the binary's crash test hook dies there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Checked (no earlier transaction), about to sign and send a new one.
    BeforeSend,
    /// Broadcast (the node returned its hash), the receipt not yet in.
    AfterSend,
    /// The receipt is in; what it did is not yet recorded.
    AfterReceipt,
}

impl Step {
    /// The step's name, as `COFFER_TEST_CRASH_AT` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::BeforeSend => "before-send",
            Self::AfterSend => "after-send",
            Self::AfterReceipt => "after-receipt",
        }
    }
}

/// What [`SendLog::earlier`] found for a purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Earlier {
    /// No transaction an earlier run recorded can still be mined: sign a new one.
    Nothing,
    /// An earlier run's transaction was already mined when asked: its receipt.
    Mined(Box<TransactionReceipt>),
    /// An earlier run's transaction was waiting in the node, or lost by it and resubmitted (the same bytes):
    /// it was waited for, and this is its receipt.
    Waited(Box<TransactionReceipt>),
}

impl Earlier {
    /// The receipt, if a transaction was found.
    pub fn receipt(&self) -> Option<&TransactionReceipt> {
        match self {
            Self::Nothing => None,
            Self::Mined(r) | Self::Waited(r) => Some(r),
        }
    }
}

/// Where a command's signed transactions are recorded, by purpose (see the [module](self) documentation).
pub trait SendLog: Sync {
    /// Before signing a new transaction for `purpose`: one an earlier run recorded for it, found by its hash
    /// ([`find_earlier`]). A log that finds none it can use forgets the purpose's entries.
    fn earlier<P: Provider>(
        &self,
        provider: &P,
        purpose: &str,
    ) -> impl Future<Output = Result<Earlier>> + Send;

    /// A step of the send for `purpose`; at [`Step::BeforeSend`] the next signed transaction is recorded under
    /// `purpose`.
    fn step(&self, purpose: &str, step: Step);

    /// What `purpose`'s transaction did is recorded (or it can never be mined): forget its entries.
    fn settle(&self, purpose: &str) -> Result<()>;
}

/// A [`SendLog`] that records nothing and finds nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLog;

impl SendLog for NoLog {
    fn earlier<P: Provider>(
        &self,
        _provider: &P,
        _purpose: &str,
    ) -> impl Future<Output = Result<Earlier>> + Send {
        std::future::ready(Ok(Earlier::Nothing))
    }

    fn step(&self, _purpose: &str, _step: Step) {}

    fn settle(&self, _purpose: &str) -> Result<()> {
        Ok(())
    }
}

/// The purpose of a plain transaction from `from`: the transfer itself (receiver, value, calldata), so that a
/// rerun of the same `coffer send` finds the earlier one.
pub fn transfer_purpose(from: Address, to: Address, value: U256, data: &[u8]) -> String {
    format!("send:{from:#x}:{to:#x}:{value}:{:#x}", keccak256(data))
}

/// The purpose of the transaction that creates the contract (a Safe, a CREATE2 deployment) at `address`.
pub fn creation_purpose(address: Address) -> String {
    format!("create:{address:#x}")
}

/// The purpose of the transaction that runs chunk `index` of the payout plan `root` of `safe` in `module`.
pub fn chunk_purpose(module: Address, safe: Address, root: B256, index: u32) -> String {
    format!("chunk:{module:#x}:{safe:#x}:{root:#x}:{index}")
}

/// On a rerun, among the signed transactions an earlier run recorded (`(hash, signed bytes)`, oldest first):
/// the newest one that is mined (its receipt); else one the node still holds (waited for); else one the
/// node lost whose account nonce is still free (its very bytes resubmitted, then waited for). A recorded
/// transaction whose nonce was used by another one, or that is not for this chain, can never be mined and is
/// passed over; [`Earlier::Nothing`] then.
pub async fn find_earlier<P: Provider>(provider: &P, sends: &[(B256, Bytes)]) -> Result<Earlier> {
    for (hash, _) in sends.iter().rev() {
        if let Some(r) = provider.get_transaction_receipt(*hash).await.map_err(Error::rpc)? {
            return Ok(Earlier::Mined(Box::new(r)));
        }
    }
    for (hash, _) in sends.iter().rev() {
        if provider.get_transaction_by_hash(*hash).await.map_err(Error::rpc)?.is_some() {
            return wait(provider, *hash).await;
        }
    }
    let chain_id = provider.get_chain_id().await.map_err(Error::rpc)?;
    for (hash, raw) in sends.iter().rev() {
        let Some((from, nonce, tx_chain)) = decode_raw(raw) else { continue };
        if tx_chain.is_some_and(|c| c != chain_id) {
            continue;
        }
        let mined = provider.get_transaction_count(from).await.map_err(Error::rpc)?;
        let pending = provider
            .get_transaction_count(from)
            .block_id(BlockNumberOrTag::Pending.into())
            .await
            .map_err(Error::rpc)?;
        // Below the mined count: the nonce was used by another transaction. Above the pending count: it would
        // wait behind a gap for ever.
        if nonce < mined || nonce > pending {
            continue;
        }
        if provider.send_raw_transaction(raw).await.is_err() {
            continue;
        }
        return wait(provider, *hash).await;
    }
    Ok(Earlier::Nothing)
}

async fn wait<P: Provider>(provider: &P, hash: B256) -> Result<Earlier> {
    let receipt = PendingTransactionBuilder::<Ethereum>::new(provider.root().clone(), hash)
        .get_receipt()
        .await
        .map_err(Error::rpc)?;
    Ok(Earlier::Waited(Box::new(receipt)))
}

/// The sender, nonce and chain id of signed transaction bytes.
fn decode_raw(raw: &[u8]) -> Option<(Address, u64, Option<u64>)> {
    let tx = TxEnvelope::decode_2718(&mut &raw[..]).ok()?;
    let from = tx.signature().recover_address_from_prehash(&tx.signature_hash()).ok()?;
    Some((from, tx.nonce(), tx.chain_id()))
}

/// A transaction [`send_once`] sent or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its receipt.
    pub receipt: TransactionReceipt,
    /// What an earlier run recorded: `None` when this call signed and sent it, else how it was found.
    pub found: Option<Found>,
}

/// How [`send_once`] found an earlier run's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// It was already mined.
    Mined,
    /// It was waiting in the node (or resubmitted): this call waited for it.
    Waited,
}

/// Sends `request` for `purpose` once: first [`SendLog::earlier`] (an earlier run's transaction, mined or
/// waited for, is returned instead of a new one; `accept` decides whether a found receipt did the job, e.g.
/// not reverted; one it refuses is settled and a new transaction is sent), then a new signed transaction,
/// recorded before its broadcast. The caller settles the purpose once it has recorded the outcome.
pub async fn send_once<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    purpose: &str,
    request: TransactionRequest,
    accept: impl Fn(&TransactionReceipt) -> bool,
) -> Result<Sent> {
    match log.earlier(provider, purpose).await? {
        Earlier::Mined(r) if accept(&r) => {
            return Ok(Sent { receipt: *r, found: Some(Found::Mined) });
        }
        Earlier::Waited(r) if accept(&r) => {
            return Ok(Sent { receipt: *r, found: Some(Found::Waited) });
        }
        Earlier::Nothing => {}
        Earlier::Mined(_) | Earlier::Waited(_) => log.settle(purpose)?,
    }
    let pending = send_new(provider, log, purpose, request).await?;
    let receipt = pending.get_receipt().await.map_err(Error::rpc)?;
    log.step(purpose, Step::AfterReceipt);
    Ok(Sent { receipt, found: None })
}

/// Signs and broadcasts a new transaction for `purpose` (recorded under it before the broadcast), without
/// looking for an earlier one; the steps [`Step::BeforeSend`] and [`Step::AfterSend`] are reported.
pub async fn send_new<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    purpose: &str,
    request: TransactionRequest,
) -> Result<PendingTransactionBuilder<Ethereum>> {
    log.step(purpose, Step::BeforeSend);
    let pending = provider.send_transaction(request).await.map_err(Error::rpc)?;
    log.step(purpose, Step::AfterSend);
    Ok(pending)
}

/// A plain transaction from `from` (the user's own account) to `to`, through a send journal, at most once per
/// transfer: the journal key is the transfer itself ([`transfer_purpose`]: sender, receiver, value,
/// calldata). An earlier run's identical transfer that is still waiting in the node (or was lost by it while
/// its nonce is free) is waited for and returned (`found`); one already mined is [`Error::AlreadySent`], so a
/// rerun never pays twice. `again` skips the check: a deliberate second payment. A reverted earlier transfer
/// moved nothing: it is forgotten and a new one is sent. The entry is kept after success, so that rerunning
/// the same command later is refused too.
pub async fn send_transfer<P: Provider, L: SendLog>(
    provider: &P,
    log: &L,
    from: Address,
    to: Address,
    value: U256,
    data: Bytes,
    again: bool,
) -> Result<Sent> {
    use alloy::network::TransactionBuilder;
    let purpose = transfer_purpose(from, to, value, &data);
    if !again {
        match log.earlier(provider, &purpose).await? {
            Earlier::Mined(r) if r.status() => {
                return Err(Error::AlreadySent { tx: r.transaction_hash, block: r.block_number });
            }
            Earlier::Waited(r) if r.status() => {
                return Ok(Sent { receipt: *r, found: Some(Found::Waited) });
            }
            Earlier::Nothing => {}
            Earlier::Mined(_) | Earlier::Waited(_) => log.settle(&purpose)?,
        }
    }
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_value(value)
        .with_input(data);
    let receipt = send_new(provider, log, &purpose, request)
        .await?
        .get_receipt()
        .await
        .map_err(Error::rpc)?;
    log.step(&purpose, Step::AfterReceipt);
    if !receipt.status() {
        log.settle(&purpose)?;
    }
    Ok(Sent { receipt, found: None })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn purposes_name_what_the_transaction_is_for() {
        let a = Address::repeat_byte(0xaa);
        let b = Address::repeat_byte(0xbb);
        let t = transfer_purpose(a, b, U256::from(5), b"");
        assert!(t.starts_with("send:0xaaaa") && t.contains(":0xbbbb") && t.contains(":5:"), "{t}");
        assert_ne!(t, transfer_purpose(a, b, U256::from(6), b""), "another value, another send");
        assert_ne!(
            t,
            transfer_purpose(a, b, U256::from(5), b"\x01"),
            "other calldata, another send"
        );
        assert_eq!(creation_purpose(a), format!("create:{a:#x}"));
        assert_ne!(
            chunk_purpose(a, b, B256::ZERO, 1),
            chunk_purpose(a, b, B256::ZERO, 2),
            "each chunk is its own purpose"
        );
        assert_eq!(Step::AfterSend.name(), "after-send");
    }

    #[test]
    fn decodes_sender_and_nonce_of_signed_bytes() {
        use alloy::{
            consensus::{SignableTransaction, TxEip1559},
            eips::Encodable2718,
            signers::{SignerSync, local::PrivateKeySigner},
        };
        let signer = PrivateKeySigner::random();
        let tx = TxEip1559 { chain_id: 31337, nonce: 7, gas_limit: 21_000, ..Default::default() };
        let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        let raw = TxEnvelope::from(tx.into_signed(sig)).encoded_2718();
        assert_eq!(decode_raw(&raw), Some((signer.address(), 7, Some(31337))));
        assert_eq!(decode_raw(b"not a transaction"), None);
    }
}
