// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {IPayoutPlanModule} from "../interfaces/IPayoutPlanModule.sol";

/**
 * @title PayoutPlanModule
 * @notice One owner approval for a whole payout plan: the Safe approves a Merkle root over the plan's MultiSend
 *         chunks, then anyone runs the chunks, each proven against the root.
 * @dev Works with any Safe >= 1.3.0 that enables it: it only calls `isModuleEnabled(address)` (on approval) and
 *      `execTransactionFromModule(address,uint256,bytes,uint8)` (on execution). Holds no funds and has no owner.
 *      The design, the exact hashing and the trust model are in `docs/payout-plans.md`.
 */
contract PayoutPlanModule is IPayoutPlanModule {
    /// @inheritdoc IPayoutPlanModule
    string public constant override VERSION = "1.1.0";

    /// @inheritdoc IPayoutPlanModule
    // keccak256("PayoutChunk(uint256 chainId,address module,address safe,uint64 salt,uint256 chunkCount,uint256 index,bytes chunk)")
    bytes32 public constant override CHUNK_TYPEHASH = 0x2572bfacfb90f83eb4fe03791a61824423a9df4c4e0ed01cb84765388a124984;

    /// @dev The most caps one plan may carry (a capped chunk looks every entry's token up in this list).
    uint256 private constant MAX_CAPS = 16;
    /// @dev `bytes4(keccak256("isModuleEnabled(address)"))`.
    uint256 private constant IS_MODULE_ENABLED = 0x2d9ad53d;
    /// @dev `bytes4(keccak256("execTransactionFromModule(address,uint256,bytes,uint8)"))`.
    uint256 private constant EXEC_FROM_MODULE = 0x468721a7;
    /// @dev `bytes4(keccak256("multiSend(bytes)"))`.
    uint256 private constant MULTI_SEND = 0x8d80ff0a;
    /// @dev `bytes4(keccak256("transfer(address,uint256)"))`.
    uint256 private constant ERC20_TRANSFER = 0xa9059cbb;
    /// @dev Size of a packed entry's head: operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32).
    uint256 private constant ENTRY_HEAD = 85;

    /// @dev `bytes4(keccak256("MalformedChunk(uint256)"))`.
    uint256 private constant MALFORMED_CHUNK_ERROR = 0x5052b600;
    /// @dev `bytes4(keccak256("DelegateCallEntry(uint256)"))`.
    uint256 private constant DELEGATE_CALL_ENTRY_ERROR = 0xf1500917;
    /// @dev `bytes4(keccak256("UnsupportedOperation(uint256,uint8)"))`.
    uint256 private constant UNSUPPORTED_OPERATION_ERROR = 0x74df229c;
    /// @dev `bytes4(keccak256("ForbiddenTarget(uint256,address)"))`.
    uint256 private constant FORBIDDEN_TARGET_ERROR = 0xbbcd2831;
    /// @dev `bytes4(keccak256("NotAPlainTransfer(uint256)"))`.
    uint256 private constant NOT_A_PLAIN_TRANSFER_ERROR = 0x68f0dc9c;
    /// @dev `bytes4(keccak256("UncappedToken(uint256,address)"))`.
    uint256 private constant UNCAPPED_TOKEN_ERROR = 0xea9245aa;

    /// @inheritdoc IPayoutPlanModule
    address public immutable override MULTISEND_CALL_ONLY;

    /// @dev This contract's own address, to refuse being reached through DELEGATECALL.
    address private immutable SELF;

    /// @dev A cap of one plan on one token. `listed` is false for tokens the plan does not (or no longer) cap;
    ///      `spent` survives a renewal.
    struct Allowance {
        uint256 cap;
        uint256 spent;
        bool listed;
    }

    /// @dev safe => root => plan.
    mapping(address => mapping(bytes32 => Plan)) private _plans;
    /// @dev safe => root => word => bits; bit `i % 256` of word `i / 256` is chunk `i`.
    mapping(address => mapping(bytes32 => mapping(uint256 => uint256))) private _executed;
    /// @dev safe => root => the capped tokens, in approval order.
    mapping(address => mapping(bytes32 => address[])) private _capTokens;
    /// @dev safe => root => token => allowance.
    mapping(address => mapping(bytes32 => mapping(address => Allowance))) private _allowances;
    /// @dev safe => salt => the root approved with it (a salt serves one plan of a Safe, ever).
    mapping(address => mapping(uint64 => bytes32)) private _saltRoots;

    /// @dev Refuses a call that reached this code through DELEGATECALL (it would write the caller's storage).
    modifier onlyDirect() {
        if (address(this) != SELF) revert DelegateCallToModule();
        _;
    }

    /**
     * @param multiSendCallOnly The MultiSendCallOnly library every chunk is delegatecalled into (ours or canonical).
     */
    constructor(address multiSendCallOnly) {
        if (multiSendCallOnly.code.length == 0) revert MultiSendCallOnlyHasNoCode(multiSendCallOnly);
        MULTISEND_CALL_ONLY = multiSendCallOnly;
        SELF = address(this);
    }

    /// @inheritdoc IPayoutPlanModule
    function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, uint64 salt, TokenCap[] calldata caps)
        external
        override
        onlyDirect
    {
        if (!_hasEnabledModule(msg.sender)) revert NotAnEnabledSafe(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        if (chunkCount == 0) revert ZeroChunkCount();
        if (expiry <= block.timestamp) revert ExpiryNotInFuture(expiry, block.timestamp);
        if (caps.length == 0) revert NoCaps();
        if (caps.length > MAX_CAPS) revert TooManyCaps(caps.length, MAX_CAPS);
        bytes32 saltRoot = _saltRoots[msg.sender][salt];
        if (saltRoot != bytes32(0) && saltRoot != root) revert SaltUsed(salt, saltRoot);

        Plan storage plan = _plans[msg.sender][root];
        mapping(address => Allowance) storage allowances = _allowances[msg.sender][root];
        address[] storage tokens = _capTokens[msg.sender][root];
        if (plan.chunkCount != 0) {
            // A renewal: only of a plan that can no longer run, and for the same tree.
            if (!plan.revoked && block.timestamp < plan.expiry) revert PlanActive(msg.sender, root);
            if (plan.chunkCount != chunkCount) revert ChunkCountMismatch(plan.chunkCount, chunkCount);
            if (plan.salt != salt) revert SaltMismatch(plan.salt, salt);
            uint256 old = tokens.length;
            for (uint256 i = 0; i < old; ++i) {
                allowances[tokens[i]].listed = false;
            }
            delete _capTokens[msg.sender][root];
        }
        for (uint256 i = 0; i < caps.length; ++i) {
            Allowance storage allowance = allowances[caps[i].token];
            if (allowance.listed) revert DuplicateCap(caps[i].token);
            allowance.listed = true;
            allowance.cap = caps[i].amount;
            tokens.push(caps[i].token);
        }
        plan.chunkCount = chunkCount;
        plan.expiry = expiry;
        plan.revoked = false;
        plan.capCount = uint8(caps.length);
        plan.salt = salt;
        if (saltRoot == bytes32(0)) _saltRoots[msg.sender][salt] = root;
        emit PlanApproved(msg.sender, root, chunkCount, expiry, salt, caps);
    }

    /// @inheritdoc IPayoutPlanModule
    function revokePlan(bytes32 root) external override onlyDirect {
        _revoke(root);
    }

    /// @inheritdoc IPayoutPlanModule
    function revokePlanAt(bytes32 root, uint32 executedCount) external override onlyDirect {
        uint32 executed = _revoke(root);
        if (executed != executedCount) revert PlanProgressed(root, executedCount, executed);
    }

    /// @inheritdoc IPayoutPlanModule
    function executeChunk(
        address safe,
        bytes32 planRoot,
        uint256 index,
        bytes calldata chunkData,
        bytes32[] calldata proof
    ) external override onlyDirect {
        // Every check and state write happens before the Safe call; any later revert undoes them all.
        (uint32 chunkCount, uint64 salt) = _markExecuted(safe, planRoot, index);
        if (chunkData.length == 0) revert EmptyChunk();
        // The Safe call's calldata is built first: the chunk is copied to memory once and hashed there.
        (uint256 payload, uint256 payloadSize, bytes32 chunkHash) = _buildPayload(chunkData);
        if (_computeRoot(_leaf(safe, salt, chunkCount, index, chunkHash), proof) != planRoot) {
            revert InvalidProof(index);
        }
        uint256 entries = _checkEntries(safe, planRoot, chunkData);
        _execute(safe, payload, payloadSize, index);
        emit ChunkExecuted(safe, planRoot, index, msg.sender, entries);
    }

    /// @inheritdoc IPayoutPlanModule
    function planOf(address safe, bytes32 root) external view override returns (Plan memory) {
        return _plans[safe][root];
    }

    /// @inheritdoc IPayoutPlanModule
    function planStatus(address safe, bytes32 root) external view override returns (PlanStatus) {
        Plan memory plan = _plans[safe][root];
        if (plan.chunkCount == 0) return PlanStatus.None;
        if (plan.executedCount == plan.chunkCount) return PlanStatus.Completed;
        if (plan.revoked) return PlanStatus.Revoked;
        if (block.timestamp >= plan.expiry) return PlanStatus.Expired;
        return PlanStatus.Active;
    }

    /// @inheritdoc IPayoutPlanModule
    function isChunkExecuted(address safe, bytes32 root, uint256 index) external view override returns (bool) {
        return (_executed[safe][root][index >> 8] >> (index & 0xff)) & 1 == 1;
    }

    /// @inheritdoc IPayoutPlanModule
    function executedBitmap(address safe, bytes32 root, uint256 wordIndex) external view override returns (uint256) {
        return _executed[safe][root][wordIndex];
    }

    /// @inheritdoc IPayoutPlanModule
    function capsOf(address safe, bytes32 root) external view override returns (CapState[] memory caps) {
        address[] storage tokens = _capTokens[safe][root];
        caps = new CapState[](tokens.length);
        for (uint256 i = 0; i < tokens.length; ++i) {
            Allowance storage allowance = _allowances[safe][root][tokens[i]];
            caps[i] = CapState({token: tokens[i], cap: allowance.cap, spent: allowance.spent});
        }
    }

    /// @inheritdoc IPayoutPlanModule
    function remainingCap(address safe, bytes32 root, address token)
        external
        view
        override
        returns (bool capped, uint256 remaining)
    {
        Allowance storage allowance = _allowances[safe][root][token];
        if (!allowance.listed) return (false, 0);
        uint256 cap = allowance.cap;
        uint256 spent = allowance.spent;
        return (true, spent >= cap ? 0 : cap - spent);
    }

    /// @inheritdoc IPayoutPlanModule
    function chunkLeaf(address safe, uint64 salt, uint32 chunkCount, uint256 index, bytes calldata chunkData)
        external
        view
        override
        returns (bytes32)
    {
        return _leaf(safe, salt, chunkCount, index, keccak256(chunkData));
    }

    /// @inheritdoc IPayoutPlanModule
    function computeRoot(bytes32 leaf, bytes32[] calldata proof) external pure override returns (bytes32) {
        return _computeRoot(leaf, proof);
    }

    /**
     * @dev Checks that plan `root` of `safe` can run chunk `index` (exists, not revoked, not expired, index in range,
     *      chunk not yet run), then marks the chunk executed and counts it. Returns the plan's chunk count and salt.
     */
    function _markExecuted(address safe, bytes32 root, uint256 index) private returns (uint32 chunkCount, uint64 salt) {
        Plan storage stored = _plans[safe][root];
        Plan memory plan = stored;
        if (plan.chunkCount == 0) revert UnknownPlan(safe, root);
        if (plan.revoked) revert PlanIsRevoked(safe, root);
        if (block.timestamp >= plan.expiry) revert PlanExpired(safe, root, plan.expiry);
        if (index >= plan.chunkCount) revert ChunkIndexOutOfRange(index, plan.chunkCount);
        mapping(uint256 => uint256) storage bitmap = _executed[safe][root];
        uint256 word = bitmap[index >> 8];
        uint256 bit = 1 << (index & 0xff);
        if (word & bit != 0) revert ChunkAlreadyExecuted(index);
        bitmap[index >> 8] = word | bit;
        stored.executedCount = plan.executedCount + 1;
        return (plan.chunkCount, plan.salt);
    }

    /// @dev Revokes plan `root` of the caller and returns how many of its chunks ran.
    function _revoke(bytes32 root) private returns (uint32 executedCount) {
        Plan storage plan = _plans[msg.sender][root];
        if (plan.chunkCount == 0) revert UnknownPlan(msg.sender, root);
        if (plan.revoked) revert PlanIsRevoked(msg.sender, root);
        plan.revoked = true;
        executedCount = plan.executedCount;
        emit PlanRevoked(msg.sender, root, executedCount);
    }

    /// @dev Checks the entries of `chunk` and charges their amounts to the plan's caps.
    function _checkEntries(address safe, bytes32 root, bytes calldata chunk) private returns (uint256 entries) {
        address[] memory tokens = _capTokens[safe][root];
        // A plan approved by this version always has caps; none left means nothing may move.
        if (tokens.length == 0) revert NoCaps();
        uint256[] memory sums = new uint256[](tokens.length);
        entries = _walk(chunk, safe, tokens, sums);
        _spend(_allowances[safe][root], tokens, sums);
    }

    /// @dev The leaf of chunk `index`: an EIP-712-style struct hash bound to this chain, this module, `safe` and the
    ///      plan's `salt`.
    function _leaf(address safe, uint64 salt, uint32 chunkCount, uint256 index, bytes32 chunkHash)
        private
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                CHUNK_TYPEHASH, block.chainid, address(this), safe, uint256(salt), uint256(chunkCount), index, chunkHash
            )
        );
    }

    /// @dev Folds `proof` into `leaf` with sorted-pair hashing: `keccak256(min(a, b) ‖ max(a, b))` per level.
    function _computeRoot(bytes32 leaf, bytes32[] calldata proof) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            for {} lt(p, end) { p := add(p, 0x20) } {
                let sibling := calldataload(p)
                switch lt(sibling, node)
                case 1 {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                default {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /**
     * @dev Writes the calldata of `execTransactionFromModule(MULTISEND_CALL_ONLY, 0, multiSend(chunk), 1)` into
     *      freshly allocated memory and returns where it is, its size and `keccak256(chunk)` (hashed from that
     *      copy, so the chunk is copied once). The padding after the chunk is zeroed.
     */
    function _buildPayload(bytes calldata chunk) private view returns (uint256 ptr, uint256 size, bytes32 chunkHash) {
        address target = MULTISEND_CALL_ONLY;
        assembly ("memory-safe") {
            ptr := mload(0x40)
            let len := chunk.length
            let padded := and(add(len, 31), not(31))
            // execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)
            mstore(ptr, shl(224, EXEC_FROM_MODULE))
            mstore(add(ptr, 4), target) // to
            mstore(add(ptr, 36), 0) // value
            mstore(add(ptr, 68), 0x80) // offset of data
            mstore(add(ptr, 100), 1) // operation: DELEGATECALL
            mstore(add(ptr, 132), add(68, padded)) // data length: multiSend(bytes) calldata
            mstore(add(ptr, 164), shl(224, MULTI_SEND))
            mstore(add(ptr, 168), 0x20) // offset of transactions
            mstore(add(ptr, 200), len) // transactions length
            let data := add(ptr, 232)
            calldatacopy(data, chunk.offset, len)
            // Zero the inner padding (< 32 bytes) and the outer padding (28 bytes).
            mstore(add(data, len), 0)
            mstore(add(data, add(len, 32)), 0)
            chunkHash := keccak256(data, len)
            // 4 + 4 words of head + length word + ceil32(68 + padded) = 260 + padded
            size := add(260, padded)
            mstore(0x40, and(add(add(data, add(padded, 64)), 31), not(31)))
        }
    }

    /**
     * @dev Checks every packed entry of `chunk` (a plain transfer of a capped asset, to neither address(0), the Safe
     *      nor this module) and adds each entry's amount to `sums[k]` for its asset `tokens[k]`. Returns the number
     *      of entries. Reverts on the first bad entry with the named error (encoded here; the selectors are the
     *      `*_ERROR` constants).
     */
    function _walk(bytes calldata chunk, address safe, address[] memory tokens, uint256[] memory sums)
        private
        view
        returns (uint256 entries)
    {
        assembly ("memory-safe") {
            function fail1(selector, a) {
                mstore(0x00, shl(224, selector))
                mstore(0x04, a)
                revert(0x00, 0x24)
            }
            function fail2(selector, a, b) {
                let p := mload(0x40)
                mstore(p, shl(224, selector))
                mstore(add(p, 0x04), a)
                mstore(add(p, 0x24), b)
                revert(p, 0x44)
            }
            // The memory slot of `token`'s sum, or 0 when the plan has no cap on it.
            function sumSlot(tokenList, sumList, token) -> slot {
                let n := mload(tokenList)
                for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                    let offset := shl(5, add(k, 1))
                    if eq(mload(add(tokenList, offset)), token) {
                        slot := add(sumList, offset)
                        leave
                    }
                }
            }
            let end := add(chunk.offset, chunk.length)
            let ptr := chunk.offset
            let lastToken := not(0) // no address equals this
            let lastSum := 0 // memory slot of lastToken's sum
            for {} lt(ptr, end) {} {
                let head := calldataload(ptr) // operation(1) ‖ to(20) ‖ 11 bytes of value
                let dataLength := calldataload(add(ptr, 53))
                let next := add(add(ptr, ENTRY_HEAD), dataLength)
                // `dataLength <= end` rules out overflow; `next <= end` also covers a head cut short.
                if or(gt(dataLength, end), gt(next, end)) { fail1(MALFORMED_CHUNK_ERROR, sub(ptr, chunk.offset)) }
                let to := and(shr(88, head), 0xffffffffffffffffffffffffffffffffffffffff)
                if or(shr(248, head), or(iszero(to), or(eq(to, safe), eq(to, address())))) {
                    let operation := shr(248, head)
                    if eq(operation, 1) { fail1(DELEGATE_CALL_ENTRY_ERROR, entries) }
                    if operation { fail2(UNSUPPORTED_OPERATION_ERROR, entries, operation) }
                    fail2(FORBIDDEN_TARGET_ERROR, entries, to)
                }
                let amount := calldataload(add(ptr, 21)) // value
                let token := 0 // ether
                if dataLength {
                    // Only ERC-20 transfer(address,uint256): exactly 68 bytes, no ether.
                    if or(
                        or(amount, iszero(eq(dataLength, 68))),
                        iszero(eq(shr(224, calldataload(add(ptr, ENTRY_HEAD))), ERC20_TRANSFER))
                    ) { fail1(NOT_A_PLAIN_TRANSFER_ERROR, entries) }
                    token := to
                    amount := calldataload(add(ptr, add(ENTRY_HEAD, 36)))
                }
                if iszero(eq(token, lastToken)) {
                    lastSum := sumSlot(tokens, sums, token)
                    if iszero(lastSum) { fail2(UNCAPPED_TOKEN_ERROR, entries, token) }
                    lastToken := token
                }
                let sum := add(mload(lastSum), amount)
                // On overflow the true total exceeds any cap: saturate so that `_spend` refuses it.
                if lt(sum, amount) { sum := not(0) }
                mstore(lastSum, sum)
                ptr := next
                entries := add(entries, 1)
            }
        }
    }

    /// @dev Adds `sums[k]` to the spent amount of `tokens[k]`, refusing any total above its cap.
    function _spend(mapping(address => Allowance) storage allowances, address[] memory tokens, uint256[] memory sums)
        private
    {
        for (uint256 k = 0; k < tokens.length; ++k) {
            uint256 sum = sums[k];
            if (sum == 0) continue;
            Allowance storage allowance = allowances[tokens[k]];
            uint256 cap = allowance.cap;
            uint256 spent = allowance.spent;
            if (spent > cap || sum > cap - spent) {
                uint256 total;
                unchecked {
                    total = spent + sum;
                }
                revert CapExceeded(tokens[k], cap, total < spent ? type(uint256).max : total);
            }
            allowance.spent = spent + sum;
        }
    }

    /**
     * @dev Calls the Safe with the payload `_buildPayload` wrote. A revert in the Safe is passed up unchanged; a
     *      result other than `true` reverts with `ChunkFailed(index)`.
     */
    function _execute(address safe, uint256 payload, uint256 payloadSize, uint256 index) private {
        bool done;
        assembly ("memory-safe") {
            if iszero(call(gas(), safe, 0, payload, payloadSize, 0x00, 0x20)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            done := and(gt(returndatasize(), 31), eq(mload(0x00), 1))
        }
        if (!done) revert ChunkFailed(index);
    }

    /// @dev True if `account` answers `isModuleEnabled(this) == true`. EOAs and other contracts answer nothing.
    function _hasEnabledModule(address account) private view returns (bool enabled) {
        assembly ("memory-safe") {
            mstore(0x00, shl(224, IS_MODULE_ENABLED))
            mstore(0x04, address())
            let ok := staticcall(gas(), account, 0x00, 0x24, 0x00, 0x20)
            enabled := and(ok, and(gt(returndatasize(), 31), eq(mload(0x00), 1)))
        }
    }
}
