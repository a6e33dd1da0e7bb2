// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {IERC165} from "./IERC165.sol";

/**
 * @title ITransactionGuard
 * @notice A guard sees every Safe transaction (`execTransaction`) before and after it runs, and can veto it
 *         by reverting.
 * @dev The EIP-165 id of this interface is `checkTransaction.selector ^ checkAfterExecution.selector` =
 *      `0xe6d7a83a`, where the selectors are those of
 *      `checkTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes,address)` and
 *      `checkAfterExecution(bytes32,bool)`. `setGuard` only accepts a guard that reports support for it.
 *      ⚠️ A guard that always reverts locks the Safe: no transaction, including one that removes the guard,
 *      can run any more. Module transactions do not pass through the guard.
 */
interface ITransactionGuard is IERC165 {
    /**
     * @notice Called by the Safe after the signatures were checked and before the transaction runs.
     * @dev Revert to block the transaction. The arguments are those of `execTransaction`.
     * @param to The destination of the Safe transaction.
     * @param value The ether value of the Safe transaction.
     * @param data The calldata of the Safe transaction.
     * @param operation Call or DelegateCall.
     * @param safeTxGas The gas reserved for the inner call.
     * @param baseGas The gas refunded on top of the measured gas.
     * @param gasPrice The refund gas price (0 for no refund).
     * @param gasToken The refund token (address(0) for ether).
     * @param refundReceiver The refund receiver (address(0) for tx.origin).
     * @param signatures The packed owner signatures.
     * @param msgSender The account that called `execTransaction`.
     */
    function checkTransaction(
        address to,
        uint256 value,
        bytes memory data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory signatures,
        address msgSender
    ) external;

    /**
     * @notice Called by the Safe after the transaction ran and after the execution event was emitted.
     * @dev Revert to undo the whole transaction, including the nonce increment.
     * @param txHash The Safe transaction hash.
     * @param success Whether the inner call succeeded.
     */
    function checkAfterExecution(bytes32 txHash, bool success) external;
}
