// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {IStorageAccessible} from "../interfaces/IStorageAccessible.sol";

/**
 * @title StorageAccessible
 * @notice Raw storage reads and reverting simulations for off-chain tools.
 */
abstract contract StorageAccessible is IStorageAccessible {
    /// @inheritdoc IStorageAccessible
    function getStorageAt(uint256 offset, uint256 length) public view override returns (bytes memory) {
        bytes memory result = new bytes(length * 32);
        assembly ("memory-safe") {
            let out := add(result, 0x20)
            for { let i := 0 } lt(i, length) { i := add(i, 1) } {
                mstore(add(out, shl(5, i)), sload(add(offset, i)))
            }
        }
        return result;
    }

    /// @inheritdoc IStorageAccessible
    function simulateAndRevert(address targetContract, bytes memory calldataPayload) external override {
        assembly ("memory-safe") {
            let success := delegatecall(gas(), targetContract, add(calldataPayload, 0x20), mload(calldataPayload), 0, 0)
            // The revert data is abi.encodePacked(bool success, uint256 size, bytes returnData).
            let ptr := mload(0x40)
            mstore(ptr, success)
            mstore(add(ptr, 0x20), returndatasize())
            returndatacopy(add(ptr, 0x40), 0, returndatasize())
            revert(ptr, add(returndatasize(), 0x40))
        }
    }
}
