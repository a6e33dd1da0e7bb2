// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {SelfAuthorized} from "../common/SelfAuthorized.sol";
import {IFallbackManager} from "../interfaces/IFallbackManager.sol";

/**
 * @title FallbackManager
 * @notice Forwards calls to unknown functions to a fallback handler, with the caller's address appended.
 */
abstract contract FallbackManager is SelfAuthorized, IFallbackManager {
    /// @dev keccak256("fallback_manager.handler.address")
    bytes32 internal constant FALLBACK_HANDLER_STORAGE_SLOT =
        0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5;

    /**
     * @dev Stores `handler` without emitting an event.
     *      The Safe itself is refused (`GS400`): the handler gets the calldata with the caller's address
     *      appended, and a caller could choose an address whose bytes, after a short calldata, form the selector
     *      of an `authorized` function. If the handler were the Safe, that call would come from the Safe itself
     *      and pass the `authorized` check.
     * @param handler The handler, or address(0).
     */
    function internalSetFallbackHandler(address handler) internal {
        if (handler == address(this)) revert("GS400");
        assembly ("memory-safe") {
            sstore(FALLBACK_HANDLER_STORAGE_SLOT, handler)
        }
    }

    /// @inheritdoc IFallbackManager
    function setFallbackHandler(address handler) public override authorized {
        internalSetFallbackHandler(handler);
        emit ChangedFallbackHandler(handler);
    }

    /**
     * @notice Forwards the call to the fallback handler with CALL, appending the caller's address (20 bytes) to
     *         the calldata, and returns or reverts with the handler's data. Returns nothing when no handler is set.
     * @dev Not payable, as in the canonical Safe: ether with calldata is refused.
     */
    fallback() external {
        assembly ("memory-safe") {
            let handler := sload(FALLBACK_HANDLER_STORAGE_SLOT)
            if iszero(handler) {
                return(0, 0)
            }
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            mstore(add(ptr, calldatasize()), shl(96, caller()))
            let success := call(gas(), handler, 0, ptr, add(calldatasize(), 20), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(success) {
                revert(ptr, returndatasize())
            }
            return(ptr, returndatasize())
        }
    }
}
