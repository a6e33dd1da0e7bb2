// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/// @title Counter
/// @notice A pipeline smoke-test contract: the smallest thing foundry-compilers can build.
contract Counter {
    uint256 public number;

    function increment() external {
        number += 1;
    }
}
