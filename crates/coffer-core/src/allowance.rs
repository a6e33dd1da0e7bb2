//! Spending limits (Safe's AllowanceModule ABI, coffer's `CofferAllowanceModule`): the transfer digest of each
//! module version, the module's calldata, periods and the figures of one allowance row. Pure: the chain reads are
//! in `coffer-chain`'s `allowance`.
//!
//! Version facts: 0.1.0's `ALLOWANCE_TRANSFER_TYPEHASH` is the hash of a type string
//! *without* `address to`, while its struct encoding includes `to`, so standard EIP-712 typed data does not give
//! the digest the contract checks; 0.1.1 and 1.0.0 fixed the typehash. The domain has no name or version, and its
//! verifying contract is the module, not the Safe.

use alloy_primitives::{Address, B256, Bytes, U256, b256, keccak256};
use alloy_sol_types::{SolCall, sol};
use serde_json::{Value, json};

use crate::{Error, Result};

sol! {
    /// `addDelegate(address)`.
    function addDelegate(address delegate);
    /// `removeDelegate(address,bool)`.
    function removeDelegate(address delegate, bool removeAllowances);
    /// `setAllowance(address,address,uint96,uint16,uint32)`.
    function setAllowance(address delegate, address token, uint96 allowanceAmount, uint16 resetTimeMin, uint32 resetBaseMin);
    /// `resetAllowance(address,address)`.
    function resetAllowance(address delegate, address token);
    /// `deleteAllowance(address,address)`.
    function deleteAllowance(address delegate, address token);
    /// `executeAllowanceTransfer(...)`.
    function executeAllowanceTransfer(address safe, address token, address to, uint96 amount, address paymentToken, uint96 payment, address delegate, bytes signature);
}

/// `keccak256("EIP712Domain(uint256 chainId,address verifyingContract)")`: the module's domain type (every version).
pub const ALLOWANCE_DOMAIN_TYPEHASH: B256 =
    b256!("0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218");

/// The transfer type string of 0.1.1 and 1.0.0 (and of coffer's module).
pub const ALLOWANCE_TRANSFER_TYPE: &str = "AllowanceTransfer(address safe,address token,address to,uint96 amount,address paymentToken,uint96 payment,uint16 nonce)";

/// `keccak256(ALLOWANCE_TRANSFER_TYPE)`: the typehash of 0.1.1 and 1.0.0.
pub const ALLOWANCE_TRANSFER_TYPEHASH: B256 =
    b256!("0x97c7ed08d51f4a077f71428543a8a2454799e5f6df78c03ef278be094511eda4");

/// The type string 0.1.0 hashed by mistake: `address to` is missing.
pub const ALLOWANCE_TRANSFER_TYPE_V010: &str = "AllowanceTransfer(address safe,address token,uint96 amount,address paymentToken,uint96 payment,uint16 nonce)";

/// `keccak256(ALLOWANCE_TRANSFER_TYPE_V010)`: 0.1.0's (wrong) typehash, still combined with an encoding that
/// includes `to`.
pub const ALLOWANCE_TRANSFER_TYPEHASH_V010: B256 =
    b256!("0x80b006280932094e7cc965863eb5118dc07e5d272c6670c4a7c87299e04fceeb");

/// The largest allowance amount (`uint96`).
pub const MAX_ALLOWANCE_AMOUNT: u128 = (1u128 << 96) - 1;
/// The longest period in minutes (`uint16`, about 45.5 days).
pub const MAX_PERIOD_MIN: u64 = u16::MAX as u64;
/// The transfer nonce at which 1.0.0 (and coffer's module) refuse further transfers.
pub const MAX_TRANSFER_NONCE: u16 = u16::MAX;

/// The AllowanceModule version whose digest rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AllowanceVersion {
    /// 0.1.0 (2020): the flawed typehash; only the on-chain `generateTransferHash` digest works.
    V0_1_0,
    /// 0.1.1 (2024): typehash fixed.
    V0_1_1,
    /// 1.0.0 (2026), and coffer's `CofferAllowanceModule`.
    V1_0_0,
}

impl AllowanceVersion {
    /// Parses `VERSION()`.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "0.1.0" => Ok(Self::V0_1_0),
            "0.1.1" => Ok(Self::V0_1_1),
            "1.0.0" => Ok(Self::V1_0_0),
            other => Err(Error::Allowance {
                reason: format!(
                    "unknown AllowanceModule VERSION() {other:?} (known: 0.1.0, 0.1.1, 1.0.0)"
                ),
            }),
        }
    }

    /// The version string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V0_1_0 => "0.1.0",
            Self::V0_1_1 => "0.1.1",
            Self::V1_0_0 => "1.0.0",
        }
    }

    /// The typehash this version's contract uses.
    pub const fn typehash(self) -> B256 {
        match self {
            Self::V0_1_0 => ALLOWANCE_TRANSFER_TYPEHASH_V010,
            Self::V0_1_1 | Self::V1_0_0 => ALLOWANCE_TRANSFER_TYPEHASH,
        }
    }

    /// Whether standard EIP-712 typed data gives this version's digest (false for 0.1.0: a wallet shown the
    /// typed data would sign a digest the contract rejects, so the digest is signed as a hash).
    pub const fn typed_data_valid(self) -> bool {
        !matches!(self, Self::V0_1_0)
    }

    /// Whether a transfer at nonce 65535 is refused (1.0.0); 0.1.x wraps the nonce, which can replay old
    /// signatures.
    pub const fn refuses_nonce_wrap(self) -> bool {
        matches!(self, Self::V1_0_0)
    }
}

impl core::fmt::Display for AllowanceVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One allowance transfer, as the delegate signs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowanceTransfer {
    /// The Safe paying.
    pub safe: Address,
    /// The token (zero address: ether).
    pub token: Address,
    /// The recipient.
    pub to: Address,
    /// The amount (< 2^96).
    pub amount: u128,
    /// The token of the relayer payment.
    pub payment_token: Address,
    /// The relayer payment, paid to the transaction's origin (< 2^96).
    pub payment: u128,
    /// The current nonce of (safe, delegate, token).
    pub nonce: u16,
}

fn word_address(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

fn word_u128(v: u128) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

/// Checks that `value` fits the module's `uint96`, naming `what`.
pub fn check_uint96(what: &str, value: u128) -> Result<()> {
    if value > MAX_ALLOWANCE_AMOUNT {
        return Err(Error::Allowance {
            reason: format!(
                "{what} {value} does not fit the module's uint96 (at most {MAX_ALLOWANCE_AMOUNT} base units)"
            ),
        });
    }
    Ok(())
}

/// The module's EIP-712 domain separator: `keccak256(abi.encode(DOMAIN_TYPEHASH, chainId, module))`.
pub fn allowance_domain_separator(chain_id: u64, module: Address) -> B256 {
    let mut buf = Vec::with_capacity(96);
    buf.extend_from_slice(ALLOWANCE_DOMAIN_TYPEHASH.as_slice());
    buf.extend_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
    buf.extend_from_slice(&word_address(module));
    keccak256(buf)
}

impl AllowanceTransfer {
    /// Checks the amounts fit `uint96` and the amount is not zero (the module refuses a zero amount).
    pub fn check(&self) -> Result<()> {
        check_uint96("the amount", self.amount)?;
        check_uint96("the payment", self.payment)?;
        if self.amount == 0 {
            return Err(Error::Allowance {
                reason: "the amount is 0; the module refuses it".into(),
            });
        }
        Ok(())
    }

    /// The struct hash under `version`'s typehash (the encoding always includes `to`).
    pub fn struct_hash(&self, version: AllowanceVersion) -> B256 {
        let words = [
            version.typehash().0,
            word_address(self.safe),
            word_address(self.token),
            word_address(self.to),
            word_u128(self.amount),
            word_address(self.payment_token),
            word_u128(self.payment),
            U256::from(self.nonce).to_be_bytes(),
        ];
        keccak256(words.concat())
    }

    /// The digest `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash)` the module checks, the value its
    /// `generateTransferHash` returns.
    pub fn digest(&self, version: AllowanceVersion, chain_id: u64, module: Address) -> B256 {
        let mut buf = Vec::with_capacity(66);
        buf.extend_from_slice(&[0x19, 0x01]);
        buf.extend_from_slice(allowance_domain_separator(chain_id, module).as_slice());
        buf.extend_from_slice(self.struct_hash(version).as_slice());
        keccak256(buf)
    }

    /// The EIP-712 typed data (`eth_signTypedData_v4` JSON) of this transfer: only for versions whose typed
    /// data is valid ([`AllowanceVersion::typed_data_valid`]); 0.1.0 is refused, since signing it would give a
    /// digest the contract rejects.
    pub fn typed_data_json(
        &self,
        version: AllowanceVersion,
        chain_id: u64,
        module: Address,
    ) -> Result<Value> {
        if !version.typed_data_valid() {
            return Err(Error::Allowance {
                reason: "AllowanceModule 0.1.0 has a wrong EIP-712 typehash: its typed data does not give the digest the contract checks; sign the digest from generateTransferHash instead".into(),
            });
        }
        Ok(json!({
            "types": {
                "EIP712Domain": [
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"}
                ],
                "AllowanceTransfer": [
                    {"name": "safe", "type": "address"},
                    {"name": "token", "type": "address"},
                    {"name": "to", "type": "address"},
                    {"name": "amount", "type": "uint96"},
                    {"name": "paymentToken", "type": "address"},
                    {"name": "payment", "type": "uint96"},
                    {"name": "nonce", "type": "uint16"}
                ]
            },
            "primaryType": "AllowanceTransfer",
            "domain": {"chainId": chain_id, "verifyingContract": module.to_checksum(None)},
            "message": {
                "safe": self.safe.to_checksum(None),
                "token": self.token.to_checksum(None),
                "to": self.to.to_checksum(None),
                "amount": self.amount.to_string(),
                "paymentToken": self.payment_token.to_checksum(None),
                "payment": self.payment.to_string(),
                "nonce": self.nonce
            }
        }))
    }

    /// `executeAllowanceTransfer` calldata for this transfer by `delegate` with `signature` (empty: the sender
    /// is the delegate).
    pub fn execute_calldata(&self, delegate: Address, signature: &[u8]) -> Bytes {
        executeAllowanceTransferCall {
            safe: self.safe,
            token: self.token,
            to: self.to,
            amount: alloy_primitives::aliases::U96::from(self.amount),
            paymentToken: self.payment_token,
            payment: alloy_primitives::aliases::U96::from(self.payment),
            delegate,
            signature: Bytes::copy_from_slice(signature),
        }
        .abi_encode()
        .into()
    }
}

/// The hash an eth_sign (`personal_sign`) signature of `digest` covers: `keccak256("\x19Ethereum Signed
/// Message:\n32" ‖ digest)`. The module recovers it for `v > 30` (with `v − 4`).
pub fn eth_sign_hash(digest: B256) -> B256 {
    let mut buf = b"\x19Ethereum Signed Message:\n32".to_vec();
    buf.extend_from_slice(digest.as_slice());
    keccak256(buf)
}

/// The 48-bit key under which the module stores a delegate (its lowest 48 address bits).
pub fn delegate_key(delegate: Address) -> u64 {
    let b = delegate.as_slice();
    let mut k = 0u64;
    for byte in &b[14..20] {
        k = (k << 8) | u64::from(*byte);
    }
    k
}

/// `addDelegate(delegate)` calldata.
pub fn add_delegate_calldata(delegate: Address) -> Bytes {
    addDelegateCall { delegate }.abi_encode().into()
}

/// `removeDelegate(delegate, removeAllowances)` calldata.
pub fn remove_delegate_calldata(delegate: Address, remove_allowances: bool) -> Bytes {
    removeDelegateCall { delegate, removeAllowances: remove_allowances }.abi_encode().into()
}

/// `setAllowance(delegate, token, amount, resetTimeMin, resetBaseMin)` calldata, with the bounds checked.
pub fn set_allowance_calldata(
    delegate: Address,
    token: Address,
    amount: u128,
    reset_time_min: u16,
    reset_base_min: u32,
) -> Result<Bytes> {
    check_uint96("the allowance amount", amount)?;
    if delegate.is_zero() {
        return Err(Error::Allowance { reason: "the delegate is the zero address".into() });
    }
    if reset_base_min > 0 && reset_time_min == 0 {
        return Err(Error::Allowance {
            reason: "an anchor (resetBaseMin) needs a period: a one-time allowance has none".into(),
        });
    }
    Ok(setAllowanceCall {
        delegate,
        token,
        allowanceAmount: alloy_primitives::aliases::U96::from(amount),
        resetTimeMin: reset_time_min,
        resetBaseMin: reset_base_min,
    }
    .abi_encode()
    .into())
}

/// `resetAllowance(delegate, token)` calldata.
pub fn reset_allowance_calldata(delegate: Address, token: Address) -> Bytes {
    resetAllowanceCall { delegate, token }.abi_encode().into()
}

/// `deleteAllowance(delegate, token)` calldata.
pub fn delete_allowance_calldata(delegate: Address, token: Address) -> Bytes {
    deleteAllowanceCall { delegate, token }.abi_encode().into()
}

/// Parses a period: `once` (0, a one-time allowance), `1d`, `1w`, `30d`, `<n>h`, `<n>d`, `<n>w` or a number of
/// minutes; refuses periods over 65,535 minutes.
pub fn parse_period(s: &str) -> Result<u16> {
    let t = s.trim().to_ascii_lowercase();
    let bad = || Error::Allowance {
        reason: format!(
            "period {s:?} is not `once`, a number of minutes, or <n>h / <n>d / <n>w (at most 65535 minutes, about 45 days)"
        ),
    };
    if t == "once" {
        return Ok(0);
    }
    let (num, mult) = match t.chars().last() {
        Some('h') => (&t[..t.len() - 1], 60u64),
        Some('d') => (&t[..t.len() - 1], 1440),
        Some('w') => (&t[..t.len() - 1], 10080),
        Some('m') => (&t[..t.len() - 1], 1),
        _ => (t.as_str(), 1),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let minutes = n.checked_mul(mult).ok_or_else(bad)?;
    if minutes == 0 || minutes > MAX_PERIOD_MIN {
        return Err(bad());
    }
    Ok(minutes as u16)
}

/// A period in words (`one time`, `1 day`, `7 days`, `30 days`, `90 minutes`).
pub fn format_period(minutes: u16) -> String {
    let m = u64::from(minutes);
    match m {
        0 => "one time".into(),
        _ if m % 1440 == 0 => {
            let d = m / 1440;
            if d == 1 { "1 day".into() } else { format!("{d} days") }
        }
        _ if m % 60 == 0 => {
            let h = m / 60;
            if h == 1 { "1 hour".into() } else { format!("{h} hours") }
        }
        _ => format!("{m} minutes"),
    }
}

/// One allowance as `getTokenAllowance` returns it (period reset applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AllowanceState {
    /// The allowance per period.
    pub amount: u128,
    /// Spent in the current period.
    pub spent: u128,
    /// The period in minutes (0: one time).
    pub reset_time_min: u16,
    /// The minute timestamp of the last reset.
    pub last_reset_min: u32,
    /// The next transfer nonce (0: never set).
    pub nonce: u16,
}

impl AllowanceState {
    /// From `getTokenAllowance`'s `uint256[5]`; values that cannot come from the module are an error.
    pub fn from_words(words: &[U256; 5]) -> Result<Self> {
        let too_big = |what: &str| Error::Allowance {
            reason: format!(
                "getTokenAllowance returned a {what} out of range: not an AllowanceModule"
            ),
        };
        let amount = u128::try_from(words[0]).map_err(|_| too_big("amount"))?;
        let spent = u128::try_from(words[1]).map_err(|_| too_big("spent"))?;
        check_uint96("amount", amount).map_err(|_| too_big("amount"))?;
        check_uint96("spent", spent).map_err(|_| too_big("spent"))?;
        Ok(Self {
            amount,
            spent,
            reset_time_min: u16::try_from(words[2]).map_err(|_| too_big("period"))?,
            last_reset_min: u32::try_from(words[3]).map_err(|_| too_big("last reset"))?,
            nonce: u16::try_from(words[4]).map_err(|_| too_big("nonce"))?,
        })
    }

    /// What is left to spend in this period (0 when a new limit is below `spent`).
    pub fn remaining(&self) -> u128 {
        self.amount.saturating_sub(self.spent)
    }

    /// The minute timestamp of the next reset, `None` for a one-time allowance.
    pub fn next_reset_min(&self) -> Option<u64> {
        (self.reset_time_min > 0)
            .then(|| u64::from(self.last_reset_min) + u64::from(self.reset_time_min))
    }

    /// Transfers left before the nonce reaches 65,535.
    pub fn nonces_left(&self) -> u16 {
        MAX_TRANSFER_NONCE.saturating_sub(self.nonce)
    }

    /// Whether Safe{Wallet} would list it (`amount == 0 && resetTimeMin == 0` rows are dropped).
    pub fn is_listed(&self) -> bool {
        !(self.amount == 0 && self.reset_time_min == 0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn typehashes_are_the_hashes_of_their_type_strings() {
        assert_eq!(keccak256(ALLOWANCE_TRANSFER_TYPE), ALLOWANCE_TRANSFER_TYPEHASH);
        assert_eq!(keccak256(ALLOWANCE_TRANSFER_TYPE_V010), ALLOWANCE_TRANSFER_TYPEHASH_V010);
        assert_eq!(
            keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"),
            ALLOWANCE_DOMAIN_TYPEHASH
        );
        // The published prefixes/suffixes (MODULES.md): 0x80b00628…fceeb and 0x97c7ed08…1eda4.
        assert!(ALLOWANCE_TRANSFER_TYPEHASH_V010.to_string().starts_with("0x80b00628"));
        assert!(ALLOWANCE_TRANSFER_TYPEHASH_V010.to_string().ends_with("fceeb"));
        assert!(ALLOWANCE_TRANSFER_TYPEHASH.to_string().ends_with("1eda4"));
    }

    #[test]
    fn selectors_match_the_published_abi() {
        assert_eq!(addDelegateCall::SELECTOR, [0xe7, 0x1b, 0xdf, 0x41]);
        assert_eq!(removeDelegateCall::SELECTOR, [0xdd, 0x43, 0xa7, 0x9f]);
        assert_eq!(setAllowanceCall::SELECTOR, [0xbe, 0xae, 0xb3, 0x88]);
        assert_eq!(resetAllowanceCall::SELECTOR, [0xc1, 0x9b, 0xf5, 0x0e]);
        assert_eq!(deleteAllowanceCall::SELECTOR, [0x88, 0x51, 0x33, 0xe3]);
        assert_eq!(executeAllowanceTransferCall::SELECTOR, [0x45, 0x15, 0x64, 0x1a]);
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("once").unwrap(), 0);
        assert_eq!(parse_period("1d").unwrap(), 1440);
        assert_eq!(parse_period("1w").unwrap(), 10080);
        assert_eq!(parse_period("30d").unwrap(), 43200);
        assert_eq!(parse_period("90").unwrap(), 90);
        assert_eq!(parse_period("65535").unwrap(), 65535);
        assert!(parse_period("65536").is_err());
        assert!(parse_period("46d").is_err());
        assert!(parse_period("0").is_err());
        assert!(parse_period("soon").is_err());
        assert_eq!(format_period(43200), "30 days");
        assert_eq!(format_period(0), "one time");
    }

    #[test]
    fn key_is_the_lowest_48_bits() {
        let a = address!("0x1111111111111111111111111111aabbccddeeff");
        assert_eq!(delegate_key(a), 0xaabb_ccdd_eeff);
    }

    #[test]
    fn bounds() {
        assert!(
            set_allowance_calldata(Address::repeat_byte(1), Address::ZERO, 1u128 << 96, 0, 0)
                .is_err()
        );
        assert!(set_allowance_calldata(Address::repeat_byte(1), Address::ZERO, 5, 0, 10).is_err());
        assert!(set_allowance_calldata(Address::ZERO, Address::ZERO, 5, 0, 0).is_err());
        let t = AllowanceTransfer {
            safe: Address::ZERO,
            token: Address::ZERO,
            to: Address::ZERO,
            amount: 0,
            payment_token: Address::ZERO,
            payment: 0,
            nonce: 1,
        };
        assert!(t.check().is_err());
        assert!(t.typed_data_json(AllowanceVersion::V0_1_0, 1, Address::ZERO).is_err());
    }
}
