// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title SignatureValidatorConstants
 * @notice The magic values of both EIP-1271 forms.
 */
abstract contract SignatureValidatorConstants {
    /// @dev The legacy form's magic value: `bytes4(keccak256("isValidSignature(bytes,bytes)"))` = `0x20c13b0b`.
    bytes4 internal constant LEGACY_EIP1271_MAGIC_VALUE = 0x20c13b0b;
    /// @dev The standard form's magic value: `bytes4(keccak256("isValidSignature(bytes32,bytes)"))` = `0x1626ba7e`.
    bytes4 internal constant EIP1271_MAGIC_VALUE = 0x1626ba7e;
}

/**
 * @title ILegacySignatureValidator
 * @notice The early EIP-1271 draft that Safe versions up to 1.4.1 call for contract signatures (v = 0).
 */
interface ILegacySignatureValidator {
    /**
     * @notice Tells whether `_signature` is a valid signature by this contract over `_data`.
     * @dev Must not modify state: callers use STATICCALL. For a Safe transaction, `_data` is the 66-byte
     *      EIP-712 preimage `0x1901 ‖ domainSeparator ‖ safeTxStructHash`, not its hash.
     * @param _data The signed data (not hashed).
     * @param _signature The signature bytes, in whatever format the contract defines.
     * @return `0x20c13b0b` when the signature is valid. Any other value (or a revert) means invalid.
     */
    function isValidSignature(bytes calldata _data, bytes calldata _signature) external view returns (bytes4);
}

/**
 * @title IERC1271
 * @notice The final EIP-1271 form, used by Safe 1.5.0 and most other smart accounts.
 */
interface IERC1271 {
    /**
     * @notice Tells whether `_signature` is a valid signature by this contract over the 32-byte `_dataHash`.
     * @dev Must not modify state: callers use STATICCALL.
     * @param _dataHash The hash of the signed data.
     * @param _signature The signature bytes, in whatever format the contract defines.
     * @return `0x1626ba7e` when the signature is valid. Any other value (or a revert) means invalid.
     */
    function isValidSignature(bytes32 _dataHash, bytes calldata _signature) external view returns (bytes4);
}
