//! Safe transactions that change the Safe itself: owners, threshold, modules, guard and
//! fallback handler.
//!
//! Each builder checks the change against the [`SafeInfo`] it is called on and refuses, naming
//! the GS code, what the Safe would refuse. The linked-list predecessor (`prevOwner`,
//! `prevModule`) is taken from the current list, so read the Safe right before building.

use crate::{
    Error, Result,
    read::{SENTINEL, SafeInfo},
};
use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use coffer_contracts::bindings::ISafe;
use coffer_core::SafeTx;

alloy::sol! {
    /// Safe 1.5.0's `ModuleManager.setModuleGuard`.
    function setModuleGuard(address moduleGuard);
}

/// The predecessor of `item` in a Safe linked list given in list order: the sentinel for the
/// first item. `None` if `item` is not in the list.
pub fn prev_in_list(list: &[Address], item: Address) -> Option<Address> {
    let i = list.iter().position(|a| *a == item)?;
    Some(if i == 0 { SENTINEL } else { list[i - 1] })
}

fn invalid(msg: String) -> Error {
    Error::InvalidChange(msg)
}

impl SafeInfo {
    fn self_call(&self, data: Vec<u8>, nonce: U256) -> SafeTx {
        SafeTx::call(self.address, U256::ZERO, data, nonce)
    }

    fn check_new_owner(&self, owner: Address) -> Result<()> {
        if owner == Address::ZERO || owner == SENTINEL || owner == self.address {
            return Err(invalid(format!(
                "{owner} cannot be an owner (GS203): not the zero address, the sentinel 0x…01 or the Safe itself"
            )));
        }
        if self.is_owner(owner) {
            return Err(invalid(format!("{owner} is already an owner (GS204)")));
        }
        Ok(())
    }

    fn check_threshold(&self, threshold: u64, owner_count: usize) -> Result<()> {
        if threshold == 0 {
            return Err(invalid("the threshold must be at least 1 (GS202)".into()));
        }
        if threshold > owner_count as u64 {
            return Err(invalid(format!(
                "threshold {threshold} exceeds the {owner_count} owners the Safe would have (GS201)"
            )));
        }
        Ok(())
    }

    fn prev_owner(&self, owner: Address) -> Result<Address> {
        prev_in_list(&self.owners, owner)
            .ok_or_else(|| invalid(format!("{owner} is not an owner of {} (GS205)", self.address)))
    }

    /// `addOwnerWithThreshold(owner, threshold)`: adds `owner` (it goes to the head of the
    /// owner list) and sets the threshold.
    pub fn add_owner_tx(&self, owner: Address, threshold: u64, nonce: U256) -> Result<SafeTx> {
        self.check_new_owner(owner)?;
        self.check_threshold(threshold, self.owners.len() + 1)?;
        let call = ISafe::addOwnerWithThresholdCall { owner, threshold: U256::from(threshold) };
        Ok(self.self_call(call.abi_encode(), nonce))
    }

    /// `removeOwner(prevOwner, owner, threshold)`, with `prevOwner` from the owner list.
    pub fn remove_owner_tx(&self, owner: Address, threshold: u64, nonce: U256) -> Result<SafeTx> {
        let prev_owner = self.prev_owner(owner)?;
        self.check_threshold(threshold, self.owners.len() - 1)?;
        let call = ISafe::removeOwnerCall {
            prevOwner: prev_owner,
            owner,
            threshold: U256::from(threshold),
        };
        Ok(self.self_call(call.abi_encode(), nonce))
    }

    /// `swapOwner(prevOwner, oldOwner, newOwner)`, with `prevOwner` from the owner list.
    pub fn swap_owner_tx(
        &self,
        old_owner: Address,
        new_owner: Address,
        nonce: U256,
    ) -> Result<SafeTx> {
        self.check_new_owner(new_owner)?;
        let prev_owner = self.prev_owner(old_owner)?;
        let call = ISafe::swapOwnerCall {
            prevOwner: prev_owner,
            oldOwner: old_owner,
            newOwner: new_owner,
        };
        Ok(self.self_call(call.abi_encode(), nonce))
    }

    /// `changeThreshold(threshold)`.
    pub fn change_threshold_tx(&self, threshold: u64, nonce: U256) -> Result<SafeTx> {
        self.check_threshold(threshold, self.owners.len())?;
        let call = ISafe::changeThresholdCall { threshold: U256::from(threshold) };
        Ok(self.self_call(call.abi_encode(), nonce))
    }

    /// `enableModule(module)`. A module can execute any transaction without signatures: enable
    /// only audited modules.
    pub fn enable_module_tx(&self, module: Address, nonce: U256) -> Result<SafeTx> {
        if module == Address::ZERO || module == SENTINEL {
            return Err(invalid(format!("{module} cannot be a module (GS101)")));
        }
        if self.is_module(module) {
            return Err(invalid(format!("module {module} is already enabled (GS102)")));
        }
        Ok(self.self_call(ISafe::enableModuleCall { module }.abi_encode(), nonce))
    }

    /// `disableModule(prevModule, module)`, with `prevModule` from the module list.
    pub fn disable_module_tx(&self, module: Address, nonce: U256) -> Result<SafeTx> {
        let prev_module = prev_in_list(&self.modules, module).ok_or_else(|| {
            invalid(format!("module {module} is not enabled on {} (GS103)", self.address))
        })?;
        let call = ISafe::disableModuleCall { prevModule: prev_module, module };
        Ok(self.self_call(call.abi_encode(), nonce))
    }

    /// `setGuard(guard)`; the zero address removes the guard. The guard must support the guard
    /// interface through ERC-165 (GS300): simulate before signing.
    pub fn set_guard_tx(&self, guard: Address, nonce: U256) -> Result<SafeTx> {
        Ok(self.self_call(ISafe::setGuardCall { guard }.abi_encode(), nonce))
    }

    /// `setModuleGuard(moduleGuard)` (Safe 1.5.0 and later); the zero address removes it. The
    /// guard must support the module guard interface through ERC-165 (GS301): simulate before
    /// signing. An older Safe has no module guard: [`Error::InvalidChange`].
    pub fn set_module_guard_tx(&self, guard: Address, nonce: U256) -> Result<SafeTx> {
        if !self.version.is_some_and(|v| v.has_module_guard()) {
            return Err(invalid(format!(
                "the Safe at {} is version {}, which has no module guard: setModuleGuard came in Safe 1.5.0",
                self.address, self.version_string
            )));
        }
        Ok(self.self_call(setModuleGuardCall { moduleGuard: guard }.abi_encode(), nonce))
    }

    /// `setFallbackHandler(handler)`; the zero address removes it.
    pub fn set_fallback_handler_tx(&self, handler: Address, nonce: U256) -> Result<SafeTx> {
        if handler == self.address {
            return Err(invalid("the fallback handler cannot be the Safe itself (GS400)".into()));
        }
        Ok(self.self_call(ISafe::setFallbackHandlerCall { handler }.abi_encode(), nonce))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::address;

    #[test]
    fn prev_is_sentinel_for_head_and_previous_otherwise() {
        let a = address!("00000000000000000000000000000000000000aa");
        let b = address!("00000000000000000000000000000000000000bb");
        let c = address!("00000000000000000000000000000000000000cc");
        let list = [a, b, c];
        assert_eq!(prev_in_list(&list, a), Some(SENTINEL));
        assert_eq!(prev_in_list(&list, c), Some(b));
        assert_eq!(prev_in_list(&list, SENTINEL), None);
    }
}
