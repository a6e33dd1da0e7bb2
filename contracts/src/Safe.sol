// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {FallbackManager} from "./base/FallbackManager.sol";
import {GuardManager} from "./base/GuardManager.sol";
import {ModuleManager} from "./base/ModuleManager.sol";
import {OwnerManager} from "./base/OwnerManager.sol";
import {Enum} from "./common/Enum.sol";
import {NativeCurrencyPaymentFallback} from "./common/NativeCurrencyPaymentFallback.sol";
import {SecuredTokenTransfer} from "./common/SecuredTokenTransfer.sol";
import {Singleton} from "./common/Singleton.sol";
import {StorageAccessible} from "./common/StorageAccessible.sol";
import {ISafe} from "./interfaces/ISafe.sol";
import {SignatureValidatorConstants} from "./interfaces/ISignatureValidator.sol";
import {ITransactionGuard} from "./interfaces/ITransactionGuard.sol";

/**
 * @title Safe
 * @notice coffer's Safe: a multisignature account, compatible with the canonical Safe 1.4.1 at the interface
 *         level (selectors, events, revert strings, EIP-712 hashes, storage slots). Used through SafeProxy.
 * @dev One deliberate difference: a contract owner's signature (v = 0) is accepted when the owner answers either
 *      EIP-1271 form, the legacy `isValidSignature(bytes,bytes)` or the standard `isValidSignature(bytes32,bytes)`.
 *      The canonical 1.4.1 only asks the legacy form, and lets a revert of that call bubble up; this Safe reverts
 *      with `GS024` when neither form answers with its magic value.
 */
contract Safe is
    Singleton,
    NativeCurrencyPaymentFallback,
    ModuleManager,
    OwnerManager,
    SignatureValidatorConstants,
    SecuredTokenTransfer,
    FallbackManager,
    StorageAccessible,
    GuardManager,
    ISafe
{
    /// @inheritdoc ISafe
    string public constant override VERSION = "1.4.1";

    /// @dev keccak256("EIP712Domain(uint256 chainId,address verifyingContract)")
    bytes32 private constant DOMAIN_SEPARATOR_TYPEHASH =
        0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218;

    /// @dev keccak256("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)")
    bytes32 private constant SAFE_TX_TYPEHASH = 0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8;

    /// @inheritdoc ISafe
    uint256 public override nonce; // slot 5
    // Slot 6: the cached domain separator of Safe versions before 1.3.0. Kept empty so that later slots match.
    bytes32 private _deprecatedDomainSeparator;
    /// @inheritdoc ISafe
    mapping(bytes32 => uint256) public override signedMessages; // slot 7
    /// @inheritdoc ISafe
    mapping(address => mapping(bytes32 => uint256)) public override approvedHashes; // slot 8

    /// @dev A non-zero threshold makes `setup` revert (`GS200`), so the singleton itself can never be owned.
    constructor() {
        threshold = 1;
    }

    /// @inheritdoc ISafe
    function setup(
        address[] calldata _owners,
        uint256 _threshold,
        address to,
        bytes calldata data,
        address fallbackHandler,
        address paymentToken,
        uint256 payment,
        address payable paymentReceiver
    ) external override {
        setupOwners(_owners, _threshold);
        if (fallbackHandler != address(0)) internalSetFallbackHandler(fallbackHandler);
        // The setup call may enable modules, so it runs after owners and handler exist.
        setupModules(to, data);
        if (payment > 0) {
            // With gasPrice 1 and no base gas the refund formula pays exactly `payment` (in ether: when
            // tx.gasprice > 0).
            handlePayment(payment, 0, 1, paymentToken, paymentReceiver);
        }
        emit SafeSetup(msg.sender, _owners, _threshold, to, fallbackHandler);
    }

    /// @inheritdoc ISafe
    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes calldata signatures
    ) public payable virtual override returns (bool success) {
        // The helpers below read the arguments back from the calldata head (see `_safeTxFromCalldata`), which
        // the ABI decoder has validated. This keeps the hot path cheap and the stack shallow.
        (to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver);
        (bytes32 txHash, bytes memory txHashData) = _hashSafeTxAndUseNonce();
        _checkSignatures(txHash, txHashData, signatures);
        address guard = getGuard();
        if (guard != address(0)) _guardCheckTransaction(guard);
        uint256 payment;
        (success, payment) = _runSafeTx();
        if (success) emit ExecutionSuccess(txHash, payment);
        else emit ExecutionFailure(txHash, payment);
        if (guard != address(0)) ITransactionGuard(guard).checkAfterExecution(txHash, success);
    }

    /**
     * @dev Where the helpers of `execTransaction` find its arguments. They run only inside `execTransaction`, which
     *      is only entered through its external ABI (SafeL2 passes the same, unchanged calldata on), so the head
     *      words are at fixed offsets and were validated by the ABI decoder: to 0x04, value 0x24, data 0x44 (offset),
     *      operation 0x64, safeTxGas 0x84, baseGas 0xa4, gasPrice 0xc4, gasToken 0xe4, refundReceiver 0x104,
     *      signatures 0x124 (offset). A `bytes` offset counts from 0x04 and points at its length word.
     *      `encodeTransactionData` and `getTransactionHash` share the first nine words (their tenth is the nonce).
     * @return dataOffset The calldata offset of the bytes of `data`.
     * @return dataLength Their length.
     */
    function _safeTxFromCalldata() private pure returns (uint256 dataOffset, uint256 dataLength) {
        assembly ("memory-safe") {
            let field := add(calldataload(0x44), 0x04)
            dataLength := calldataload(field)
            dataOffset := add(field, 0x20)
        }
    }

    /**
     * @dev Hashes the Safe transaction in the calldata with the current nonce and increments the nonce. The nonce
     *      moves before the signatures are checked, which may call owner contracts.
     * @return txHash The Safe transaction hash.
     * @return txHashData Its 66-byte EIP-712 preimage.
     */
    function _hashSafeTxAndUseNonce() private returns (bytes32 txHash, bytes memory txHashData) {
        uint256 currentNonce = nonce;
        txHashData = _encodeTransactionDataFromCalldata(currentNonce);
        unchecked {
            nonce = currentNonce + 1;
        }
        assembly ("memory-safe") {
            txHash := keccak256(add(txHashData, 0x20), 0x42)
        }
    }

    /**
     * @dev Builds `0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(abi.encode(SAFE_TX_TYPEHASH, to, value, keccak256(data),
     *      operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, _nonce))` in a new 66-byte `bytes`,
     *      from the first nine arguments in the calldata (see `_safeTxFromCalldata`). `execTransaction`,
     *      `encodeTransactionData` and `getTransactionHash` share that layout. The memory right after the result
     *      serves as scratch for hashing `data`, so that copying `data` there again for the call costs no new memory.
     * @param _nonce The nonce to hash with.
     * @return txHashData The preimage.
     */
    function _encodeTransactionDataFromCalldata(uint256 _nonce) private view returns (bytes memory txHashData) {
        bytes32 separator = domainSeparator();
        (uint256 dataOffset, uint256 dataLength) = _safeTxFromCalldata();
        assembly ("memory-safe") {
            txHashData := mload(0x40)
            // 0x20 length word + 66 bytes, rounded up to whole words.
            let scratch := add(txHashData, 0x80)
            calldatacopy(scratch, dataOffset, dataLength)
            let dataHash := keccak256(scratch, dataLength)
            // The struct: the calldata head words, with keccak256(data) in place of the data offset, and the nonce.
            mstore(scratch, SAFE_TX_TYPEHASH)
            calldatacopy(add(scratch, 0x20), 0x04, 0x40)
            mstore(add(scratch, 0x60), dataHash)
            calldatacopy(add(scratch, 0x80), 0x64, 0xc0)
            mstore(add(scratch, 0x140), _nonce)
            mstore(txHashData, 0x42)
            mstore(add(txHashData, 0x20), shl(240, 0x1901))
            mstore(add(txHashData, 0x22), separator)
            mstore(add(txHashData, 0x42), keccak256(scratch, 0x160))
            mstore(0x40, scratch)
        }
    }

    /**
     * @dev Calls `guard.checkTransaction(to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken,
     *      refundReceiver, signatures, msg.sender)` with the arguments of the `execTransaction` in the calldata.
     *      Like a high-level call: reverts without data when the guard has no code, and bubbles its revert up.
     */
    function _guardCheckTransaction(address guard) private {
        (uint256 dataOffset, uint256 dataLength) = _safeTxFromCalldata();
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // bytes4(keccak256("checkTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes,address)"))
            mstore(ptr, shl(224, 0x75f0bb52))
            let head := add(ptr, 0x04)
            // The ten head words of execTransaction, then msg.sender; the two offsets are rewritten below.
            calldatacopy(head, 0x04, 0x140)
            mstore(add(head, 0x140), caller())
            let tail := add(head, 0x160)
            mstore(add(head, 0x40), 0x160)
            mstore(tail, dataLength)
            calldatacopy(add(tail, 0x20), dataOffset, dataLength)
            mstore(add(add(tail, 0x20), dataLength), 0)
            tail := add(add(tail, 0x20), and(add(dataLength, 0x1f), not(0x1f)))
            mstore(add(head, 0x120), sub(tail, head))
            let sigField := add(calldataload(0x124), 0x04)
            let sigLength := calldataload(sigField)
            mstore(tail, sigLength)
            calldatacopy(add(tail, 0x20), add(sigField, 0x20), sigLength)
            mstore(add(add(tail, 0x20), sigLength), 0)
            tail := add(add(tail, 0x20), and(add(sigLength, 0x1f), not(0x1f)))
            if iszero(extcodesize(guard)) {
                revert(0, 0)
            }
            if iszero(call(gas(), guard, 0, ptr, sub(tail, ptr), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /**
     * @dev Checks the gas (`GS010`), runs the inner call of the Safe transaction in the calldata, enforces `GS013`
     *      and pays the refund.
     * @return success Whether the inner call succeeded.
     * @return payment The refund paid.
     */
    function _runSafeTx() private returns (bool success, uint256 payment) {
        uint256 safeTxGas;
        uint256 gasPrice;
        assembly ("memory-safe") {
            safeTxGas := calldataload(0x84)
            gasPrice := calldataload(0xc4)
        }
        unchecked {
            // Wrapping arithmetic, like the canonical Safe (compiled without overflow checks).
            uint256 needed = (safeTxGas * 64) / 63;
            if (needed < safeTxGas + 2500) needed = safeTxGas + 2500;
            if (gasleft() < needed + 500) revert("GS010");
        }
        (uint256 dataOffset, uint256 dataLength) = _safeTxFromCalldata();
        uint256 gasUsed = gasleft();
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, dataOffset, dataLength)
            // With a refund the inner call gets exactly safeTxGas; without one, all that is left but 2,500.
            let txGas := safeTxGas
            if iszero(gasPrice) {
                txGas := sub(gas(), 2500)
            }
            switch calldataload(0x64)
            case 1 {
                success := delegatecall(txGas, calldataload(0x04), ptr, dataLength, 0, 0)
            }
            default {
                success := call(txGas, calldataload(0x04), calldataload(0x24), ptr, dataLength, 0, 0)
            }
            gasUsed := sub(gasUsed, gas())
        }
        // Without safeTxGas and gasPrice nobody is paid for a failure, so the whole transaction reverts.
        if (!success && safeTxGas == 0 && gasPrice == 0) revert("GS013");
        if (gasPrice > 0) {
            uint256 baseGas;
            address gasToken;
            address payable refundReceiver;
            assembly ("memory-safe") {
                baseGas := calldataload(0xa4)
                gasToken := calldataload(0xe4)
                refundReceiver := calldataload(0x104)
            }
            payment = handlePayment(gasUsed, baseGas, gasPrice, gasToken, refundReceiver);
        }
    }

    /**
     * @dev Pays the refund of a Safe transaction (or the setup payment).
     *      Ether: `(gasUsed + baseGas) * min(gasPrice, tx.gasprice)` with `send` (2,300 gas stipend), `GS011` on
     *      failure. Token: `(gasUsed + baseGas) * gasPrice` with `transferToken`, `GS012` on failure.
     *      Arithmetic overflow reverts without data, as the canonical Safe's SafeMath does.
     * @return payment The amount paid.
     */
    function handlePayment(
        uint256 gasUsed,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver
    ) private returns (uint256 payment) {
        address payable receiver = refundReceiver == address(0) ? payable(tx.origin) : refundReceiver;
        uint256 gas;
        unchecked {
            gas = gasUsed + baseGas;
            if (gas < gasUsed) revert();
        }
        if (gasToken == address(0)) {
            payment = _mulOrRevert(gas, gasPrice < tx.gasprice ? gasPrice : tx.gasprice);
            if (!receiver.send(payment)) revert("GS011");
        } else {
            payment = _mulOrRevert(gas, gasPrice);
            if (!transferToken(gasToken, receiver, payment)) revert("GS012");
        }
    }

    /// @dev `a * b`, reverting without data on overflow like the canonical Safe's SafeMath.
    function _mulOrRevert(uint256 a, uint256 b) private pure returns (uint256 c) {
        unchecked {
            c = a * b;
            if (a != 0 && c / a != b) revert();
        }
    }

    /// @inheritdoc ISafe
    function checkSignatures(bytes32 dataHash, bytes calldata data, bytes calldata signatures)
        external
        view
        override
    {
        _checkSignatures(dataHash, data, signatures);
    }

    /// @inheritdoc ISafe
    function checkNSignatures(
        bytes32 dataHash,
        bytes calldata data,
        bytes calldata signatures,
        uint256 requiredSignatures
    ) external view override {
        _checkNSignatures(dataHash, data, signatures, requiredSignatures);
    }

    /// @dev `GS001` without a threshold, else checks `threshold` signatures.
    function _checkSignatures(bytes32 dataHash, bytes memory data, bytes calldata signatures) internal view {
        uint256 _threshold = threshold;
        if (_threshold == 0) revert("GS001");
        _checkNSignatures(dataHash, data, signatures, _threshold);
    }

    /**
     * @dev The signature check documented at `ISafe.checkNSignatures`, reading the signatures from calldata.
     *      Reverts with an `Error(string)` GS code, or without data where the canonical SafeMath would.
     */
    function _checkNSignatures(
        bytes32 dataHash,
        bytes memory data,
        bytes calldata signatures,
        uint256 requiredSignatures
    ) internal view {
        if (requiredSignatures > type(uint256).max / 65) revert();
        uint256 staticLength;
        unchecked {
            staticLength = requiredSignatures * 65;
        }
        if (signatures.length < staticLength) revert("GS020");
        uint256 lastOwner;
        uint256 part;
        assembly ("memory-safe") {
            part := signatures.offset
        }
        for (uint256 end = part + staticLength; part < end; ) {
            uint256 currentOwner;
            uint256 v;
            assembly ("memory-safe") {
                v := byte(0, calldataload(add(part, 0x40)))
                if gt(v, 1) {
                    // An ECDSA signature: EIP-712 (v 27/28) over dataHash, or eth_sign (v 31/32, i.e. v + 4) over
                    // keccak256("\x19Ethereum Signed Message:\n32" ‖ dataHash).
                    let digest := dataHash
                    if gt(v, 30) {
                        mstore(0x00, "\x19Ethereum Signed Message:\n32")
                        mstore(0x1c, dataHash)
                        digest := keccak256(0x00, 0x3c)
                        v := sub(v, 4)
                    }
                    let ptr := mload(0x40)
                    mstore(ptr, digest)
                    mstore(add(ptr, 0x20), v)
                    calldatacopy(add(ptr, 0x40), part, 0x40)
                    mstore(0x00, 0)
                    // The precompile returns nothing for an invalid signature, so 0x00 stays zero.
                    if iszero(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20)) {
                        revert(0, 0)
                    }
                    currentOwner := mload(0x00)
                }
            }
            if (v == 0) {
                currentOwner = _checkContractSignature(dataHash, data, signatures, part, staticLength);
            } else if (v == 1) {
                // An approved hash: r is the owner, who is the caller or approved the hash on chain.
                assembly ("memory-safe") {
                    currentOwner := and(calldataload(part), 0xffffffffffffffffffffffffffffffffffffffff)
                }
                if (msg.sender != address(uint160(currentOwner))) {
                    if (approvedHashes[address(uint160(currentOwner))][dataHash] == 0) revert("GS025");
                }
            }
            // Strictly ascending owners, each an owner and not the sentinel.
            bool valid;
            assembly ("memory-safe") {
                mstore(0x00, currentOwner)
                mstore(0x20, owners.slot)
                valid := and(and(gt(currentOwner, lastOwner), iszero(eq(currentOwner, 1))), iszero(iszero(sload(keccak256(0x00, 0x40)))))
            }
            if (!valid) revert("GS026");
            lastOwner = currentOwner;
            unchecked {
                part += 65;
            }
        }
    }

    /**
     * @dev Checks the contract signature (v = 0) whose static part is at calldata offset `part`, and returns the
     *      owner contract it names (the low 20 bytes of r). s is the offset of the dynamic part in `signatures`.
     *      Revert codes: GS027, GS021, GS022, GS023, GS024 (see ISafe).
     */
    function _checkContractSignature(
        bytes32 dataHash,
        bytes memory data,
        bytes calldata signatures,
        uint256 part,
        uint256 staticLength
    ) private view returns (uint256 owner) {
        if (keccak256(data) != dataHash) revert("GS027");
        uint256 offset;
        assembly ("memory-safe") {
            owner := and(calldataload(part), 0xffffffffffffffffffffffffffffffffffffffff)
            offset := calldataload(add(part, 0x20))
        }
        if (offset < staticLength) revert("GS021");
        // The canonical Safe's SafeMath reverts without data when these sums overflow.
        if (offset > type(uint256).max - 32) revert();
        uint256 lengthEnd;
        unchecked {
            lengthEnd = offset + 32;
        }
        if (lengthEnd > signatures.length) revert("GS022");
        uint256 sigLength;
        uint256 sigOffset;
        assembly ("memory-safe") {
            sigLength := calldataload(add(signatures.offset, offset))
            sigOffset := add(signatures.offset, lengthEnd)
        }
        if (sigLength > type(uint256).max - lengthEnd) revert();
        unchecked {
            if (lengthEnd + sigLength > signatures.length) revert("GS023");
        }
        if (!_isValidContractSignature(address(uint160(owner)), dataHash, data, sigOffset, sigLength)) {
            revert("GS024");
        }
    }

    /**
     * @dev Asks `owner` the legacy `isValidSignature(data, signature)` (magic `0x20c13b0b`) and, when that does not
     *      answer with its magic value, the standard `isValidSignature(dataHash, signature)` (magic `0x1626ba7e`).
     *      Both with STATICCALL. Only the first 4 bytes of a 32-byte answer count.
     * @param sigOffset The calldata offset of the signature bytes.
     * @param sigLength Their length.
     * @return valid Whether either form answered with its magic value.
     */
    function _isValidContractSignature(
        address owner,
        bytes32 dataHash,
        bytes memory data,
        uint256 sigOffset,
        uint256 sigLength
    ) private view returns (bool valid) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let paddedSigLength := and(add(sigLength, 0x1f), not(0x1f))
            // isValidSignature(bytes,bytes) = 0x20c13b0b, ABI-encoded by hand.
            let dataLength := mload(data)
            let paddedDataLength := and(add(dataLength, 0x1f), not(0x1f))
            mstore(ptr, shl(224, 0x20c13b0b))
            mstore(add(ptr, 0x04), 0x40)
            mstore(add(ptr, 0x24), add(0x60, paddedDataLength))
            mstore(add(ptr, 0x44), dataLength)
            mcopy(add(ptr, 0x64), add(data, 0x20), dataLength)
            mstore(add(add(ptr, 0x64), dataLength), 0)
            let sigPart := add(add(ptr, 0x64), paddedDataLength)
            mstore(sigPart, sigLength)
            calldatacopy(add(sigPart, 0x20), sigOffset, sigLength)
            mstore(add(add(sigPart, 0x20), sigLength), 0)
            if staticcall(gas(), owner, ptr, sub(add(add(sigPart, 0x20), paddedSigLength), ptr), 0x00, 0x20) {
                valid := and(gt(returndatasize(), 0x1f), eq(shr(224, mload(0x00)), 0x20c13b0b))
            }
            if iszero(valid) {
                // isValidSignature(bytes32,bytes) = 0x1626ba7e.
                mstore(ptr, shl(224, 0x1626ba7e))
                mstore(add(ptr, 0x04), dataHash)
                mstore(add(ptr, 0x24), 0x40)
                mstore(add(ptr, 0x44), sigLength)
                calldatacopy(add(ptr, 0x64), sigOffset, sigLength)
                mstore(add(add(ptr, 0x64), sigLength), 0)
                if staticcall(gas(), owner, ptr, add(0x64, paddedSigLength), 0x00, 0x20) {
                    valid := and(gt(returndatasize(), 0x1f), eq(shr(224, mload(0x00)), 0x1626ba7e))
                }
            }
        }
    }

    /// @inheritdoc ISafe
    function approveHash(bytes32 hashToApprove) external override {
        if (owners[msg.sender] == address(0)) revert("GS030");
        approvedHashes[msg.sender][hashToApprove] = 1;
        emit ApproveHash(hashToApprove, msg.sender);
    }

    /// @inheritdoc ISafe
    function getChainId() public view override returns (uint256) {
        return block.chainid;
    }

    /// @inheritdoc ISafe
    function domainSeparator() public view override returns (bytes32 separator) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, DOMAIN_SEPARATOR_TYPEHASH)
            mstore(add(ptr, 0x20), chainid())
            mstore(add(ptr, 0x40), address())
            separator := keccak256(ptr, 0x60)
        }
    }

    /// @inheritdoc ISafe
    function encodeTransactionData(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) external view override returns (bytes memory) {
        // Read back from calldata, see `_safeTxFromCalldata`.
        (to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver);
        return _encodeTransactionDataFromCalldata(_nonce);
    }

    /// @inheritdoc ISafe
    function getTransactionHash(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) external view override returns (bytes32) {
        // Read back from calldata, see `_safeTxFromCalldata`.
        (to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver);
        return keccak256(_encodeTransactionDataFromCalldata(_nonce));
    }
}
