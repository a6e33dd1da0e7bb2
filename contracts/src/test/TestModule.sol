// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {IModuleManager} from "../interfaces/IModuleManager.sol";

/**
 * @title TestModule
 * @notice A module for tests: anyone can make it run a transaction from a Safe that enabled it.
 */
contract TestModule {
    /// @notice A module transaction on `safe` returned `success` and `returnData`.
    event ModuleExecuted(address safe, bool success, bytes returnData);

    /**
     * @notice Runs `execTransactionFromModule` on `safe`.
     * @param safe The Safe (must have enabled this module, else GS104).
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @return success What the Safe returned.
     */
    function exec(address safe, address to, uint256 value, bytes calldata data, Enum.Operation operation)
        external
        returns (bool success)
    {
        success = IModuleManager(safe).execTransactionFromModule(to, value, data, operation);
        emit ModuleExecuted(safe, success, "");
    }

    /**
     * @notice Runs `execTransactionFromModuleReturnData` on `safe`.
     * @param safe The Safe (must have enabled this module, else GS104).
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @return success What the Safe returned.
     * @return returnData The inner call's return data.
     */
    function execReturnData(address safe, address to, uint256 value, bytes calldata data, Enum.Operation operation)
        external
        returns (bool success, bytes memory returnData)
    {
        (success, returnData) = IModuleManager(safe).execTransactionFromModuleReturnData(to, value, data, operation);
        emit ModuleExecuted(safe, success, returnData);
    }
}
