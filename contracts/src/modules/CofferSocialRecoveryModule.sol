// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/// @dev The part of the Safe the recovery module calls.
interface IRecoverableSafe {
    function isModuleEnabled(address module) external view returns (bool);
    function isOwner(address owner) external view returns (bool);
    function getOwners() external view returns (address[] memory);
    function execTransactionFromModule(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        returns (bool success);
}

/**
 * @title CofferSocialRecoveryModule
 * @notice Guardians (with their own threshold) replace a Safe's owners after a recovery period that the Safe can cut
 *         short by cancelling. Guardians confirm on chain or with EIP-712 signatures (ECDSA or ERC-1271); once the
 *         guardians' threshold is met anyone starts the request (`executeRecovery`), and after the period anyone
 *         finalizes it.
 * @dev coffer's own implementation of the external ABI, EIP-712 domain and semantics of the Candide
 *      SocialRecoveryModule 0.1.0 as described in MODULES.md section 4 (cancelRecovery() and invalidateNonce() by the
 *      wallet); written from that description. One contract per recovery period (immutable, no getter, as in the
 *      original).
 */
contract CofferSocialRecoveryModule {
    /// @notice The EIP-712 domain name.
    string public constant NAME = "Social Recovery Module";
    /// @notice The EIP-712 domain version.
    string public constant VERSION = "0.0.1";

    /// @dev keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 private constant DOMAIN_TYPEHASH = 0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// @dev keccak256("ExecuteRecovery(address wallet,address[] newOwners,uint256 newThreshold,uint256 nonce)")
    bytes32 private constant RECOVERY_TYPEHASH = 0x124b64921a7c7e677c6cc3b132eaaa57130bc6fc05ab157f35fe5264a7c198d5;
    /// @dev List sentinel (guardians) and the Safe's owner-list sentinel.
    address private constant SENTINEL = address(0x1);
    /// @dev secp256k1n / 2: larger s values are malleable copies.
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice A guardian's signature for `multiConfirmRecovery` (empty: the sender itself).
    struct SignatureData {
        address signer;
        bytes signature;
    }

    /// @notice A started recovery.
    struct RecoveryRequest {
        uint256 guardiansApprovalCount;
        uint256 newThreshold;
        uint64 executeAfter;
        address[] newOwners;
    }

    /// @dev One wallet's guardians: sentinel → first → … → sentinel.
    struct Guardians {
        mapping(address => address) next;
        uint256 count;
        uint256 threshold;
    }

    event GuardianAdded(address indexed wallet, address indexed guardian);
    event GuardianRevoked(address indexed wallet, address indexed guardian);
    event ChangedThreshold(address indexed wallet, uint256 threshold);
    event RecoveryExecuted(
        address indexed wallet,
        address[] indexed newOwners,
        uint256 newThreshold,
        uint256 nonce,
        uint64 executeAfter,
        uint256 guardiansApprovalCount
    );
    event RecoveryFinalized(address indexed wallet, address[] indexed newOwners, uint256 newThreshold, uint256 nonce);
    event RecoveryCanceled(address indexed wallet, uint256 nonce);
    event NonceInvalidated(address indexed wallet, uint256 nonce);

    mapping(address => Guardians) private guardianSets;
    mapping(address => RecoveryRequest) private requests;
    mapping(bytes32 => mapping(address => bool)) private confirmed;
    mapping(address => uint256) private nonces;
    /// @dev Seconds between `executeRecovery` and the earliest `finalizeRecovery`.
    uint256 private immutable RECOVERY_PERIOD;

    /// @param recoveryPeriod Seconds a started recovery waits (Candide's deployment: 14 days).
    constructor(uint256 recoveryPeriod) {
        RECOVERY_PERIOD = recoveryPeriod;
    }

    /// @dev The caller must be a Safe that has this module enabled.
    modifier onlyEnabledWallet() {
        require(
            IRecoverableSafe(msg.sender).isModuleEnabled(address(this)),
            "GS: method only callable when module is enabled"
        );
        _;
    }

    // ----- guardians (called by the Safe) -----

    /// @notice Adds `guardian` (not an owner, not the Safe) and sets the guardians' threshold.
    function addGuardianWithThreshold(address guardian, uint256 newThreshold) external onlyEnabledWallet {
        require(newThreshold > 0, "GS: threshold cannot be 0");
        require(guardian != address(0) && guardian != SENTINEL && guardian != msg.sender, "GS: invalid guardian");
        require(!IRecoverableSafe(msg.sender).isOwner(guardian), "GS: guardian cannot be an owner");
        Guardians storage g = guardianSets[msg.sender];
        require(g.next[guardian] == address(0), "GS: duplicate guardian");
        address head = g.next[SENTINEL];
        g.next[guardian] = head == address(0) ? SENTINEL : head;
        g.next[SENTINEL] = guardian;
        g.count += 1;
        emit GuardianAdded(msg.sender, guardian);
        if (g.threshold != newThreshold) _setThreshold(msg.sender, newThreshold);
    }

    /// @notice Removes `guardian` (`prevGuardian` points to it; 0x1 for the first) and sets the threshold.
    function revokeGuardianWithThreshold(address prevGuardian, address guardian, uint256 newThreshold)
        external
        onlyEnabledWallet
    {
        Guardians storage g = guardianSets[msg.sender];
        require(guardian != address(0) && guardian != SENTINEL, "GS: invalid guardian");
        require(g.next[prevGuardian] == guardian, "GS: invalid previous guardian");
        require(g.count - 1 >= newThreshold, "GS: invalid threshold");
        g.next[prevGuardian] = g.next[guardian];
        delete g.next[guardian];
        g.count -= 1;
        emit GuardianRevoked(msg.sender, guardian);
        if (g.threshold != newThreshold) _setThreshold(msg.sender, newThreshold);
    }

    /// @notice Sets the guardians' threshold.
    function changeThreshold(uint256 newThreshold) external onlyEnabledWallet {
        _setThreshold(msg.sender, newThreshold);
    }

    function _setThreshold(address wallet, uint256 newThreshold) private {
        Guardians storage g = guardianSets[wallet];
        require(newThreshold <= g.count, "GS: threshold must be lower or equal to guardians count");
        require(g.count == 0 || newThreshold > 0, "GS: threshold cannot be 0");
        g.threshold = newThreshold;
        emit ChangedThreshold(wallet, newThreshold);
    }

    /// @notice Whether `guardian` guards `wallet`.
    function isGuardian(address wallet, address guardian) public view returns (bool) {
        return guardian != SENTINEL && guardianSets[wallet].next[guardian] != address(0);
    }

    /// @notice How many guardians `wallet` has.
    function guardiansCount(address wallet) public view returns (uint256) {
        return guardianSets[wallet].count;
    }

    /// @notice The guardians' threshold of `wallet`.
    function threshold(address wallet) public view returns (uint256) {
        return guardianSets[wallet].threshold;
    }

    /// @notice The guardians of `wallet`, newest first.
    function getGuardians(address wallet) public view returns (address[] memory list) {
        Guardians storage g = guardianSets[wallet];
        list = new address[](g.count);
        address cur = g.next[SENTINEL];
        for (uint256 i = 0; i < list.length; i++) {
            list[i] = cur;
            cur = g.next[cur];
        }
    }

    // ----- EIP-712 -----

    /// @notice The chain id.
    function getChainId() public view returns (uint256) {
        return block.chainid;
    }

    /// @notice The EIP-712 domain separator (name, version, chain id, this module).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(NAME)), keccak256(bytes(VERSION)), block.chainid, address(this))
        );
    }

    /// @notice `0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash`: the bytes guardians sign (hashed).
    function encodeRecoveryData(address wallet, address[] calldata newOwners, uint256 newThreshold, uint256 _nonce)
        public
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(RECOVERY_TYPEHASH, wallet, keccak256(abi.encodePacked(newOwners)), newThreshold, _nonce));
        return abi.encodePacked(bytes2(0x1901), domainSeparator(), structHash);
    }

    /// @notice The EIP-712 digest a guardian signs.
    function getRecoveryHash(address wallet, address[] calldata newOwners, uint256 newThreshold, uint256 _nonce)
        public
        view
        returns (bytes32)
    {
        return keccak256(encodeRecoveryData(wallet, newOwners, newThreshold, _nonce));
    }

    /// @notice Reverts unless `signer` guards `wallet` and `signature` is its valid signature of `digest`.
    function validateGuardianSignature(address wallet, bytes32 digest, address signer, bytes memory signature)
        public
        view
    {
        require(isGuardian(wallet, signer), "SM: Signer not a guardian");
        require(_validSignature(signer, digest, signature), "SM: Invalid guardian signature");
    }

    /// @dev ERC-1271 for a contract signer, else a 65-byte r ‖ s ‖ v ECDSA signature (low s, v 27/28).
    function _validSignature(address signer, bytes32 digest, bytes memory signature) private view returns (bool) {
        if (signer.code.length > 0) {
            (bool ok, bytes memory ret) =
                signer.staticcall(abi.encodeWithSelector(0x1626ba7e, digest, signature));
            return ok && ret.length >= 32 && abi.decode(ret, (bytes4)) == bytes4(0x1626ba7e);
        }
        if (signature.length != 65) return false;
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return false;
        address recovered = ecrecover(digest, v, r, s);
        return recovered != address(0) && recovered == signer;
    }

    // ----- recovery -----

    function _checkRequest(address[] calldata newOwners, uint256 newThreshold) private pure {
        require(newOwners.length > 0, "SM: owners cannot be empty");
        require(newThreshold > 0 && newOwners.length >= newThreshold, "SM: invalid new threshold");
    }

    /// @notice A guardian (the sender) confirms a recovery; with `execute`, starts it when the threshold is met.
    function confirmRecovery(address wallet, address[] calldata newOwners, uint256 newThreshold, bool execute)
        external
    {
        require(isGuardian(wallet, msg.sender), "SM: sender not a guardian");
        _checkRequest(newOwners, newThreshold);
        confirmed[getRecoveryHash(wallet, newOwners, newThreshold, nonces[wallet])][msg.sender] = true;
        if (execute) _startIfApproved(wallet, newOwners, newThreshold);
    }

    /// @notice Guardians confirm with signatures (signers strictly ascending; an empty signature is the sender).
    function multiConfirmRecovery(
        address wallet,
        address[] calldata newOwners,
        uint256 newThreshold,
        SignatureData[] memory signatures,
        bool execute
    ) external {
        _checkRequest(newOwners, newThreshold);
        require(signatures.length > 0, "SM: empty signatures");
        require(guardianSets[wallet].threshold > 0, "SM: empty guardians");
        bytes32 digest = getRecoveryHash(wallet, newOwners, newThreshold, nonces[wallet]);
        address last = address(0);
        for (uint256 i = 0; i < signatures.length; i++) {
            SignatureData memory sd = signatures[i];
            if (sd.signature.length == 0) {
                require(isGuardian(wallet, msg.sender), "SM: sender not a guardian");
                require(sd.signer == msg.sender, "SM: null signature should have the signer as the sender");
            } else {
                validateGuardianSignature(wallet, digest, sd.signer, sd.signature);
            }
            require(sd.signer > last, "SM: duplicate signers/invalid ordering");
            last = sd.signer;
            confirmed[digest][sd.signer] = true;
        }
        if (execute) _startIfApproved(wallet, newOwners, newThreshold);
    }

    /// @notice Starts a recovery whose confirmations meet the guardians' threshold (anyone may call it).
    function executeRecovery(address wallet, address[] calldata newOwners, uint256 newThreshold) external {
        require(guardianSets[wallet].threshold > 0, "SM: empty guardians");
        _startIfApproved(wallet, newOwners, newThreshold);
    }

    function _startIfApproved(address wallet, address[] calldata newOwners, uint256 newThreshold) private {
        uint256 approvals = getRecoveryApprovals(wallet, newOwners, newThreshold);
        require(approvals >= guardianSets[wallet].threshold, "SM: confirmed signatures less than threshold");
        uint256 current = nonces[wallet];
        RecoveryRequest storage pending = requests[wallet];
        if (pending.executeAfter > 0) {
            require(approvals > pending.guardiansApprovalCount, "SM: not enough approvals for replacement");
            delete requests[wallet];
            emit RecoveryCanceled(wallet, current - 1);
        }
        uint64 executeAfter = uint64(block.timestamp + RECOVERY_PERIOD);
        requests[wallet] = RecoveryRequest(approvals, newThreshold, executeAfter, newOwners);
        nonces[wallet] = current + 1;
        emit RecoveryExecuted(wallet, newOwners, newThreshold, current, executeAfter, approvals);
    }

    function _safeCall(address wallet, bytes memory data, string memory failure) private {
        require(IRecoverableSafe(wallet).execTransactionFromModule(wallet, 0, data, 0), failure);
    }

    /// @notice After the recovery period, replaces the Safe's owners with the request's (anyone may call it).
    function finalizeRecovery(address wallet) external {
        RecoveryRequest memory req = requests[wallet];
        require(req.executeAfter > 0, "SM: no ongoing recovery");
        require(uint64(block.timestamp) >= req.executeAfter, "SM: recovery period still pending");
        delete requests[wallet];
        address[] memory owners = IRecoverableSafe(wallet).getOwners();
        // Remove owners from the tail down to index 1, each with threshold 1.
        for (uint256 i = owners.length - 1; i > 0; i--) {
            _safeCall(
                wallet,
                abi.encodeWithSignature("removeOwner(address,address,uint256)", owners[i - 1], owners[i], 1),
                "SM: owner removal failed"
            );
        }
        for (uint256 i = 0; i < req.newOwners.length; i++) {
            address o = req.newOwners[i];
            require(!isGuardian(wallet, o), "SM: new owner cannot be guardian");
            if (i == 0) {
                if (o != owners[0]) {
                    _safeCall(
                        wallet,
                        abi.encodeWithSignature("swapOwner(address,address,address)", SENTINEL, owners[0], o),
                        "SM: owner replacement failed"
                    );
                }
            } else {
                _safeCall(
                    wallet,
                    abi.encodeWithSignature("addOwnerWithThreshold(address,uint256)", o, 1),
                    "SM: owner addition failed"
                );
            }
        }
        if (req.newThreshold > 1) {
            _safeCall(
                wallet, abi.encodeWithSignature("changeThreshold(uint256)", req.newThreshold), "SM: change threshold failed"
            );
        }
        emit RecoveryFinalized(wallet, req.newOwners, req.newThreshold, nonces[wallet] - 1);
    }

    /// @notice The Safe (the sender) cancels its pending recovery.
    function cancelRecovery() external {
        require(requests[msg.sender].executeAfter > 0, "SM: no ongoing recovery");
        delete requests[msg.sender];
        emit RecoveryCanceled(msg.sender, nonces[msg.sender] - 1);
    }

    /// @notice The Safe (the sender) voids every outstanding confirmation by bumping its nonce; a pending request
    ///         stays (only `cancelRecovery` removes it).
    function invalidateNonce() external {
        uint256 n = nonces[msg.sender] + 1;
        nonces[msg.sender] = n;
        emit NonceInvalidated(msg.sender, n);
    }

    // ----- views -----

    /// @notice The pending request of `wallet` (executeAfter 0: none).
    function getRecoveryRequest(address wallet) public view returns (RecoveryRequest memory) {
        return requests[wallet];
    }

    /// @notice How many current guardians confirmed this request at the current nonce.
    function getRecoveryApprovals(address wallet, address[] calldata newOwners, uint256 newThreshold)
        public
        view
        returns (uint256 approvals)
    {
        bytes32 digest = getRecoveryHash(wallet, newOwners, newThreshold, nonces[wallet]);
        Guardians storage g = guardianSets[wallet];
        for (address cur = g.next[SENTINEL]; cur != SENTINEL && cur != address(0); cur = g.next[cur]) {
            if (confirmed[digest][cur]) approvals++;
        }
    }

    /// @notice Whether `guardian` confirmed this request at the current nonce.
    function hasGuardianApproved(address wallet, address guardian, address[] calldata newOwners, uint256 newThreshold)
        public
        view
        returns (bool)
    {
        return confirmed[getRecoveryHash(wallet, newOwners, newThreshold, nonces[wallet])][guardian];
    }

    /// @notice The recovery nonce of `wallet`.
    function nonce(address wallet) public view returns (uint256) {
        return nonces[wallet];
    }
}
