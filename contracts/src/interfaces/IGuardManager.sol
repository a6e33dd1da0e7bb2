// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IGuardManager
 * @notice The transaction guard of a Safe.
 * @dev The guard's address lives at storage slot `keccak256("guard_manager.guard.address")`.
 */
interface IGuardManager {
    /// @notice The guard is now `guard` (address(0): no guard).
    event ChangedGuard(address indexed guard);

    /**
     * @notice Sets the transaction guard, or removes it with address(0).
     * @dev Only callable by the Safe itself. A non-zero guard must report EIP-165 support for
     *      `ITransactionGuard` (`0xe6d7a83a`), else the call reverts with `GS300`.
     *      ⚠️ A faulty guard can lock the Safe for good.
     * @param guard The guard contract, or address(0).
     */
    function setGuard(address guard) external;
}
