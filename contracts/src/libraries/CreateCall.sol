// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title CreateCall
 * @notice Deploys a contract with CREATE or CREATE2. A Safe uses it with DELEGATECALL, so that the Safe is the
 *         deployer.
 */
contract CreateCall {
    /// @notice `newContract` was deployed.
    event ContractCreation(address indexed newContract);

    /**
     * @notice Deploys `deploymentData` with CREATE2 and `salt`, sending `value` wei.
     * @dev Reverts with "Could not deploy contract" when the creation fails.
     * @param value The ether to send to the new contract.
     * @param deploymentData The creation code (with constructor arguments).
     * @param salt The CREATE2 salt.
     * @return newContract The new contract's address.
     */
    function performCreate2(uint256 value, bytes memory deploymentData, bytes32 salt)
        public
        returns (address newContract)
    {
        assembly ("memory-safe") {
            newContract := create2(value, add(deploymentData, 0x20), mload(deploymentData), salt)
        }
        require(newContract != address(0), "Could not deploy contract");
        emit ContractCreation(newContract);
    }

    /**
     * @notice Deploys `deploymentData` with CREATE, sending `value` wei.
     * @dev Reverts with "Could not deploy contract" when the creation fails.
     * @param value The ether to send to the new contract.
     * @param deploymentData The creation code (with constructor arguments).
     * @return newContract The new contract's address.
     */
    function performCreate(uint256 value, bytes memory deploymentData) public returns (address newContract) {
        assembly ("memory-safe") {
            newContract := create(value, add(deploymentData, 0x20), mload(deploymentData))
        }
        require(newContract != address(0), "Could not deploy contract");
        emit ContractCreation(newContract);
    }
}
