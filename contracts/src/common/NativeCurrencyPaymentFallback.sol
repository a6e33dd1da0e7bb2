// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title NativeCurrencyPaymentFallback
 * @notice Accepts plain ether transfers (no calldata) and logs them.
 */
abstract contract NativeCurrencyPaymentFallback {
    /// @notice The Safe received `value` wei from `sender` without calldata.
    event SafeReceived(address indexed sender, uint256 value);

    /// @notice Accepts ether sent with empty calldata. Ether sent with calldata goes to the fallback, which
    ///         is not payable.
    receive() external payable {
        emit SafeReceived(msg.sender, msg.value);
    }
}
