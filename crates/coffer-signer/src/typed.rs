//! The one EIP-712 struct-streaming model of what coffer signs, shared by the Ledger (full mode: INS 0x1A /
//! 0x1C, then 0x0C P2 01) and the Trezor (`EthereumSignTypedData` with its struct and value requests).
//!
//! Both devices receive the same things: each struct's name and members (name and type, in declaration
//! order), then each value as raw bytes: an integer as big-endian bytes of its declared size, an address as
//! its 20 bytes, `bytes` as they are. [`TypedMessage`] holds exactly that, built from a [`SafeTx`] or a Safe
//! message, and hashes itself the EIP-712 way so the signer can check that what it streams to a device is the
//! domain separator and struct hash coffer-core computed (and the Safe checks).

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use coffer_core::{SafeTx, SafeTxContext};

/// The EIP-712 member types a Safe transaction or message uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eip712Type {
    /// `uintN`, N = 8 × `bytes`.
    Uint {
        /// The size in bytes (1 to 32).
        bytes: u8,
    },
    /// `address`.
    Address,
    /// Dynamic `bytes`.
    Bytes,
}

impl Eip712Type {
    /// The Solidity type name, e.g. `uint256`.
    pub fn name(&self) -> String {
        match self {
            Self::Uint { bytes } => format!("uint{}", u16::from(*bytes) * 8),
            Self::Address => "address".to_owned(),
            Self::Bytes => "bytes".to_owned(),
        }
    }
}

/// One member of a struct: its name and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip712Member {
    /// The member name, e.g. `to`.
    pub name: &'static str,
    /// Its type.
    pub ty: Eip712Type,
}

/// A struct definition with its values, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip712Struct {
    /// The struct name, e.g. `SafeTx` or `EIP712Domain`.
    pub name: &'static str,
    /// The members, in declaration order.
    pub members: Vec<Eip712Member>,
    /// The value of each member, as the devices receive it (see the module docs).
    pub values: Vec<Bytes>,
}

/// What one device screen (or page) shows: a label and a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screen {
    /// The label, e.g. `to` or `Message hash`.
    pub label: String,
    /// The value as the device writes it.
    pub value: String,
}

impl Screen {
    pub(crate) fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self { label: label.into(), value: value.into() }
    }
}

/// The most characters the Ledger Ethereum app shows for one EIP-712 value before it cuts it with `...`
/// (its display buffer). A `bytes` value is written `0x` + 2 hex digits per byte, so up to
/// [`LEDGER_MAX_UNCUT_BYTES`] bytes are shown whole.
pub const LEDGER_VALUE_CHARS: usize = 255;

/// The longest `bytes` value the Ledger shows uncut in full EIP-712 mode.
pub const LEDGER_MAX_UNCUT_BYTES: usize = (LEDGER_VALUE_CHARS - 2) / 2;

fn uint(bytes: u8, value: U256) -> Bytes {
    let word = value.to_be_bytes::<32>();
    Bytes::copy_from_slice(&word[32 - usize::from(bytes)..])
}

fn address(a: Address) -> Bytes {
    Bytes::copy_from_slice(a.as_slice())
}

fn member(name: &'static str, ty: Eip712Type) -> Eip712Member {
    Eip712Member { name, ty }
}

impl Eip712Struct {
    /// `Name(type1 name1,type2 name2,…)`, the EIP-712 type encoding (no nested structs here).
    pub fn type_string(&self) -> String {
        let members: Vec<String> =
            self.members.iter().map(|m| format!("{} {}", m.ty.name(), m.name)).collect();
        format!("{}({})", self.name, members.join(","))
    }

    /// `hashStruct`: `keccak256(typeHash ‖ encodeData)`, where a `uintN` and an `address` are left-padded to
    /// 32 bytes and `bytes` is replaced by its keccak256.
    pub fn hash(&self) -> B256 {
        let mut buf = keccak256(self.type_string()).to_vec();
        for (m, v) in self.members.iter().zip(&self.values) {
            match m.ty {
                Eip712Type::Bytes => buf.extend_from_slice(keccak256(v).as_slice()),
                Eip712Type::Uint { .. } | Eip712Type::Address => {
                    let mut word = [0u8; 32];
                    let n = v.len().min(32);
                    word[32 - n..].copy_from_slice(&v[v.len() - n..]);
                    buf.extend_from_slice(&word);
                }
            }
        }
        keccak256(buf)
    }

    /// The value of `member` as the Ledger writes it on screen: an integer in decimal, an address in EIP-55
    /// form, `bytes` as `0x` + lowercase hex, cut to [`LEDGER_VALUE_CHARS`] with `...`.
    pub fn display_value(&self, index: usize) -> String {
        self.format_value(index, true)
    }

    /// The value of `member` written out whole (as a Trezor pages it): like
    /// [`Eip712Struct::display_value`] without the cut.
    pub fn display_value_uncut(&self, index: usize) -> String {
        self.format_value(index, false)
    }

    fn format_value(&self, index: usize, cut: bool) -> String {
        let (Some(m), Some(v)) = (self.members.get(index), self.values.get(index)) else {
            return String::new();
        };
        match m.ty {
            Eip712Type::Uint { .. } => U256::from_be_slice(v).to_string(),
            Eip712Type::Address => {
                Address::from_slice(&v[v.len().saturating_sub(20)..]).to_string()
            }
            Eip712Type::Bytes => {
                let full = format!("0x{}", alloy::primitives::hex::encode(v));
                if cut && full.len() > LEDGER_VALUE_CHARS {
                    format!("{}...", &full[..LEDGER_VALUE_CHARS - 3])
                } else {
                    full
                }
            }
        }
    }
}

/// A typed-data message: the `EIP712Domain` struct and the primary struct, with their values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedMessage {
    /// `EIP712Domain`: `chainId` (Safe 1.3.0 and newer) and `verifyingContract`.
    pub domain: Eip712Struct,
    /// The primary struct: `SafeTx` or `SafeMessage`.
    pub message: Eip712Struct,
}

fn domain(ctx: &SafeTxContext) -> Eip712Struct {
    let mut members = Vec::new();
    let mut values = Vec::new();
    if ctx.version.has_chain_id_in_domain() {
        members.push(member("chainId", Eip712Type::Uint { bytes: 32 }));
        values.push(uint(32, U256::from(ctx.chain_id)));
    }
    members.push(member("verifyingContract", Eip712Type::Address));
    values.push(address(ctx.safe));
    Eip712Struct { name: "EIP712Domain", members, values }
}

impl TypedMessage {
    /// The SafeTx typed data of `tx` for the Safe in `ctx`: the ten SafeTx members in the Safe's order.
    pub fn safe_tx(ctx: &SafeTxContext, tx: &SafeTx) -> Self {
        let u256 = Eip712Type::Uint { bytes: 32 };
        let message = Eip712Struct {
            name: "SafeTx",
            members: vec![
                member("to", Eip712Type::Address),
                member("value", u256),
                member("data", Eip712Type::Bytes),
                member("operation", Eip712Type::Uint { bytes: 1 }),
                member("safeTxGas", u256),
                member("baseGas", u256),
                member("gasPrice", u256),
                member("gasToken", Eip712Type::Address),
                member("refundReceiver", Eip712Type::Address),
                member("nonce", u256),
            ],
            values: vec![
                address(tx.to),
                uint(32, tx.value),
                tx.data.clone(),
                uint(1, U256::from(tx.operation.as_u8())),
                uint(32, tx.safe_tx_gas),
                uint(32, tx.base_gas),
                uint(32, tx.gas_price),
                address(tx.gas_token),
                address(tx.refund_receiver),
                uint(32, tx.nonce),
            ],
        };
        Self { domain: domain(ctx), message }
    }

    /// The SafeMessage typed data (`SafeMessage(bytes message)`) of `message` for the Safe in `ctx`.
    pub fn safe_message(ctx: &SafeTxContext, message: &[u8]) -> Self {
        let message = Eip712Struct {
            name: "SafeMessage",
            members: vec![member("message", Eip712Type::Bytes)],
            values: vec![Bytes::copy_from_slice(message)],
        };
        Self { domain: domain(ctx), message }
    }

    /// The domain separator.
    pub fn domain_hash(&self) -> B256 {
        self.domain.hash()
    }

    /// The struct hash of the primary struct.
    pub fn message_hash(&self) -> B256 {
        self.message.hash()
    }

    /// The first `bytes` member the Ledger would cut on screen: (name, length).
    pub fn ledger_cut_value(&self) -> Option<(&'static str, usize)> {
        [&self.domain, &self.message].into_iter().find_map(|s| {
            s.members.iter().zip(&s.values).find_map(|(m, v)| {
                (m.ty == Eip712Type::Bytes && v.len() > LEDGER_MAX_UNCUT_BYTES)
                    .then_some((m.name, v.len()))
            })
        })
    }

    /// The screens of the Ledger Ethereum app in full EIP-712 mode without filters: `Review typed message`,
    /// then every domain and message member by name with its value (see [`Eip712Struct::display_value`]),
    /// then `Sign typed message`. When a value is cut, the device cannot prove it by itself: a last
    /// `Message hash` screen (`0x` + uppercase hex) is added, which the app shows with its "Display hash"
    /// setting on.
    pub fn ledger_screens(&self) -> Vec<Screen> {
        let mut out = vec![Screen::new("Review", "typed message")];
        for s in [&self.domain, &self.message] {
            for (i, m) in s.members.iter().enumerate() {
                out.push(Screen::new(m.name, s.display_value(i)));
            }
        }
        out.push(Screen::new("Sign", "typed message"));
        if self.ledger_cut_value().is_some() {
            out.push(Screen::new(
                "Message hash (Display hash on)",
                format!("0x{}", alloy::primitives::hex::encode_upper(self.message_hash())),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use coffer_core::{SafeVersion, domain_separator, safe_message_hash};

    #[test]
    fn hashes_equal_coffer_core() {
        let data = alloy::primitives::hex::decode(
            "a9059cbb0000000000000000000000000000000000000000000000000000000000000001",
        )
        .unwrap();
        for version in [SafeVersion::V1_1_1, SafeVersion::V1_3_0, SafeVersion::V1_4_1] {
            let ctx = SafeTxContext::new(31337, Address::repeat_byte(0x5a), version);
            let mut tx =
                SafeTx::call(Address::repeat_byte(1), U256::from(7), data.clone(), U256::from(3));
            tx.safe_tx_gas = U256::from(1);
            tx.base_gas = U256::from(2);
            tx.gas_price = U256::from(3);
            tx.gas_token = Address::repeat_byte(4);
            tx.refund_receiver = Address::repeat_byte(5);
            let typed = TypedMessage::safe_tx(&ctx, &tx);
            assert_eq!(typed.domain_hash(), domain_separator(&ctx));
            assert_eq!(typed.message_hash(), tx.struct_hash());
            assert_eq!(
                typed.message.type_string(),
                "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
            );
            let m = TypedMessage::safe_message(&ctx, b"hello");
            let mut pre = vec![0x19, 0x01];
            pre.extend_from_slice(m.domain_hash().as_slice());
            pre.extend_from_slice(m.message_hash().as_slice());
            assert_eq!(keccak256(pre), safe_message_hash(&ctx, b"hello"));
        }
    }

    #[test]
    fn ledger_screens_and_cutting() {
        let ctx = SafeTxContext::new(1, Address::repeat_byte(0x5a), SafeVersion::V1_4_1);
        let tx = SafeTx::call(
            Address::repeat_byte(0xab),
            U256::from(10u64.pow(18)),
            vec![0xde; 126],
            U256::from(9),
        );
        let typed = TypedMessage::safe_tx(&ctx, &tx);
        assert_eq!(typed.ledger_cut_value(), None);
        let screens = typed.ledger_screens();
        assert_eq!(screens.len(), 2 + 2 + 10);
        assert_eq!(screens[1], Screen::new("chainId", "1"));
        assert_eq!(screens[3].label, "to");
        assert_eq!(screens[4], Screen::new("value", "1000000000000000000"));
        assert_eq!(screens[5].value.len(), 2 + 252);
        assert_eq!(screens[6], Screen::new("operation", "0"));
        let long = SafeTx::call(Address::ZERO, U256::ZERO, vec![0xde; 127], U256::ZERO);
        let typed = TypedMessage::safe_tx(&ctx, &long);
        assert_eq!(typed.ledger_cut_value(), Some(("data", 127)));
        let shown = &typed.ledger_screens()[5].value;
        assert_eq!(shown.len(), LEDGER_VALUE_CHARS);
        assert!(shown.ends_with("..."));
    }
}
