// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {SelfAuthorized} from "../common/SelfAuthorized.sol";
import {IGuardManager} from "../interfaces/IGuardManager.sol";
import {ITransactionGuard} from "../interfaces/ITransactionGuard.sol";

/**
 * @title GuardManager
 * @notice Stores the transaction guard that `execTransaction` consults.
 */
abstract contract GuardManager is SelfAuthorized, IGuardManager {
    /// @dev keccak256("guard_manager.guard.address")
    bytes32 internal constant GUARD_STORAGE_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;

    /// @inheritdoc IGuardManager
    function setGuard(address guard) external override authorized {
        if (guard != address(0)) {
            if (!ITransactionGuard(guard).supportsInterface(type(ITransactionGuard).interfaceId)) revert("GS300");
        }
        assembly ("memory-safe") {
            sstore(GUARD_STORAGE_SLOT, guard)
        }
        emit ChangedGuard(guard);
    }

    /**
     * @dev The current guard, or address(0).
     * @return guard The guard address.
     */
    function getGuard() internal view returns (address guard) {
        assembly ("memory-safe") {
            guard := sload(GUARD_STORAGE_SLOT)
        }
    }
}
