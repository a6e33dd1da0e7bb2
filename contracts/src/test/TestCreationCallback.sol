// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {IProxyCreationCallback} from "../proxies/IProxyCreationCallback.sol";
import {SafeProxy} from "../proxies/SafeProxy.sol";

/**
 * @title TestCreationCallback
 * @notice Logs `SafeProxyFactory.createProxyWithCallback` notifications, for tests.
 */
contract TestCreationCallback is IProxyCreationCallback {
    /// @notice `proxyCreated` was called with these arguments.
    event ProxyCreated(address proxy, address singleton, bytes initializer, uint256 saltNonce);

    /// @inheritdoc IProxyCreationCallback
    function proxyCreated(SafeProxy proxy, address _singleton, bytes calldata initializer, uint256 saltNonce)
        external
        override
    {
        emit ProxyCreated(address(proxy), _singleton, initializer, saltNonce);
    }
}
