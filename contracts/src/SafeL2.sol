// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Safe} from "./Safe.sol";
import {ModuleManager} from "./base/ModuleManager.sol";
import {Enum} from "./common/Enum.sol";
import {IModuleManager} from "./interfaces/IModuleManager.sol";

/**
 * @title SafeL2
 * @notice The Safe with extra events that carry every transaction's parameters, for chains where indexers cannot
 *         trace internal calls.
 */
contract SafeL2 is Safe {
    /**
     * @notice A Safe transaction is about to run. Emitted before the signatures are checked.
     * @dev `additionalInfo` is `abi.encode(nonce, msg.sender, threshold)`, with the nonce of this transaction.
     */
    event SafeMultiSigTransaction(
        address to,
        uint256 value,
        bytes data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes signatures,
        bytes additionalInfo
    );

    /// @notice The enabled module `module` is about to run a transaction from the Safe.
    event SafeModuleTransaction(address module, address to, uint256 value, bytes data, Enum.Operation operation);

    /// @notice Logs `SafeMultiSigTransaction`, then behaves as `Safe.execTransaction`.
    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes calldata signatures
    ) public payable override returns (bool) {
        bytes memory additionalInfo = abi.encode(nonce, msg.sender, threshold);
        emit SafeMultiSigTransaction(
            to,
            value,
            data,
            operation,
            safeTxGas,
            baseGas,
            gasPrice,
            gasToken,
            refundReceiver,
            signatures,
            additionalInfo
        );
        return super.execTransaction(
            to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, signatures
        );
    }

    /// @notice Logs `SafeModuleTransaction`, then behaves as `ModuleManager.execTransactionFromModule`.
    function execTransactionFromModule(address to, uint256 value, bytes memory data, Enum.Operation operation)
        public
        override(IModuleManager, ModuleManager)
        returns (bool success)
    {
        emit SafeModuleTransaction(msg.sender, to, value, data, operation);
        success = super.execTransactionFromModule(to, value, data, operation);
    }
}
