// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {IProxyCreationCallback} from "./IProxyCreationCallback.sol";
import {SafeProxy} from "./SafeProxy.sol";

/**
 * @title SafeProxyFactory
 * @notice Deploys SafeProxy contracts with CREATE2 and runs their initializer in the same transaction.
 * @dev The address of a proxy is `CREATE2(factory, salt, keccak256(proxyCreationCode() ‖ uint256(singleton)))`
 *      with `salt = keccak256(keccak256(initializer) ‖ saltNonce)`, or
 *      `keccak256(keccak256(initializer) ‖ saltNonce ‖ chainId)` for the chain-specific form. Because the salt
 *      covers the initializer, nobody can take a predicted address with a different setup.
 */
contract SafeProxyFactory {
    /// @notice `proxy` was created for `singleton`.
    event ProxyCreation(SafeProxy indexed proxy, address singleton);

    /**
     * @notice The creation code of the proxies, without the singleton argument.
     * @return The creation code.
     */
    function proxyCreationCode() public pure returns (bytes memory) {
        return type(SafeProxy).creationCode;
    }

    /**
     * @dev Creates the proxy with CREATE2 under `salt = keccak256(keccak256(initializer) ‖ saltNonce)` (with
     *      `‖ chainId` appended when `chainSpecific`), calls it with `initializer` when that is not empty, and emits
     *      `ProxyCreation`. Reverts with "Singleton contract not deployed" when `_singleton` has no code and
     *      "Create2 call failed" when the address is taken. A failing initializer reverts without data, as in the
     *      canonical factory.
     */
    function _createProxy(address _singleton, bytes calldata initializer, uint256 saltNonce, bool chainSpecific)
        private
        returns (SafeProxy proxy)
    {
        require(_singleton.code.length != 0, "Singleton contract not deployed");
        bytes memory deploymentData = type(SafeProxy).creationCode;
        bool initialized = true;
        assembly ("memory-safe") {
            let code := add(deploymentData, 0x20)
            let codeEnd := add(code, mload(deploymentData))
            // The constructor argument: uint256(uint160(_singleton)).
            mstore(codeEnd, _singleton)
            let init := add(codeEnd, 0x20)
            calldatacopy(init, initializer.offset, initializer.length)
            let saltData := add(init, and(add(initializer.length, 0x1f), not(0x1f)))
            mstore(saltData, keccak256(init, initializer.length))
            mstore(add(saltData, 0x20), saltNonce)
            mstore(add(saltData, 0x40), chainid())
            let salt := keccak256(saltData, add(0x40, shl(5, chainSpecific)))
            proxy := create2(0, code, add(mload(deploymentData), 0x20), salt)
            if and(iszero(iszero(proxy)), iszero(iszero(initializer.length))) {
                initialized := call(gas(), proxy, 0, init, initializer.length, 0, 0)
            }
        }
        require(address(proxy) != address(0), "Create2 call failed");
        if (!initialized) {
            assembly ("memory-safe") {
                revert(0, 0)
            }
        }
        emit ProxyCreation(proxy, _singleton);
    }

    /**
     * @notice Creates a proxy at an address that depends on the singleton, the initializer and `saltNonce`.
     * @param _singleton The singleton (must have code).
     * @param initializer Calldata for the new proxy (usually `setup`), or empty.
     * @param saltNonce Any number, to get a different address for the same setup.
     * @return proxy The new proxy.
     */
    function createProxyWithNonce(address _singleton, bytes calldata initializer, uint256 saltNonce)
        external
        returns (SafeProxy proxy)
    {
        proxy = _createProxy(_singleton, initializer, saltNonce, false);
    }

    /**
     * @notice Like `createProxyWithNonce`, with the chain id in the salt, so the address differs on every chain.
     * @param _singleton The singleton (must have code).
     * @param initializer Calldata for the new proxy (usually `setup`), or empty.
     * @param saltNonce Any number, to get a different address for the same setup.
     * @return proxy The new proxy.
     */
    function createChainSpecificProxyWithNonce(address _singleton, bytes calldata initializer, uint256 saltNonce)
        external
        returns (SafeProxy proxy)
    {
        proxy = _createProxy(_singleton, initializer, saltNonce, true);
    }

    /**
     * @notice Like `createProxyWithNonce` with `keccak256(abi.encodePacked(saltNonce, callback))` as salt nonce,
     *         then calls `callback.proxyCreated` unless `callback` is address(0).
     * @param _singleton The singleton (must have code).
     * @param initializer Calldata for the new proxy (usually `setup`), or empty.
     * @param saltNonce Any number, to get a different address for the same setup.
     * @param callback The contract to notify, or address(0).
     * @return proxy The new proxy.
     */
    function createProxyWithCallback(
        address _singleton,
        bytes calldata initializer,
        uint256 saltNonce,
        IProxyCreationCallback callback
    ) external returns (SafeProxy proxy) {
        uint256 saltNonceWithCallback = uint256(keccak256(abi.encodePacked(saltNonce, callback)));
        proxy = _createProxy(_singleton, initializer, saltNonceWithCallback, false);
        if (address(callback) != address(0)) callback.proxyCreated(proxy, _singleton, initializer, saltNonce);
    }

    /**
     * @notice The chain id used by `createChainSpecificProxyWithNonce`.
     * @return The current chain id.
     */
    function getChainId() public view returns (uint256) {
        return block.chainid;
    }
}
