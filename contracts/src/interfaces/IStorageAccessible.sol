// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IStorageAccessible
 * @notice Reading raw storage, and simulating code in the Safe's context without changing it.
 */
interface IStorageAccessible {
    /**
     * @notice Reads `length` consecutive storage words starting at slot `offset`.
     * @param offset The first slot.
     * @param length The number of 32-byte words to read.
     * @return The words, concatenated (`length * 32` bytes).
     */
    function getStorageAt(uint256 offset, uint256 length) external view returns (bytes memory);

    /**
     * @notice Delegatecalls `targetContract` with `calldataPayload`, then always reverts, so nothing it did
     *         remains.
     * @dev The revert data is `abi.encodePacked(bool success, uint256 returnDataLength, bytes returnData)`,
     *      the delegatecall's outcome. Meant for `eth_call`: no signatures are needed because the state change
     *      is always undone.
     * @param targetContract The code to run in the Safe's context.
     * @param calldataPayload The calldata for it.
     */
    function simulateAndRevert(address targetContract, bytes memory calldataPayload) external;
}
