//! The Safe transaction, its operation, the Safe version and the hashing context.

use alloy_primitives::{Address, Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How a Safe (or a MultiSend entry) calls its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Operation {
    /// A plain `CALL` (0).
    #[default]
    Call = 0,
    /// A `DELEGATECALL` (1): the target's code runs with the Safe's storage. Only for trusted libraries.
    DelegateCall = 1,
}

impl Operation {
    /// The byte used on chain (0 or 1).
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Operation {
    type Error = Error;

    fn try_from(value: u8) -> Result<Self> {
        match value {
            0 => Ok(Self::Call),
            1 => Ok(Self::DelegateCall),
            value => Err(Error::InvalidOperation { value }),
        }
    }
}

impl From<Operation> for u8 {
    fn from(op: Operation) -> Self {
        op as Self
    }
}

impl core::fmt::Display for Operation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Call => "call",
            Self::DelegateCall => "delegatecall",
        })
    }
}

impl Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.as_u8())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u8::deserialize(d)?;
        Self::try_from(v).map_err(serde::de::Error::custom)
    }
}

/// The ten fields of a Safe transaction, exactly as hashed by `getTransactionHash`.
///
/// Serde uses the Safe Transaction Service names (`to`, `value`, `data`, `operation`, `safeTxGas`, `baseGas`,
/// `gasPrice`, `gasToken`, `refundReceiver`, `nonce`). Numbers are written as decimal strings. When read, numbers
/// may be decimal strings, `0x` hex strings or JSON integers, and `data` may be `null` (empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTx {
    /// Target of the call.
    pub to: Address,
    /// Wei sent with the call.
    #[serde(with = "dec_u256")]
    pub value: U256,
    /// Calldata.
    #[serde(with = "nullable_bytes", default)]
    pub data: Bytes,
    /// Call or delegatecall.
    pub operation: Operation,
    /// Gas reserved for the inner call (0: all available, and a failure reverts the whole tx).
    #[serde(with = "dec_u256")]
    pub safe_tx_gas: U256,
    /// Gas charged on top of the inner call for the refund.
    #[serde(with = "dec_u256")]
    pub base_gas: U256,
    /// Gas price for the refund (0: no refund).
    #[serde(with = "dec_u256")]
    pub gas_price: U256,
    /// Token of the refund (zero address: ETH).
    pub gas_token: Address,
    /// Receiver of the refund (zero address: `tx.origin`).
    pub refund_receiver: Address,
    /// The Safe nonce this transaction uses.
    #[serde(with = "dec_u256")]
    pub nonce: U256,
}

impl SafeTx {
    /// A plain call with no refund: safeTxGas = baseGas = gasPrice = 0, gasToken = refundReceiver = 0.
    pub fn call(to: Address, value: U256, data: impl Into<Bytes>, nonce: U256) -> Self {
        Self { to, value, data: data.into(), nonce, ..Self::default() }
    }

    /// A delegatecall with no refund (for a MultiSend batch or another trusted library).
    pub fn delegate_call(to: Address, data: impl Into<Bytes>, nonce: U256) -> Self {
        Self { to, data: data.into(), operation: Operation::DelegateCall, nonce, ..Self::default() }
    }
}

/// A released version of the Safe contracts, as returned by `VERSION()`.
///
/// The `+L2` suffix of the L2 singletons does not change any hash, so it is accepted and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SafeVersion {
    /// 0.1.0, the first release: its SafeTx type names the refund overhead `dataGas` (renamed `baseGas`
    /// in 1.0.0), so its struct hash differs from every later version's.
    V0_1_0,
    /// 1.0.0
    V1_0_0,
    /// 1.1.0
    V1_1_0,
    /// 1.1.1
    V1_1_1,
    /// 1.2.0
    V1_2_0,
    /// 1.3.0
    V1_3_0,
    /// 1.4.0
    V1_4_0,
    /// 1.4.1
    V1_4_1,
    /// 1.5.0
    V1_5_0,
}

impl SafeVersion {
    /// Every version coffer knows, oldest first.
    pub const ALL: [Self; 9] = [
        Self::V0_1_0,
        Self::V1_0_0,
        Self::V1_1_0,
        Self::V1_1_1,
        Self::V1_2_0,
        Self::V1_3_0,
        Self::V1_4_0,
        Self::V1_4_1,
        Self::V1_5_0,
    ];

    /// The version string, e.g. `"1.4.1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V0_1_0 => "0.1.0",
            Self::V1_0_0 => "1.0.0",
            Self::V1_1_0 => "1.1.0",
            Self::V1_1_1 => "1.1.1",
            Self::V1_2_0 => "1.2.0",
            Self::V1_3_0 => "1.3.0",
            Self::V1_4_0 => "1.4.0",
            Self::V1_4_1 => "1.4.1",
            Self::V1_5_0 => "1.5.0",
        }
    }

    /// True from 1.3.0 on: the EIP-712 domain is `EIP712Domain(uint256 chainId,address verifyingContract)`.
    /// Before, it is `EIP712Domain(address verifyingContract)`.
    pub fn has_chain_id_in_domain(self) -> bool {
        self >= Self::V1_3_0
    }

    /// True before 1.0.0: the SafeTx type has `dataGas` where later versions have `baseGas`
    /// ([`crate::SAFE_TX_TYPEHASH_V0`]).
    pub fn has_data_gas(self) -> bool {
        self < Self::V1_0_0
    }

    /// True from 1.5.0 on: contract signatures (v = 0) are checked with the standard
    /// `isValidSignature(bytes32,bytes)` (magic `0x1626ba7e`). Before, with the legacy
    /// `isValidSignature(bytes,bytes)` (magic `0x20c13b0b`).
    pub fn uses_standard_eip1271(self) -> bool {
        self >= Self::V1_5_0
    }

    /// True up to 1.4.1: `getTransactionHash` / `encodeTransactionData` live on the Safe itself. From 1.5.0
    /// they are in the fallback handler.
    pub fn has_encode_transaction_data_on_safe(self) -> bool {
        self <= Self::V1_4_1
    }

    /// True from 1.5.0 on: a MultiSend entry with `to == 0` calls the Safe itself.
    pub fn multisend_zero_to_is_self(self) -> bool {
        self >= Self::V1_5_0
    }

    /// True from 1.5.0 on: the Safe has `setModuleGuard`.
    pub fn has_module_guard(self) -> bool {
        self >= Self::V1_5_0
    }

    /// True from 1.3.0 on: the Safe has `setGuard` (transaction guards).
    pub fn has_guard(self) -> bool {
        self >= Self::V1_3_0
    }

    /// True from 1.4.0 on: `ExecutionSuccess`, `ExecutionFailure`, `AddedOwner`, `RemovedOwner` index their first
    /// argument.
    pub fn has_indexed_events(self) -> bool {
        self >= Self::V1_4_0
    }
}

impl core::fmt::Display for SafeVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for SafeVersion {
    type Err = Error;

    /// Parses what `VERSION()` returns: `"1.4.1"`, `"1.3.0+L2"`, with surrounding whitespace and an optional
    /// leading `v` tolerated.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let core = match t.split_once('+') {
            Some((core, "L2")) => core,
            Some(_) => return Err(Error::UnknownVersion { version: s.to_owned() }),
            None => t,
        };
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == core)
            .ok_or_else(|| Error::UnknownVersion { version: s.to_owned() })
    }
}

impl Serialize for SafeVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SafeVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything besides the transaction that its hash depends on: the chain, the Safe (the proxy, which is the
/// EIP-712 `verifyingContract`) and the Safe's version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTxContext {
    /// The chain id (only hashed from 1.3.0 on).
    pub chain_id: u64,
    /// The Safe's own address (the proxy, not the singleton).
    pub safe: Address,
    /// The Safe's version.
    pub version: SafeVersion,
}

impl SafeTxContext {
    /// A context for a Safe.
    pub const fn new(chain_id: u64, safe: Address, version: SafeVersion) -> Self {
        Self { chain_id, safe, version }
    }
}

/// Serde for `U256` as a decimal string (reads decimal strings, 0x-hex strings and JSON integers).
pub(crate) mod dec_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Str(String),
        Num(u64),
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(U256::from(n)),
            Raw::Str(s) => parse(&s).map_err(serde::de::Error::custom),
        }
    }

    /// Parses a decimal or 0x-hex string into a U256.
    pub(crate) fn parse(s: &str) -> Result<U256, String> {
        let t = s.trim();
        let r = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            U256::from_str_radix(hex, 16)
        } else {
            U256::from_str_radix(t, 10)
        };
        if t.is_empty() {
            return Err("empty number".to_owned());
        }
        r.map_err(|e| format!("{s:?} is not a uint256 ({e})"))
    }
}

/// Serde for `Bytes` that reads `null` as empty.
pub(crate) mod nullable_bytes {
    use alloy_primitives::Bytes;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        Ok(Option::<Bytes>::deserialize(d)?.unwrap_or_default())
    }
}
