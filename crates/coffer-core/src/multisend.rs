//! MultiSend batches: the packed `transactions` format, `multiSend(bytes)` calldata, and call-only batches.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, sol};

use crate::{Error, Operation, Result, SafeTx};

sol! {
    /// `MultiSend.multiSend(bytes transactions)`.
    function multiSend(bytes transactions);
}

/// The selector of `multiSend(bytes)`: `0x8d80ff0a`.
pub const MULTISEND_SELECTOR: [u8; 4] = multiSendCall::SELECTOR;

/// Size of the fixed head of one packed entry: operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32).
const ENTRY_HEAD: usize = 1 + 20 + 32 + 32;

/// One call inside a MultiSend batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MultiSendEntry {
    /// Call or delegatecall (MultiSendCallOnly refuses delegatecall).
    pub operation: Operation,
    /// Target (in 1.5.0, `0` means the Safe itself).
    pub to: Address,
    /// Wei sent.
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
}

impl MultiSendEntry {
    /// A plain call entry.
    pub fn call(to: Address, value: U256, data: impl Into<Bytes>) -> Self {
        Self { operation: Operation::Call, to, value, data: data.into() }
    }
}

/// An ordered list of MultiSend entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MultiSendBatch {
    /// The entries, executed in order; one failure reverts them all.
    pub entries: Vec<MultiSendEntry>,
}

impl MultiSendBatch {
    /// A batch of any entries (for `MultiSend`).
    pub fn new(entries: Vec<MultiSendEntry>) -> Self {
        Self { entries }
    }

    /// A batch for `MultiSendCallOnly`: refuses any delegatecall entry, naming its index.
    pub fn call_only(entries: Vec<MultiSendEntry>) -> Result<Self> {
        let batch = Self { entries };
        batch.check_call_only()?;
        Ok(batch)
    }

    /// Checks that no entry is a delegatecall.
    pub fn check_call_only(&self) -> Result<()> {
        match self.entries.iter().position(|e| e.operation == Operation::DelegateCall) {
            Some(index) => Err(Error::DelegateCallInCallOnly { index, to: self.entries[index].to }),
            None => Ok(()),
        }
    }

    /// True if no entry is a delegatecall.
    pub fn is_call_only(&self) -> bool {
        self.check_call_only().is_ok()
    }

    /// The packed `transactions` bytes: for each entry `uint8 operation ‖ address to ‖ uint256 value ‖
    /// uint256 dataLength ‖ bytes data`, with no padding.
    pub fn encode_packed(&self) -> Bytes {
        let size = self.entries.iter().map(|e| ENTRY_HEAD + e.data.len()).sum();
        let mut out = Vec::with_capacity(size);
        for e in &self.entries {
            out.push(e.operation.as_u8());
            out.extend_from_slice(e.to.as_slice());
            out.extend_from_slice(&e.value.to_be_bytes::<32>());
            out.extend_from_slice(&U256::from(e.data.len()).to_be_bytes::<32>());
            out.extend_from_slice(&e.data);
        }
        out.into()
    }

    /// The calldata of `multiSend(bytes transactions)` for this batch.
    pub fn encode_call(&self) -> Bytes {
        multiSendCall { transactions: self.encode_packed() }.abi_encode().into()
    }

    /// Decodes packed `transactions` bytes. Errors name the entry index: a cut-short entry, an operation byte
    /// other than 0/1, or a data length past the end.
    pub fn decode_packed(packed: &[u8]) -> Result<Self> {
        let mut entries = Vec::new();
        let mut pos = 0;
        while pos < packed.len() {
            let index = entries.len();
            let available = packed.len() - pos;
            if available < ENTRY_HEAD {
                return Err(Error::MultiSendTruncated {
                    index,
                    offset: pos,
                    needed: U256::from(ENTRY_HEAD),
                    available,
                });
            }
            let operation = Operation::try_from(packed[pos])
                .map_err(|_| Error::MultiSendOperation { index, value: packed[pos] })?;
            let to = Address::from_slice(&packed[pos + 1..pos + 21]);
            let value = U256::from_be_slice(&packed[pos + 21..pos + 53]);
            let data_len = U256::from_be_slice(&packed[pos + 53..pos + 85]);
            let data_start = pos + ENTRY_HEAD;
            let remaining = packed.len() - data_start;
            let len = match usize::try_from(data_len) {
                Ok(l) if l <= remaining => l,
                _ => {
                    return Err(Error::MultiSendTruncated {
                        index,
                        offset: data_start,
                        needed: data_len,
                        available: remaining,
                    });
                }
            };
            let data = Bytes::copy_from_slice(&packed[data_start..data_start + len]);
            entries.push(MultiSendEntry { operation, to, value, data });
            pos = data_start + len;
        }
        Ok(Self { entries })
    }

    /// Decodes `multiSend(bytes)` calldata (checks the selector and the ABI encoding, then the packed entries).
    pub fn decode_call(calldata: &[u8]) -> Result<Self> {
        let call = multiSendCall::abi_decode(calldata).map_err(|e| Error::AbiDecode {
            context: "multiSend(bytes) calldata".to_owned(),
            reason: e.to_string(),
        })?;
        Self::decode_packed(&call.transactions)
    }

    /// The Safe transaction that runs this batch: a delegatecall to `multisend` (MultiSend or
    /// MultiSendCallOnly) with value 0, no refund, and the given nonce.
    pub fn into_safe_tx(&self, multisend: Address, nonce: U256) -> SafeTx {
        SafeTx::delegate_call(multisend, self.encode_call(), nonce)
    }
}
