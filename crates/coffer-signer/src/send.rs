//! [`TxSender`]: sends plain transactions (deployments, Safe creation, `approveHash`, `execTransaction`, ETH
//! transfers) from any wallet through alloy's provider, by implementing alloy's [`TxSigner`].
//!
//! A local key signs in memory. A Ledger signs the EIP-1559 transaction with SIGN_TRANSACTION (INS 0x04: the
//! path, then `0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data,
//! accessList])` in chunks); a Trezor with `EthereumSignTxEIP1559`. Before a device is asked, the fields it will
//! show are passed to the [`PreviewSink`] (the CLI prints "Confirm on your Ledger: …"), and every signature is
//! recovered and must give the sender's address before alloy sends it.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
};

use alloy::{
    consensus::SignableTransaction,
    network::{EthereumWallet, TxSigner},
    primitives::{Address, B256, Signature, TxKind, U256, keccak256, utils::format_ether},
};
use coffer_core::Rsv;

use crate::{
    DevicePrompt, Error, PreviewSink, Result, Screen, StderrPreview, WalletSigner,
    preview::device_hex,
};

/// The wallet that sends and pays gas, as alloy's transaction signer. Cheap to clone.
#[derive(Clone)]
pub struct TxSender {
    wallet: Arc<WalletSigner>,
    sink: Arc<Mutex<Box<dyn PreviewSink>>>,
}

impl core::fmt::Debug for TxSender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TxSender").field("wallet", &self.wallet).finish_non_exhaustive()
    }
}

/// What a hardware wallet shows for an EIP-1559 transaction, screen by screen.
pub(crate) fn transaction_screens(tx: &dyn SignableTransaction<Signature>) -> Vec<Screen> {
    let to = match tx.kind() {
        TxKind::Call(a) => a.to_string(),
        TxKind::Create => "contract creation".to_owned(),
    };
    let max_fee = U256::from(tx.max_fee_per_gas()) * U256::from(tx.gas_limit());
    let mut out = vec![
        Screen::new("Review", "transaction"),
        Screen::new("Amount", format!("ETH {}", format_ether(tx.value()))),
        Screen::new("To", to),
        Screen::new("Max fees", format!("ETH {}", format_ether(max_fee))),
        Screen::new("Network", tx.chain_id().map_or_else(|| "none".to_owned(), |c| c.to_string())),
        Screen::new("Nonce", tx.nonce().to_string()),
    ];
    if !tx.input().is_empty() {
        let selector = tx.input().get(..4).map(alloy::primitives::hex::encode).unwrap_or_default();
        out.push(Screen::new(
            "Data",
            format!("{} bytes, selector 0x{selector} (Blind signing)", tx.input().len()),
        ));
    }
    out.push(Screen::new("Sign", "transaction"));
    out
}

/// A device's `r ‖ s ‖ v` as an alloy signature over `hash` from `expected`: the parity that recovers to
/// `expected` is kept, and none is [`Error::WrongSigner`].
pub(crate) fn recovered_signature(rsv: Rsv, hash: B256, expected: Address) -> Result<Signature> {
    let stated = matches!(rsv.v, 1 | 28) || (rsv.v > 28 && (rsv.v - 35) % 2 == 1);
    let mut recovered = Address::ZERO;
    for parity in [stated, !stated] {
        let sig = Signature::new(rsv.r, rsv.s, parity);
        if let Ok(a) = sig.recover_address_from_prehash(&hash) {
            if a == expected {
                return Ok(sig);
            }
            recovered = a;
        }
    }
    Err(Error::WrongSigner { expected, recovered, hash })
}

impl TxSender {
    /// A sender for `wallet`; device prompts go to stderr.
    pub fn new(wallet: WalletSigner) -> Self {
        Self::with_sink(wallet, Box::new(StderrPreview))
    }

    /// A sender for `wallet` that reports device prompts to `sink`.
    pub fn with_sink(wallet: WalletSigner, sink: Box<dyn PreviewSink>) -> Self {
        Self { wallet: Arc::new(wallet), sink: Arc::new(Mutex::new(sink)) }
    }

    /// The sending address.
    pub fn address(&self) -> Address {
        self.wallet.address()
    }

    /// The wallet.
    pub fn wallet(&self) -> &WalletSigner {
        &self.wallet
    }

    /// alloy's wallet for a provider (`ProviderBuilder::wallet`): the local key itself, or this sender.
    pub fn into_ethereum_wallet(self) -> EthereumWallet {
        match &*self.wallet {
            WalletSigner::Local(key) => EthereumWallet::from(key.alloy_signer().clone()),
            _ => EthereumWallet::new(self),
        }
    }

    fn prompt(&self, prompt: &DevicePrompt) -> Result<()> {
        let mut sink = self.sink.lock().map_err(|_| Error::DeviceTask {
            reason: "an earlier preview failed midway".to_owned(),
        })?;
        sink.waiting(prompt).map_err(|source| Error::Preview { source })
    }

    /// Signs the unsigned encoding `unsigned` (its keccak256 is the transaction's signing hash).
    async fn sign_unsigned(&self, unsigned: Vec<u8>, fields: TxFields) -> Result<Signature> {
        let hash = keccak256(&unsigned);
        let expected = self.address();
        let prompt = |device: &'static str, timeout: std::time::Duration| {
            let mut screens = fields.screens.clone();
            screens.push(Screen::new("(signing hash)", device_hex(&hash)));
            DevicePrompt {
                device,
                method: "EIP-1559 transaction".to_owned(),
                screens,
                timeout_secs: timeout.as_secs(),
            }
        };
        let rsv = match &*self.wallet {
            WalletSigner::Local(key) => {
                use alloy::signers::SignerSync;
                return key
                    .alloy_signer()
                    .sign_hash_sync(&hash)
                    .map_err(|e| Error::LocalSign { reason: e.to_string() });
            }
            WalletSigner::Ledger(l) => {
                if !fields.data.is_empty() {
                    // The app refuses contract data without Blind signing (0x6A80): say so first.
                    l.ensure_blind_signing("sending a transaction with contract data").await?;
                }
                self.prompt(&prompt("Ledger", l.device_timeout()))?;
                l.sign_transaction(&unsigned).await?
            }
            WalletSigner::Trezor(t) => {
                self.prompt(&prompt("Trezor", t.device_timeout()))?;
                t.sign_eip1559(&fields).await?
            }
        };
        recovered_signature(rsv, hash, expected)
    }
}

/// The fields of an EIP-1559 transaction a device is sent or shows.
#[derive(Clone, Debug)]
pub(crate) struct TxFields {
    pub(crate) chain_id: Option<u64>,
    pub(crate) nonce: u64,
    pub(crate) gas_limit: u64,
    pub(crate) max_fee_per_gas: u128,
    pub(crate) max_priority_fee_per_gas: u128,
    pub(crate) to: Option<Address>,
    pub(crate) value: U256,
    pub(crate) data: Vec<u8>,
    pub(crate) screens: Vec<Screen>,
}

impl TxFields {
    fn of(tx: &dyn SignableTransaction<Signature>) -> Self {
        Self {
            chain_id: tx.chain_id(),
            nonce: tx.nonce(),
            gas_limit: tx.gas_limit(),
            max_fee_per_gas: tx.max_fee_per_gas(),
            max_priority_fee_per_gas: tx.max_priority_fee_per_gas().unwrap_or_default(),
            to: tx.to(),
            value: tx.value(),
            data: tx.input().to_vec(),
            screens: transaction_screens(tx),
        }
    }
}

impl TxSigner<Signature> for TxSender {
    fn address(&self) -> Address {
        self.wallet.address()
    }

    fn sign_transaction<'a, 'b, 'c>(
        &'a self,
        tx: &'b mut dyn SignableTransaction<Signature>,
    ) -> Pin<Box<dyn Future<Output = alloy::signers::Result<Signature>> + Send + 'c>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        let mut unsigned = Vec::with_capacity(tx.payload_len_for_signature());
        tx.encode_for_signing(&mut unsigned);
        let fields = TxFields::of(tx);
        Box::pin(async move {
            self.sign_unsigned(unsigned, fields).await.map_err(alloy::signers::Error::other)
        })
    }
}
