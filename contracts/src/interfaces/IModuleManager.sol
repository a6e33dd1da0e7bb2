// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";

/**
 * @title IModuleManager
 * @notice Modules: contracts that may execute transactions from the Safe without owner signatures.
 * @dev The modules form a singly linked list in storage slot 1 that starts and ends at the sentinel
 *      `address(0x1)`. ⚠️ A module has full control over the Safe: enable only trusted, audited modules.
 */
interface IModuleManager {
    /// @notice `module` was enabled.
    event EnabledModule(address indexed module);
    /// @notice `module` was disabled.
    event DisabledModule(address indexed module);
    /// @notice A transaction by `module` succeeded.
    event ExecutionFromModuleSuccess(address indexed module);
    /// @notice A transaction by `module` failed (its inner call reverted).
    event ExecutionFromModuleFailure(address indexed module);

    /**
     * @notice Enables `module`.
     * @dev Only callable by the Safe itself. The module becomes the head of the list. Reverts with `GS101`
     *      for address(0) or the sentinel and `GS102` when already enabled.
     * @param module The module to enable.
     */
    function enableModule(address module) external;

    /**
     * @notice Disables `module`, which follows `prevModule` in the list.
     * @dev Only callable by the Safe itself. `prevModule` is the sentinel `address(0x1)` when `module` is the
     *      head. Reverts with `GS101` for address(0) or the sentinel and `GS103` when `prevModule` does not
     *      point to `module`.
     * @param prevModule The module that points to `module` in the list.
     * @param module The module to disable.
     */
    function disableModule(address prevModule, address module) external;

    /**
     * @notice Executes a transaction from the Safe, on behalf of the calling module.
     * @dev Only callable by an enabled module (`GS104`). All remaining gas is forwarded; the transaction
     *      guard is not consulted. Emits `ExecutionFromModuleSuccess` or `ExecutionFromModuleFailure`.
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @return success Whether the inner call succeeded.
     */
    function execTransactionFromModule(address to, uint256 value, bytes memory data, Enum.Operation operation)
        external
        returns (bool success);

    /**
     * @notice Like `execTransactionFromModule`, and also returns what the inner call returned.
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @return success Whether the inner call succeeded.
     * @return returnData The inner call's return data (its revert data when it failed).
     */
    function execTransactionFromModuleReturnData(
        address to,
        uint256 value,
        bytes memory data,
        Enum.Operation operation
    ) external returns (bool success, bytes memory returnData);

    /**
     * @notice Tells whether `module` is enabled.
     * @param module The address to check.
     * @return True when enabled (always false for the sentinel).
     */
    function isModuleEnabled(address module) external view returns (bool);

    /**
     * @notice Lists up to `pageSize` modules after `start`.
     * @dev Start with the sentinel `address(0x1)`. Pass the returned `next` as `start` to get the next page;
     *      `next` is the sentinel when the list is complete. Reverts with `GS105` when `start` is neither the
     *      sentinel nor an enabled module, and `GS106` when `pageSize` is 0.
     * @param start The sentinel or an enabled module.
     * @param pageSize The maximum number of modules to return.
     * @return array The modules of this page.
     * @return next The cursor for the next page, or the sentinel at the end.
     */
    function getModulesPaginated(address start, uint256 pageSize)
        external
        view
        returns (address[] memory array, address next);
}
