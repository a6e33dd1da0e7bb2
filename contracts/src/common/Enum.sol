// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title Enum
 * @notice Shared enumerations of the Safe suite.
 */
abstract contract Enum {
    /**
     * @notice How a Safe transaction reaches its target.
     * @dev `Call` (0) runs the target in its own context. `DelegateCall` (1) runs the target's code in the
     *      Safe's context, with the Safe's storage and balance: only use it with trusted library code.
     */
    enum Operation {
        Call,
        DelegateCall
    }
}
