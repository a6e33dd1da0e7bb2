// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {IERC1271, ILegacySignatureValidator} from "../interfaces/ISignatureValidator.sol";

/**
 * @title TestSignatureValidator
 * @notice A contract owner for tests of contract signatures (v = 0). It accepts exactly one signature over
 *         exactly one hash, through the EIP-1271 forms it is told to answer.
 */
contract TestSignatureValidator is ILegacySignatureValidator, IERC1271 {
    /// @notice Which EIP-1271 forms answer with their magic value.
    enum Mode {
        None,
        LegacyOnly,
        StandardOnly,
        Both,
        Revert,
        WrongMagic
    }

    /// @notice The current mode.
    Mode public mode;
    /// @notice The hash a valid signature must be over: `keccak256(_data)` (legacy) or `_dataHash` (standard).
    bytes32 public expectedHash;
    /// @notice The signature bytes that are valid.
    bytes public expectedSignature;

    /**
     * @notice Configures which signature is valid and through which forms.
     * @param _mode The forms that answer.
     * @param _expectedHash The signed hash.
     * @param _expectedSignature The valid signature bytes.
     */
    function configure(Mode _mode, bytes32 _expectedHash, bytes calldata _expectedSignature) external {
        mode = _mode;
        expectedHash = _expectedHash;
        expectedSignature = _expectedSignature;
    }

    /// @inheritdoc ILegacySignatureValidator
    function isValidSignature(bytes calldata _data, bytes calldata _signature)
        external
        view
        override(ILegacySignatureValidator)
        returns (bytes4)
    {
        Mode m = mode;
        if (m == Mode.Revert) revert("TestSignatureValidator: revert");
        if (m == Mode.WrongMagic) return 0xdeadbeef;
        bool valid = keccak256(_data) == expectedHash && keccak256(_signature) == keccak256(expectedSignature);
        return (valid && (m == Mode.LegacyOnly || m == Mode.Both)) ? bytes4(0x20c13b0b) : bytes4(0);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 _dataHash, bytes calldata _signature)
        external
        view
        override(IERC1271)
        returns (bytes4)
    {
        Mode m = mode;
        if (m == Mode.Revert) revert("TestSignatureValidator: revert");
        if (m == Mode.WrongMagic) return 0xdeadbeef;
        bool valid = _dataHash == expectedHash && keccak256(_signature) == keccak256(expectedSignature);
        return (valid && (m == Mode.StandardOnly || m == Mode.Both)) ? bytes4(0x1626ba7e) : bytes4(0);
    }
}
