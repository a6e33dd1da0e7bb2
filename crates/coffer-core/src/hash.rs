//! EIP-712 hashing of Safe transactions and Safe messages, by Safe version.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, B256, Bytes, U256, b256, keccak256};
use serde_json::{Value, json};

use crate::{Error, Result, SafeTx, SafeTxContext};

/// `keccak256("EIP712Domain(uint256 chainId,address verifyingContract)")`, the domain type from 1.3.0 on.
pub const DOMAIN_TYPEHASH: B256 =
    b256!("0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218");

/// `keccak256("EIP712Domain(address verifyingContract)")`, the domain type up to 1.2.0.
pub const DOMAIN_TYPEHASH_LEGACY: B256 =
    b256!("0x035aff83d86937d35b32e04f0ddc6ff469290eef2f1b692d8a815c89404d4749");

/// `keccak256("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,
/// uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)")`, the same in 1.0.0 to 1.5.0.
pub const SAFE_TX_TYPEHASH: B256 =
    b256!("0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8");

/// `keccak256("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 dataGas,
/// uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)")`: Safe 0.1.0, before `dataGas` was
/// renamed `baseGas`.
pub const SAFE_TX_TYPEHASH_V0: B256 =
    b256!("0x14d461bc7412367e924637b363c7bf29b8f47e2f84869f4426e5633d8af47b20");

/// `keccak256("SafeMessage(bytes message)")`.
pub const SAFE_MSG_TYPEHASH: B256 =
    b256!("0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca");

fn word_address(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

fn keccak_words(words: &[[u8; 32]]) -> B256 {
    let mut buf = Vec::with_capacity(words.len() * 32);
    for w in words {
        buf.extend_from_slice(w);
    }
    keccak256(buf)
}

/// The Safe's EIP-712 domain separator.
///
/// From 1.3.0 on: `keccak256(abi.encode(DOMAIN_TYPEHASH, chainId, safe))`. Up to 1.2.0 the chain id is not part
/// of the domain: `keccak256(abi.encode(DOMAIN_TYPEHASH_LEGACY, safe))`. The Safe's `domainSeparator()` returns
/// the same value.
pub fn domain_separator(ctx: &SafeTxContext) -> B256 {
    if ctx.version.has_chain_id_in_domain() {
        keccak_words(&[
            DOMAIN_TYPEHASH.0,
            U256::from(ctx.chain_id).to_be_bytes(),
            word_address(ctx.safe),
        ])
    } else {
        keccak_words(&[DOMAIN_TYPEHASH_LEGACY.0, word_address(ctx.safe)])
    }
}

fn eip712_hash(domain: B256, struct_hash: B256) -> B256 {
    keccak256(eip712_preimage(domain, struct_hash))
}

fn eip712_preimage(domain: B256, struct_hash: B256) -> [u8; 66] {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain.as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    buf
}

/// The hash of a Safe message (the value `getMessageHash` / `getMessageHashForSafe` of the fallback handler
/// returns, and the one owners sign): `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(abi.encode(
/// SAFE_MSG_TYPEHASH, keccak256(message))))`.
///
/// For EIP-1271 checks of a 32-byte hash, pass `message = hash.as_slice()`: `abi.encode(bytes32)` is the hash
/// itself.
pub fn safe_message_hash(ctx: &SafeTxContext, message: &[u8]) -> B256 {
    let struct_hash = keccak_words(&[SAFE_MSG_TYPEHASH.0, keccak256(message).0]);
    eip712_hash(domain_separator(ctx), struct_hash)
}

fn domain_json(ctx: &SafeTxContext) -> (Vec<Value>, serde_json::Map<String, Value>) {
    let mut domain_types = Vec::new();
    let mut domain = serde_json::Map::new();
    if ctx.version.has_chain_id_in_domain() {
        domain_types.push(json!({ "name": "chainId", "type": "uint256" }));
        domain.insert("chainId".into(), json!(ctx.chain_id));
    }
    domain_types.push(json!({ "name": "verifyingContract", "type": "address" }));
    domain.insert("verifyingContract".into(), json!(ctx.safe.to_checksum(None)));
    (domain_types, domain)
}

/// The `eth_signTypedData_v4` JSON of a Safe message (`SafeMessage(bytes message)`) for the given Safe. Hashing
/// it with EIP-712 gives [`safe_message_hash`].
pub fn safe_message_typed_data_json(ctx: &SafeTxContext, message: &[u8]) -> Value {
    let (domain_types, domain) = domain_json(ctx);
    json!({
        "types": {
            "EIP712Domain": domain_types,
            "SafeMessage": [{ "name": "message", "type": "bytes" }],
        },
        "primaryType": "SafeMessage",
        "domain": domain,
        "message": { "message": Bytes::copy_from_slice(message).to_string() },
    })
}

impl SafeTx {
    /// The EIP-712 struct hash of versions 1.0.0–1.5.0: `keccak256(abi.encode(SAFE_TX_TYPEHASH, to, value,
    /// keccak256(data), operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce))`. For a Safe
    /// of any version use [`SafeTx::struct_hash_for`].
    pub fn struct_hash(&self) -> B256 {
        self.struct_hash_for(crate::SafeVersion::V1_0_0)
    }

    /// The EIP-712 struct hash for a Safe of `version`: [`SafeTx::struct_hash`] from 1.0.0 on; before, the same
    /// words under [`SAFE_TX_TYPEHASH_V0`] (the `baseGas` field is 0.1.0's `dataGas`).
    pub fn struct_hash_for(&self, version: crate::SafeVersion) -> B256 {
        let typehash = if version.has_data_gas() { SAFE_TX_TYPEHASH_V0 } else { SAFE_TX_TYPEHASH };
        keccak_words(&[
            typehash.0,
            word_address(self.to),
            self.value.to_be_bytes(),
            keccak256(&self.data).0,
            U256::from(self.operation.as_u8()).to_be_bytes(),
            self.safe_tx_gas.to_be_bytes(),
            self.base_gas.to_be_bytes(),
            self.gas_price.to_be_bytes(),
            word_address(self.gas_token),
            word_address(self.refund_receiver),
            self.nonce.to_be_bytes(),
        ])
    }

    /// The 66 bytes `0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash`, as the Safe's `encodeTransactionData` returns.
    pub fn encode_transaction_data(&self, ctx: &SafeTxContext) -> Bytes {
        Bytes::copy_from_slice(&eip712_preimage(
            domain_separator(ctx),
            self.struct_hash_for(ctx.version),
        ))
    }

    /// The safeTxHash: `keccak256(encode_transaction_data)`, as the Safe's `getTransactionHash` returns. This is
    /// the hash owners sign (EIP-712) and the Transaction Service keys transactions by.
    pub fn safe_tx_hash(&self, ctx: &SafeTxContext) -> B256 {
        eip712_hash(domain_separator(ctx), self.struct_hash_for(ctx.version))
    }

    /// The `eth_signTypedData_v4` JSON of this transaction for the given Safe.
    ///
    /// The domain holds `chainId` (from 1.3.0 on) and `verifyingContract`. The message holds the ten fields; the
    /// uint256 values are decimal strings, `operation` is a number. Before 1.0.0 the `baseGas` field is named
    /// `dataGas`, as that version's type has it. Hashing this JSON with EIP-712 gives [`SafeTx::safe_tx_hash`].
    pub fn typed_data_json(&self, ctx: &SafeTxContext) -> Value {
        let (domain_types, domain) = domain_json(ctx);
        let base_gas = if ctx.version.has_data_gas() { "dataGas" } else { "baseGas" };
        json!({
            "types": {
                "EIP712Domain": domain_types,
                "SafeTx": [
                    { "name": "to", "type": "address" },
                    { "name": "value", "type": "uint256" },
                    { "name": "data", "type": "bytes" },
                    { "name": "operation", "type": "uint8" },
                    { "name": "safeTxGas", "type": "uint256" },
                    { "name": base_gas, "type": "uint256" },
                    { "name": "gasPrice", "type": "uint256" },
                    { "name": "gasToken", "type": "address" },
                    { "name": "refundReceiver", "type": "address" },
                    { "name": "nonce", "type": "uint256" },
                ],
            },
            "primaryType": "SafeTx",
            "domain": domain,
            "message": {
                "to": self.to.to_checksum(None),
                "value": self.value.to_string(),
                "data": self.data.to_string(),
                "operation": self.operation.as_u8(),
                "safeTxGas": self.safe_tx_gas.to_string(),
                base_gas: self.base_gas.to_string(),
                "gasPrice": self.gas_price.to_string(),
                "gasToken": self.gas_token.to_checksum(None),
                "refundReceiver": self.refund_receiver.to_checksum(None),
                "nonce": self.nonce.to_string(),
            },
        })
    }

    /// [`SafeTx::typed_data_json`] parsed into alloy's [`TypedData`].
    pub fn typed_data(&self, ctx: &SafeTxContext) -> Result<TypedData> {
        serde_json::from_value(self.typed_data_json(ctx))
            .map_err(|e| Error::TypedData { reason: e.to_string() })
    }
}
