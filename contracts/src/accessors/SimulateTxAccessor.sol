// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Executor} from "../base/Executor.sol";
import {Enum} from "../common/Enum.sol";

/**
 * @title SimulateTxAccessor
 * @notice Measures a transaction from inside a Safe without signatures: call
 *         `safe.simulateAndRevert(accessor, abi.encodeCall(SimulateTxAccessor.simulate, (...)))` with eth_call and
 *         decode the revert data.
 * @dev Must be DELEGATECALLed. The Safe's `simulateAndRevert` reverts with
 *      `abi.encodePacked(bool success, uint256 length, bytes returnData)`, where `returnData` is the ABI encoding
 *      of `simulate`'s outputs.
 */
contract SimulateTxAccessor is Executor {
    address private immutable accessorSingleton;

    constructor() {
        accessorSingleton = address(this);
    }

    modifier onlyDelegateCall() {
        require(address(this) != accessorSingleton, "SimulateTxAccessor should only be called via delegatecall");
        _;
    }

    /**
     * @notice Runs the transaction in the calling Safe's context and reports the gas it used, whether it
     *         succeeded, and what it returned.
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @return estimate The gas used by the inner call (including the call overhead).
     * @return success Whether the inner call succeeded.
     * @return returnData Its return (or revert) data.
     */
    function simulate(address to, uint256 value, bytes calldata data, Enum.Operation operation)
        external
        onlyDelegateCall
        returns (uint256 estimate, bool success, bytes memory returnData)
    {
        uint256 startGas = gasleft();
        success = execute(to, value, data, operation, gasleft());
        estimate = startGas - gasleft();
        assembly ("memory-safe") {
            returnData := mload(0x40)
            mstore(returnData, returndatasize())
            returndatacopy(add(returnData, 0x20), 0, returndatasize())
            mstore(0x40, add(add(returnData, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
    }
}
