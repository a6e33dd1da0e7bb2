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
     * @dev Creates the proxy with CREATE2 and calls it with `initializer` when that is not empty.
     *      Reverts with "Singleton contract not deployed" when `_singleton` has no code and "Create2 call failed"
     *      when the address is taken. A failing initializer reverts without data, as in the canonical factory.
     */
    function deployProxy(address _singleton, bytes memory initializer, bytes32 salt)
        internal
        returns (SafeProxy proxy)
    {
        require(_singleton.code.length != 0, "Singleton contract not deployed");
        bytes memory deploymentData = abi.encodePacked(type(SafeProxy).creationCode, uint256(uint160(_singleton)));
        assembly ("memory-safe") {
            proxy := create2(0, add(deploymentData, 0x20), mload(deploymentData), salt)
        }
        require(address(proxy) != address(0), "Create2 call failed");
        if (initializer.length > 0) {
            assembly ("memory-safe") {
                if iszero(call(gas(), proxy, 0, add(initializer, 0x20), mload(initializer), 0, 0)) {
                    revert(0, 0)
                }
            }
        }
    }

    /**
     * @notice Creates a proxy at an address that depends on the singleton, the initializer and `saltNonce`.
     * @param _singleton The singleton (must have code).
     * @param initializer Calldata for the new proxy (usually `setup`), or empty.
     * @param saltNonce Any number, to get a different address for the same setup.
     * @return proxy The new proxy.
     */
    function createProxyWithNonce(address _singleton, bytes memory initializer, uint256 saltNonce)
        public
        returns (SafeProxy proxy)
    {
        bytes32 salt = keccak256(abi.encodePacked(keccak256(initializer), saltNonce));
        proxy = deployProxy(_singleton, initializer, salt);
        emit ProxyCreation(proxy, _singleton);
    }

    /**
     * @notice Like `createProxyWithNonce`, with the chain id in the salt, so the address differs on every chain.
     * @param _singleton The singleton (must have code).
     * @param initializer Calldata for the new proxy (usually `setup`), or empty.
     * @param saltNonce Any number, to get a different address for the same setup.
     * @return proxy The new proxy.
     */
    function createChainSpecificProxyWithNonce(address _singleton, bytes memory initializer, uint256 saltNonce)
        public
        returns (SafeProxy proxy)
    {
        bytes32 salt = keccak256(abi.encodePacked(keccak256(initializer), saltNonce, block.chainid));
        proxy = deployProxy(_singleton, initializer, salt);
        emit ProxyCreation(proxy, _singleton);
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
        bytes memory initializer,
        uint256 saltNonce,
        IProxyCreationCallback callback
    ) public returns (SafeProxy proxy) {
        uint256 saltNonceWithCallback = uint256(keccak256(abi.encodePacked(saltNonce, callback)));
        proxy = createProxyWithNonce(_singleton, initializer, saltNonceWithCallback);
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
