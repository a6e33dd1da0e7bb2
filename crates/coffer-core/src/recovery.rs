//! The social-recovery guardian confirmation (Candide SocialRecoveryModule ABI, coffer's
//! `CofferSocialRecoveryModule`): the EIP-712 digest a guardian signs, pure.
//!
//! Domain `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)` with
//! name "Social Recovery Module", version "0.0.1" and the module as verifying contract; message
//! `ExecuteRecovery(address wallet,address[] newOwners,uint256 newThreshold,uint256 nonce)`, the
//! owners hashed as the keccak of their 32-byte-padded concatenation (standard EIP-712 arrays, so
//! `eth_signTypedData_v4`, Ledger and Trezor typed-data signing produce the same digest). The nonce
//! is the module's `nonce(wallet)`.

use alloy_primitives::{Address, B256, U256, b256, keccak256};
use alloy_sol_types::SolValue;

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const RECOVERY_DOMAIN_TYPEHASH: B256 =
    b256!("8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
/// `keccak256("ExecuteRecovery(address wallet,address[] newOwners,uint256 newThreshold,uint256 nonce)")`.
pub const EXECUTE_RECOVERY_TYPEHASH: B256 =
    b256!("124b64921a7c7e677c6cc3b132eaaa57130bc6fc05ab157f35fe5264a7c198d5");
/// The domain's name.
pub const RECOVERY_DOMAIN_NAME: &str = "Social Recovery Module";
/// The domain's version (the source's `VERSION()`, not the package version 0.1.0).
pub const RECOVERY_DOMAIN_VERSION: &str = "0.0.1";

/// A recovery request as guardians confirm it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryMessage {
    /// The Safe being recovered.
    pub wallet: Address,
    /// Its owners after the recovery, in this order.
    pub new_owners: Vec<Address>,
    /// Its threshold after the recovery.
    pub new_threshold: U256,
    /// The module's `nonce(wallet)`.
    pub nonce: U256,
}

/// The domain separator of a recovery module at `module` on `chain_id`.
pub fn recovery_domain_separator(chain_id: u64, module: Address) -> B256 {
    keccak256(
        (
            RECOVERY_DOMAIN_TYPEHASH,
            keccak256(RECOVERY_DOMAIN_NAME),
            keccak256(RECOVERY_DOMAIN_VERSION),
            U256::from(chain_id),
            module,
        )
            .abi_encode(),
    )
}

impl RecoveryMessage {
    /// The EIP-712 struct hash.
    pub fn struct_hash(&self) -> B256 {
        let mut packed = Vec::with_capacity(32 * self.new_owners.len());
        for o in &self.new_owners {
            packed.extend_from_slice(o.into_word().as_slice());
        }
        keccak256(
            (
                EXECUTE_RECOVERY_TYPEHASH,
                self.wallet,
                keccak256(packed),
                self.new_threshold,
                self.nonce,
            )
                .abi_encode(),
        )
    }

    /// The digest a guardian signs (`getRecoveryHash` on chain).
    pub fn digest(&self, chain_id: u64, module: Address) -> B256 {
        let mut b = Vec::with_capacity(66);
        b.extend_from_slice(&[0x19, 0x01]);
        b.extend_from_slice(recovery_domain_separator(chain_id, module).as_slice());
        b.extend_from_slice(self.struct_hash().as_slice());
        keccak256(b)
    }

    /// The `eth_signTypedData_v4` JSON of this message (what a wallet or a device shows).
    pub fn typed_data_json(&self, chain_id: u64, module: Address) -> serde_json::Value {
        serde_json::json!({
            "types": {
                "EIP712Domain": [
                    { "name": "name", "type": "string" },
                    { "name": "version", "type": "string" },
                    { "name": "chainId", "type": "uint256" },
                    { "name": "verifyingContract", "type": "address" }
                ],
                "ExecuteRecovery": [
                    { "name": "wallet", "type": "address" },
                    { "name": "newOwners", "type": "address[]" },
                    { "name": "newThreshold", "type": "uint256" },
                    { "name": "nonce", "type": "uint256" }
                ]
            },
            "primaryType": "ExecuteRecovery",
            "domain": {
                "name": RECOVERY_DOMAIN_NAME,
                "version": RECOVERY_DOMAIN_VERSION,
                "chainId": chain_id,
                "verifyingContract": module,
            },
            "message": {
                "wallet": self.wallet,
                "newOwners": self.new_owners,
                "newThreshold": self.new_threshold.to_string(),
                "nonce": self.nonce.to_string(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typehashes_are_the_type_strings() {
        assert_eq!(
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            ),
            RECOVERY_DOMAIN_TYPEHASH
        );
        assert_eq!(
            keccak256(
                "ExecuteRecovery(address wallet,address[] newOwners,uint256 newThreshold,uint256 nonce)"
            ),
            EXECUTE_RECOVERY_TYPEHASH
        );
    }
}
