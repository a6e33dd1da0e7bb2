//! Golden AllowanceModule transfer digests, computed independently with ethers by
//! `tests/vectors/allowance.cjs` (0.1.1/1.0.0 typed data; 0.1.0's flawed typehash by hand).

#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, B256, address, b256};
use coffer_core::{AllowanceTransfer, AllowanceVersion};

const CHAIN: u64 = 11_155_111;

fn transfer() -> AllowanceTransfer {
    AllowanceTransfer {
        safe: address!("0x1234567890123456789012345678901234567890"),
        token: address!("0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),
        to: address!("0x000000000000000000000000000000000000dEaD"),
        amount: 2_500_000_000,
        payment_token: Address::ZERO,
        payment: 0,
        nonce: 7,
    }
}

#[test]
fn allowance_golden_v011_and_v100_digest_is_the_typed_data_hash() {
    let module = address!("0xAA46724893dedD72658219405185Fb0Fc91e091C");
    let want: B256 = b256!("0xff93dc07404fefd057233edffb011fd8183bb35d11b05e7650e3eab5dd7422dd");
    assert_eq!(transfer().digest(AllowanceVersion::V0_1_1, CHAIN, module), want);
    assert_eq!(transfer().digest(AllowanceVersion::V1_0_0, CHAIN, module), want);
    // The typed data coffer shows hashes to the same digest through alloy's EIP-712 encoder.
    let json = transfer().typed_data_json(AllowanceVersion::V1_0_0, CHAIN, module).unwrap();
    let typed: alloy_dyn_abi::TypedData = serde_json::from_value(json).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), want);
}

#[test]
fn allowance_golden_v010_flawed_typehash() {
    let module = address!("0xCFbFaC74C26F8647cBDb8c5caf80BB5b32E43134");
    let t = transfer();
    assert_eq!(
        t.struct_hash(AllowanceVersion::V0_1_0),
        b256!("0x164f303c0a60e0b99d9884d12ce91bed2ce2c404bc21c463a56d159c666b9c7b")
    );
    assert_eq!(
        t.digest(AllowanceVersion::V0_1_0, CHAIN, module),
        b256!("0x5731c0fe43e9c0154ead995859538a63c3c655da5f39cd80e711ec40c5e9a73b")
    );
    // What a wallet signing the standard typed data would produce: not the contract's digest.
    assert_eq!(
        t.digest(AllowanceVersion::V1_0_0, CHAIN, module),
        b256!("0x077d9cbc388b64888a5dfe81a5fa72a3d8a9ee7f89c8e5f10240edc454da8387")
    );
    assert!(t.typed_data_json(AllowanceVersion::V0_1_0, CHAIN, module).is_err());
}
