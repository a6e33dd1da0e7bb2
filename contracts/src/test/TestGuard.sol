// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {IERC165} from "../interfaces/IERC165.sol";
import {ITransactionGuard} from "../interfaces/ITransactionGuard.sol";

/**
 * @title TestGuard
 * @notice A transaction guard for tests: logs every call with all its arguments, and can be told to revert or to
 *         deny EIP-165 support.
 */
contract TestGuard is ITransactionGuard {
    /// @notice `checkTransaction` was called with these arguments.
    event TransactionChecked(
        address to,
        uint256 value,
        bytes data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        bytes signatures,
        address msgSender
    );
    /// @notice `checkAfterExecution` was called with these arguments.
    event ExecutionChecked(bytes32 txHash, bool success);

    /// @notice When true, `checkTransaction` reverts with "TestGuard: blocked before".
    bool public revertBefore;
    /// @notice When true, `checkAfterExecution` reverts with "TestGuard: blocked after".
    bool public revertAfter;
    /// @notice When true, `supportsInterface` denies the guard interface (setGuard must then fail with GS300).
    bool public denyInterface;

    /**
     * @notice Configures the guard.
     * @param _revertBefore Make `checkTransaction` revert.
     * @param _revertAfter Make `checkAfterExecution` revert.
     * @param _denyInterface Make `supportsInterface` return false for the guard interface.
     */
    function configure(bool _revertBefore, bool _revertAfter, bool _denyInterface) external {
        revertBefore = _revertBefore;
        revertAfter = _revertAfter;
        denyInterface = _denyInterface;
    }

    /// @inheritdoc ITransactionGuard
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
    ) external override {
        require(!revertBefore, "TestGuard: blocked before");
        emit TransactionChecked(
            to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, signatures, msgSender
        );
    }

    /// @inheritdoc ITransactionGuard
    function checkAfterExecution(bytes32 txHash, bool success) external override {
        require(!revertAfter, "TestGuard: blocked after");
        emit ExecutionChecked(txHash, success);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external view override returns (bool) {
        if (interfaceId == type(ITransactionGuard).interfaceId) return !denyInterface;
        return interfaceId == type(IERC165).interfaceId;
    }
}
