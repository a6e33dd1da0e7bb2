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
 *      The canonical 1.4.1 only asks the legacy form. When neither form accepts, this Safe fails exactly as the
 *      canonical one does (the legacy call's revert data passed up, no data for an owner without code or an answer
 *      shorter than 32 bytes, `GS024` for another answer).
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
        // emit SafeSetup(msg.sender, _owners, _threshold, to, fallbackHandler), encoded by hand: the owners were
        // validated by setupOwners, so their calldata words are copied as they are.
        bytes32 topic = SafeSetup.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x80)
            mstore(add(ptr, 0x20), _threshold)
            mstore(add(ptr, 0x40), to)
            mstore(add(ptr, 0x60), fallbackHandler)
            mstore(add(ptr, 0x80), _owners.length)
            let ownersSize := shl(5, _owners.length)
            calldatacopy(add(ptr, 0xa0), _owners.offset, ownersSize)
            log2(ptr, add(0xa0, ownersSize), topic, caller())
        }
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
     *      Reverts with an `Error(string)` GS code, or without data where the canonical Safe's SafeMath would.
     */
    function _checkNSignatures(
        bytes32 dataHash,
        bytes memory data,
        bytes calldata signatures,
        uint256 requiredSignatures
    ) internal view {
        assembly ("memory-safe") {
            function revertWith(code) {
                let p := mload(0x40)
                // Error(string) with a 5-byte GS code: bytes4(keccak256("Error(string)")) = 0x08c379a0.
                mstore(p, shl(224, 0x08c379a0))
                mstore(add(p, 0x04), 0x20)
                mstore(add(p, 0x24), 5)
                mstore(add(p, 0x44), code)
                revert(p, 0x64)
            }

            // Checks a contract signature (v = 0) whose static part is at `part`, returns the owner it names (the
            // low 20 bytes of r). s is the offset of the dynamic part {uint256 length}{bytes} in the signatures.
            function contractSignatureOwner(part, hash, preimage, sigStart, sigLength, staticLength) -> owner {
                if iszero(eq(keccak256(add(preimage, 0x20), mload(preimage)), hash)) {
                    revertWith("GS027")
                }
                owner := and(calldataload(part), 0xffffffffffffffffffffffffffffffffffffffff)
                let offset := calldataload(add(part, 0x20))
                if lt(offset, staticLength) {
                    revertWith("GS021")
                }
                // The canonical Safe's SafeMath reverts without data when these sums overflow.
                let lengthEnd := add(offset, 0x20)
                if lt(lengthEnd, offset) {
                    revert(0, 0)
                }
                if gt(lengthEnd, sigLength) {
                    revertWith("GS022")
                }
                let length := calldataload(add(sigStart, offset))
                let dataEnd := add(lengthEnd, length)
                if lt(dataEnd, lengthEnd) {
                    revert(0, 0)
                }
                if gt(dataEnd, sigLength) {
                    revertWith("GS023")
                }
                if iszero(isValidContractSignature(owner, hash, preimage, add(sigStart, lengthEnd), length)) {
                    revertWith("GS024")
                }
            }

            // Asks `owner` the legacy isValidSignature(bytes,bytes) (magic 0x20c13b0b) and, when that does not
            // answer with its magic value, the standard isValidSignature(bytes32,bytes) (magic 0x1626ba7e). Both
            // with STATICCALL. When neither accepts, it fails as the canonical Safe (which asks only the legacy
            // form with a high-level call) does: an owner without code reverts without data, a reverting legacy
            // call passes its revert data up, an answer shorter than 32 bytes reverts without data, and another
            // answer returns false (GS024).
            function isValidContractSignature(owner, hash, preimage, sigOffset, sigLength) -> valid {
                if iszero(extcodesize(owner)) {
                    revert(0, 0)
                }
                let p := mload(0x40)
                let paddedSigLength := and(add(sigLength, 0x1f), not(0x1f))
                let preimageLength := mload(preimage)
                let paddedPreimageLength := and(add(preimageLength, 0x1f), not(0x1f))
                // bytes4(keccak256("isValidSignature(bytes,bytes)")) = 0x20c13b0b
                mstore(p, shl(224, 0x20c13b0b))
                mstore(add(p, 0x04), 0x40)
                mstore(add(p, 0x24), add(0x60, paddedPreimageLength))
                mstore(add(p, 0x44), preimageLength)
                mcopy(add(p, 0x64), add(preimage, 0x20), preimageLength)
                mstore(add(add(p, 0x64), preimageLength), 0)
                let sigPart := add(add(p, 0x64), paddedPreimageLength)
                mstore(sigPart, sigLength)
                calldatacopy(add(sigPart, 0x20), sigOffset, sigLength)
                mstore(add(add(sigPart, 0x20), sigLength), 0)
                // How the legacy form failed: 1 reverted, 2 answered fewer than 32 bytes, 0 answered another value.
                let legacyFailure := 1
                if staticcall(gas(), owner, p, sub(add(add(sigPart, 0x20), paddedSigLength), p), 0x00, 0x20) {
                    legacyFailure := 2
                    // Like the canonical decoder, only the first 4 bytes of a 32-byte answer count.
                    if gt(returndatasize(), 0x1f) {
                        legacyFailure := 0
                        valid := eq(shr(224, mload(0x00)), 0x20c13b0b)
                    }
                }
                if iszero(valid) {
                    // Keep the legacy answer past the standard call's calldata, to pass it up if both fail.
                    let saved := add(add(p, 0x84), paddedSigLength)
                    let savedLength := returndatasize()
                    returndatacopy(saved, 0, savedLength)
                    // bytes4(keccak256("isValidSignature(bytes32,bytes)")) = 0x1626ba7e
                    mstore(p, shl(224, 0x1626ba7e))
                    mstore(add(p, 0x04), hash)
                    mstore(add(p, 0x24), 0x40)
                    mstore(add(p, 0x44), sigLength)
                    calldatacopy(add(p, 0x64), sigOffset, sigLength)
                    mstore(add(add(p, 0x64), sigLength), 0)
                    if staticcall(gas(), owner, p, add(0x64, paddedSigLength), 0x00, 0x20) {
                        valid := and(gt(returndatasize(), 0x1f), eq(shr(224, mload(0x00)), 0x1626ba7e))
                    }
                    if iszero(valid) {
                        if eq(legacyFailure, 1) {
                            revert(saved, savedLength)
                        }
                        if legacyFailure {
                            revert(0, 0)
                        }
                    }
                }
            }

            // requiredSignatures * 65 overflowing reverts without data, like the canonical SafeMath.
            if gt(requiredSignatures, div(not(0), 65)) {
                revert(0, 0)
            }
            let staticLength := mul(requiredSignatures, 65)
            if lt(signatures.length, staticLength) {
                revertWith("GS020")
            }
            let ptr := mload(0x40)
            // The owners must be strictly ascending, and each one an owner (owners[owner] != 0) other than the
            // sentinel 0x1. Starting from 1 instead of 0 makes "greater than the last one" exclude the sentinel
            // (and address(0)) too, so one comparison covers both rules.
            let lastOwner := 1
            // The owners mapping slot for `owner` is keccak256(owner ‖ owners.slot); the key goes to 0x00 in each
            // branch below, the slot number stays at 0x20 (branches that use 0x20 put it back).
            mstore(0x20, owners.slot)
            for {
                let part := signatures.offset
                let end := add(part, staticLength)
            } lt(part, end) {
                part := add(part, 65)
            } {
                let owner := 0
                let v := byte(0, calldataload(add(part, 0x40)))
                switch gt(v, 1)
                case 1 {
                    // ECDSA: EIP-712 (v 27/28) over dataHash, or eth_sign (v 31/32, that is v + 4) over
                    // keccak256("\x19Ethereum Signed Message:\n32" ‖ dataHash).
                    let digest := dataHash
                    if gt(v, 30) {
                        mstore(0x00, "\x19Ethereum Signed Message:\n32")
                        mstore(0x1c, dataHash)
                        digest := keccak256(0x00, 0x3c)
                        mstore(0x20, owners.slot)
                        v := sub(v, 4)
                    }
                    mstore(ptr, digest)
                    mstore(add(ptr, 0x20), v)
                    calldatacopy(add(ptr, 0x40), part, 0x40)
                    mstore(0x00, 0)
                    // The precompile writes the signer to 0x00, or nothing for an invalid signature (0x00 stays
                    // zero); it fails only when out of gas. Owner 0 then fails the owner check below.
                    pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
                    owner := mload(0x00)
                }
                default {
                    switch v
                    case 0 {
                        owner := contractSignatureOwner(part, dataHash, data, signatures.offset, signatures.length, staticLength)
                    }
                    default {
                        // An approved hash: r is the owner, who is the caller or approved the hash on chain.
                        owner := and(calldataload(part), 0xffffffffffffffffffffffffffffffffffffffff)
                        if iszero(eq(owner, caller())) {
                            // approvedHashes[owner][dataHash]
                            mstore(0x00, owner)
                            mstore(0x20, approvedHashes.slot)
                            mstore(0x20, keccak256(0x00, 0x40))
                            mstore(0x00, dataHash)
                            if iszero(sload(keccak256(0x00, 0x40))) {
                                revertWith("GS025")
                            }
                            mstore(0x20, owners.slot)
                        }
                    }
                    mstore(0x00, owner)
                }
                // owners[owner] != 0, and owner > lastOwner (mul is 0 when either is 0).
                if iszero(mul(gt(owner, lastOwner), sload(keccak256(0x00, 0x40)))) {
                    revertWith("GS026")
                }
                lastOwner := owner
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
    function domainSeparator() public view override returns (bytes32) {
        bytes32 separator;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, DOMAIN_SEPARATOR_TYPEHASH)
            mstore(add(ptr, 0x20), chainid())
            mstore(add(ptr, 0x40), address())
            separator := keccak256(ptr, 0x60)
        }
        return separator;
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
