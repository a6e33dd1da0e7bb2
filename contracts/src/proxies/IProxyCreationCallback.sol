// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {SafeProxy} from "./SafeProxy.sol";

/**
 * @title IProxyCreationCallback
 * @notice Receives a call from `SafeProxyFactory.createProxyWithCallback` after the proxy was created and set up.
 */
interface IProxyCreationCallback {
    /**
     * @notice Called once the proxy exists and its initializer ran.
     * @dev Reverting undoes the creation.
     * @param proxy The new proxy.
     * @param _singleton Its singleton.
     * @param initializer The initializer that ran on it.
     * @param saltNonce The caller's salt nonce (before it was mixed with the callback address).
     */
    function proxyCreated(SafeProxy proxy, address _singleton, bytes calldata initializer, uint256 saltNonce) external;
}
