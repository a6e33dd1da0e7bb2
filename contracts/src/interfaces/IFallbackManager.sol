// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IFallbackManager
 * @notice The fallback handler: where calls to functions the Safe does not have are forwarded.
 * @dev The handler's address lives at storage slot `keccak256("fallback_manager.handler.address")`. A call
 *      the Safe does not recognise is forwarded with CALL (not DELEGATECALL) and the original caller's
 *      address appended to the calldata (20 bytes). With no handler set, such calls return nothing.
 */
interface IFallbackManager {
    /// @notice The fallback handler is now `handler`.
    event ChangedFallbackHandler(address indexed handler);

    /**
     * @notice Sets the fallback handler, or removes it with address(0).
     * @dev Only callable by the Safe itself. Reverts with `GS400` when `handler` is the Safe itself.
     *      ⚠️ The handler sees every unknown call: only use trusted handlers.
     * @param handler The handler contract, or address(0).
     */
    function setFallbackHandler(address handler) external;
}
