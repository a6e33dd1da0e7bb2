// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title Singleton
 * @notice Reserves storage slot 0 for the proxy's singleton address.
 * @dev Must be the first contract in the inheritance order of every singleton, so that slot 0 is the
 *      singleton address in the proxy's storage. The singleton code never writes it.
 */
abstract contract Singleton {
    // Slot 0: written by SafeProxy's constructor, read by the proxy on every call.
    address private singleton;
}
