// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {SelfAuthorized} from "../common/SelfAuthorized.sol";
import {IModuleManager} from "../interfaces/IModuleManager.sol";
import {Executor} from "./Executor.sol";

/**
 * @title ModuleManager
 * @notice Manages the modules of a Safe and runs their transactions.
 * @dev ⚠️ Modules can execute any transaction from the Safe: enable only trusted, audited modules.
 */
abstract contract ModuleManager is SelfAuthorized, Executor, IModuleManager {
    address internal constant SENTINEL_MODULES = address(0x1);

    // Slot 1: the module list, sentinel -> first module -> ... -> last module -> sentinel.
    mapping(address => address) internal modules;

    /**
     * @dev Starts the module list and, when `to` is set, delegatecalls `to` with `data` and all gas.
     *      `GS100` when the list already exists, `GS002` when `to` has no code, `GS000` when the call fails.
     * @param to The contract to delegatecall, or address(0).
     * @param data The calldata for `to`.
     */
    function setupModules(address to, bytes calldata data) internal {
        bool initialized;
        assembly ("memory-safe") {
            // modules[SENTINEL_MODULES], written whole (a mapping value of its own slot).
            mstore(0x00, 1) // the sentinel
            mstore(0x20, modules.slot)
            let slot := keccak256(0x00, 0x40)
            initialized := iszero(iszero(sload(slot)))
            if iszero(initialized) {
                sstore(slot, 1)
            }
        }
        if (initialized) revert("GS100");
        if (to != address(0)) {
            if (to.code.length == 0) revert("GS002");
            bool success;
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                calldatacopy(ptr, data.offset, data.length)
                success := delegatecall(gas(), to, ptr, data.length, 0, 0)
            }
            if (!success) revert("GS000");
        }
    }

    /// @inheritdoc IModuleManager
    function enableModule(address module) public override authorized {
        if (module == address(0) || module == SENTINEL_MODULES) revert("GS101");
        if (modules[module] != address(0)) revert("GS102");
        modules[module] = modules[SENTINEL_MODULES];
        modules[SENTINEL_MODULES] = module;
        emit EnabledModule(module);
    }

    /// @inheritdoc IModuleManager
    function disableModule(address prevModule, address module) public override authorized {
        if (module == address(0) || module == SENTINEL_MODULES) revert("GS101");
        if (modules[prevModule] != module) revert("GS103");
        modules[prevModule] = modules[module];
        modules[module] = address(0);
        emit DisabledModule(module);
    }

    /// @inheritdoc IModuleManager
    function execTransactionFromModule(address to, uint256 value, bytes memory data, Enum.Operation operation)
        public
        virtual
        override
        returns (bool success)
    {
        if (msg.sender == SENTINEL_MODULES || modules[msg.sender] == address(0)) revert("GS104");
        success = execute(to, value, data, operation, type(uint256).max);
        if (success) emit ExecutionFromModuleSuccess(msg.sender);
        else emit ExecutionFromModuleFailure(msg.sender);
    }

    /// @inheritdoc IModuleManager
    function execTransactionFromModuleReturnData(
        address to,
        uint256 value,
        bytes memory data,
        Enum.Operation operation
    ) public override returns (bool success, bytes memory returnData) {
        // A virtual call on purpose: SafeL2's override (which logs the module transaction) runs here too.
        success = execTransactionFromModule(to, value, data, operation);
        assembly ("memory-safe") {
            returnData := mload(0x40)
            mstore(returnData, returndatasize())
            returndatacopy(add(returnData, 0x20), 0, returndatasize())
            mstore(0x40, add(add(returnData, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
    }

    /// @inheritdoc IModuleManager
    function isModuleEnabled(address module) public view override returns (bool) {
        return module != SENTINEL_MODULES && modules[module] != address(0);
    }

    /// @inheritdoc IModuleManager
    function getModulesPaginated(address start, uint256 pageSize)
        external
        view
        override
        returns (address[] memory array, address next)
    {
        if (start != SENTINEL_MODULES && !isModuleEnabled(start)) revert("GS105");
        if (pageSize == 0) revert("GS106");
        array = new address[](pageSize);
        uint256 count;
        next = modules[start];
        while (next != address(0) && next != SENTINEL_MODULES && count < pageSize) {
            array[count] = next;
            next = modules[next];
            unchecked {
                ++count;
            }
        }
        // The page stopped before the end of the list: the cursor for the next page is the last module of this
        // page, since `next` itself would be skipped (a page starts after its `start`).
        if (next != SENTINEL_MODULES) {
            next = array[count - 1];
        }
        assembly ("memory-safe") {
            mstore(array, count)
        }
    }
}
