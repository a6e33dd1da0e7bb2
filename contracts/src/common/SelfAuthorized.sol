// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title SelfAuthorized
 * @notice Restricts a function to calls the Safe makes to itself, that is, to Safe transactions.
 */
abstract contract SelfAuthorized {
    function _requireSelfCall() private view {
        if (msg.sender != address(this)) revert("GS031");
    }

    /// @dev Only the Safe itself may call: `GS031` otherwise.
    modifier authorized() {
        _requireSelfCall();
        _;
    }
}
