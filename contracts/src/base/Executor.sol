// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";

/**
 * @title Executor
 * @notice Runs a call or a delegatecall on behalf of the Safe.
 */
abstract contract Executor {
    /**
     * @dev Calls (or, for `Operation.DelegateCall`, delegatecalls) `to` with `data` and at most `txGas` gas.
     *      The return data is left in the return data buffer; nothing is copied.
     * @param to The target.
     * @param value The ether value (ignored for a delegatecall).
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @param txGas The gas limit of the inner call (the EVM caps it at 63/64 of what is left).
     * @return success Whether the inner call succeeded.
     */
    function execute(address to, uint256 value, bytes memory data, Enum.Operation operation, uint256 txGas)
        internal
        returns (bool success)
    {
        if (operation == Enum.Operation.DelegateCall) {
            assembly ("memory-safe") {
                success := delegatecall(txGas, to, add(data, 0x20), mload(data), 0, 0)
            }
        } else {
            assembly ("memory-safe") {
                success := call(txGas, to, value, add(data, 0x20), mload(data), 0, 0)
            }
        }
    }
}
