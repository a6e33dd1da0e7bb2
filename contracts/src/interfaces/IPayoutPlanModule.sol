// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IPayoutPlanModule
 * @notice A Safe module that lets the owners approve a whole payout plan (any number of MultiSend chunks) with
 *         one Safe transaction, after which anyone may execute the chunks, each proven to belong to the plan.
 * @dev A plan is identified by `(safe, root)`. `root` is a Merkle root over the plan's chunks; the leaf of chunk
 *      `index` is the EIP-712-style struct hash
 *      `keccak256(abi.encode(CHUNK_TYPEHASH, block.chainid, address(module), safe, uint256(salt), uint256(chunkCount),
 *      index, keccak256(chunkData)))`, where `salt` is the plan's own (a Safe can approve each salt for one root only,
 *      so no leaf is valid under two plans of a Safe), and an inner node is `keccak256(abi.encodePacked(min(a, b), max(a, b)))` of its two
 *      children (sorted pair). A level with an odd number of nodes promotes its last node unchanged. A one-chunk
 *      plan's root is its leaf. `docs/payout-plans.md` gives the full specification and the trust model.
 *
 *      Security notes:
 *      - Every plan lives in storage keyed by the address that approved it (`msg.sender`). A caller can only
 *        create, renew or revoke its own plans, and `executeChunk(safe, …)` only ever moves `safe`'s funds under a
 *        plan that `safe` itself approved.
 *      - A chunk runs as `safe.execTransactionFromModule(MULTISEND_CALL_ONLY, 0, multiSend(chunkData), 1)`: a
 *        DELEGATECALL to MultiSendCallOnly, which cannot make an inner delegatecall. The module also parses the
 *        chunk itself and refuses, before anything runs: any entry whose operation is not 0 (CALL), any entry to
 *        address(0), to the Safe itself or to this module (so no plan can change owners, modules, guard or
 *        handler, or approve or revoke plans), and bytes that are not exactly a sequence of packed entries.
 *      - Every plan has caps (at least one), and may only make plain transfers of the capped assets (ether: empty
 *        data; ERC-20: exactly `transfer(address,uint256)` with no value), so no plan can `approve`, call another
 *        module or Safe, or send value with data; the sum per asset over the plan's life never exceeds its cap.
 *      - Module transactions do not pass through the Safe's transaction guard: a guard does not see the chunks.
 *      - A chunk is marked executed only if its whole batch succeeded: a failure reverts the call.
 *      - Tokens that report failure by returning `false` instead of reverting are not detected (as in any
 *        MultiSend batch).
 */
interface IPayoutPlanModule {
    /// @notice A spending cap: at most `amount` base units of `token` (address(0) = native ether) over the plan.
    struct TokenCap {
        address token;
        uint256 amount;
    }

    /// @notice A cap and how much of it the plan has spent so far.
    struct CapState {
        address token;
        uint256 cap;
        uint256 spent;
    }

    /**
     * @notice The stored state of one plan (one storage slot).
     * @dev `chunkCount == 0` means "no such plan". `expiry` is a unix time in seconds: chunks may run while
     *      `block.timestamp < expiry`. `capCount` is the number of caps (at least 1). `salt` is part of every leaf.
     */
    struct Plan {
        uint32 chunkCount;
        uint32 executedCount;
        uint64 expiry;
        bool revoked;
        uint8 capCount;
        uint64 salt;
    }

    /// @notice The status of a plan, as `planStatus` derives it (first match in this order: None, Completed,
    ///         Revoked, Expired, Active).
    enum PlanStatus {
        None,
        Active,
        Expired,
        Revoked,
        Completed
    }

    /// @notice `safe` approved (or renewed) plan `root`, whose leaves carry `salt`.
    event PlanApproved(
        address indexed safe, bytes32 indexed root, uint32 chunkCount, uint64 expiry, uint64 salt, TokenCap[] caps
    );
    /// @notice Chunk `index` of plan `root` ran on `safe`; `executor` sent the transaction; `entries` is the number
    ///         of MultiSend entries in the chunk.
    event ChunkExecuted(
        address indexed safe, bytes32 indexed root, uint256 indexed index, address executor, uint256 entries
    );
    /// @notice `safe` revoked plan `root` after `executedCount` of its chunks had run.
    event PlanRevoked(address indexed safe, bytes32 indexed root, uint32 executedCount);

    /// @notice The constructor was given a MultiSendCallOnly address without code; deploy the library first.
    error MultiSendCallOnlyHasNoCode(address multiSendCallOnly);
    /// @notice A state-changing function was reached through DELEGATECALL; call the module directly.
    error DelegateCallToModule();
    /// @notice `caller` has not enabled this module (`isModuleEnabled(module)` is not true): it is an EOA, a
    ///         contract that is not a Safe, or a Safe that has not enabled the module. Approve through a Safe tx
    ///         from the Safe, after (or in the same batch as) `enableModule(module)`.
    error NotAnEnabledSafe(address caller);
    /// @notice The root is zero.
    error ZeroRoot();
    /// @notice `chunkCount` is zero.
    error ZeroChunkCount();
    /// @notice `expiry` is not after the current block time `blockTime`.
    error ExpiryNotInFuture(uint64 expiry, uint256 blockTime);
    /// @notice No cap was given: every plan must cap every asset it moves.
    error NoCaps();
    /// @notice The Safe already approved another plan, `root`, with `salt`; each plan needs its own salt.
    error SaltUsed(uint64 salt, bytes32 root);
    /// @notice A renewal gave `given` as the salt, but the plan was approved with `stored`.
    error SaltMismatch(uint64 stored, uint64 given);
    /// @notice `revokePlanAt` expected `expected` chunks of plan `root` to have run, but `actual` have: rows planned
    ///         again from the earlier count could be paid twice, so the whole Safe transaction reverts.
    error PlanProgressed(bytes32 root, uint32 expected, uint32 actual);
    /// @notice More than `max` caps were given.
    error TooManyCaps(uint256 count, uint256 max);
    /// @notice `token` appears twice in the caps.
    error DuplicateCap(address token);
    /// @notice The plan is active (approved, not revoked, not expired): revoke it first to change it.
    error PlanActive(address safe, bytes32 root);
    /// @notice A renewal named `given` chunks but the plan has `stored` (the root fixes the count).
    error ChunkCountMismatch(uint32 stored, uint32 given);
    /// @notice `safe` never approved `root`.
    error UnknownPlan(address safe, bytes32 root);
    /// @notice The plan was revoked.
    error PlanIsRevoked(address safe, bytes32 root);
    /// @notice The plan expired at `expiry`.
    error PlanExpired(address safe, bytes32 root, uint64 expiry);
    /// @notice `index` is not below the plan's `chunkCount`.
    error ChunkIndexOutOfRange(uint256 index, uint32 chunkCount);
    /// @notice Chunk `index` already ran.
    error ChunkAlreadyExecuted(uint256 index);
    /// @notice The proof does not lead from chunk `index`'s leaf to the plan root.
    error InvalidProof(uint256 index);
    /// @notice `chunkData` is empty.
    error EmptyChunk();
    /// @notice `chunkData` is not exactly a sequence of packed entries: the entry starting at byte `offset` is cut.
    error MalformedChunk(uint256 offset);
    /// @notice Entry `entry` (0-based) is a DELEGATECALL (operation 1).
    error DelegateCallEntry(uint256 entry);
    /// @notice Entry `entry` has operation `operation`, which is neither 0 (CALL) nor 1.
    error UnsupportedOperation(uint256 entry, uint8 operation);
    /// @notice Entry `entry` calls `to`, which is address(0), the Safe itself or this module.
    error ForbiddenTarget(uint256 entry, address to);
    /// @notice Entry `entry` is neither a plain ether transfer (empty data) nor an ERC-20
    ///         `transfer(address,uint256)` (68 bytes of data, no value).
    error NotAPlainTransfer(uint256 entry);
    /// @notice Entry `entry` moves `token`, which has no cap (address(0) = ether).
    error UncappedToken(uint256 entry, address token);
    /// @notice Running the chunk would bring the plan's spending of `token` to `total`, above `cap`.
    error CapExceeded(address token, uint256 cap, uint256 total);
    /// @notice The Safe reported that chunk `index` failed (`execTransactionFromModule` returned false): an inner
    ///         transfer reverted, ran out of gas or the Safe lacks the funds.
    error ChunkFailed(uint256 index);

    /**
     * @notice The MultiSendCallOnly every chunk is delegatecalled into, fixed at construction.
     * @return The library address.
     */
    function MULTISEND_CALL_ONLY() external view returns (address);

    /**
     * @notice `keccak256("PayoutChunk(uint256 chainId,address module,address safe,uint64 salt,uint256 chunkCount,uint256 index,bytes chunk)")`.
     * @return The type hash that starts every leaf preimage.
     */
    function CHUNK_TYPEHASH() external view returns (bytes32);

    /**
     * @notice The module's version, "1.1.0".
     * @return The version string.
     */
    function VERSION() external view returns (string memory);

    /**
     * @notice Approves plan `root` for the caller (the Safe), or renews it if it exists but was revoked or expired.
     * @dev Must be called by the Safe itself, through a Safe transaction (CALL to the module). The caller must
     *      answer `isModuleEnabled(module) == true` (`NotAnEnabledSafe`): this refuses EOAs and Safes that have not
     *      enabled the module, so an owner calling directly by mistake gets an error instead of a plan stored under
     *      their own address. It is a guard against mistakes, not the security boundary: plans are keyed by
     *      caller, so no caller can touch another's plans.
     *      Refuses a zero root, a zero `chunkCount`, an `expiry` not in the future, no caps (`NoCaps`), more than
     *      16 caps, a token named twice, a salt the Safe used for another root (`SaltUsed`), and an active plan
     *      (`PlanActive`). A renewal keeps the executed bitmap and the amounts already spent per token (so no
     *      chunk ever runs twice and caps stay totals over the plan's life), replaces the caps and the expiry, and
     *      needs the same `chunkCount` and salt. Emits `PlanApproved`.
     * @param root The Merkle root over the chunks.
     * @param chunkCount The number of chunks (it is part of every leaf, so a wrong count matches no proof).
     * @param expiry Unix time (seconds) from which no chunk can run.
     * @param salt The plan's salt, part of every leaf; one salt serves one root of a Safe.
     * @param caps Per-asset totals, at least one. The plan can only transfer the capped assets (see
     *        `NotAPlainTransfer`, `UncappedToken`).
     */
    function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, uint64 salt, TokenCap[] calldata caps)
        external;

    /**
     * @notice Revokes plan `root` of the caller: no further chunk can run unless the Safe renews it.
     * @dev Called by the Safe itself through a Safe transaction. Works whether or not the module is still
     *      enabled. Refuses an unknown plan (`UnknownPlan`) and a revoked one (`PlanIsRevoked`). Emits `PlanRevoked`.
     * @param root The plan root.
     */
    function revokePlan(bytes32 root) external;

    /**
     * @notice Revokes plan `root` of the caller, as `revokePlan`, but only if exactly `executedCount` of its chunks
     *         have run (`PlanProgressed` otherwise).
     * @dev For a re-plan: batched with the approval of a plan of the rows still unpaid, it makes the whole Safe
     *      transaction revert if more chunks ran after the new plan was built, so no row is paid twice.
     * @param root The plan root.
     * @param executedCount The number of chunks the caller knows to have run.
     */
    function revokePlanAt(bytes32 root, uint32 executedCount) external;

    /**
     * @notice Runs chunk `index` of plan `planRoot` on `safe`. Anyone may call it.
     * @dev Checks, in order: the plan exists, is not revoked, has not expired, `index < chunkCount`, the chunk has
     *      not run, the proof leads from the chunk's leaf to `planRoot`, and every entry passes the entry rules
     *      and the caps. Then it marks the chunk executed, adds to the spent amounts, and calls
     *      `safe.execTransactionFromModule(MULTISEND_CALL_ONLY, 0, abi.encodeWithSelector(0x8d80ff0a, chunkData), 1)`.
     *      A revert inside the Safe (e.g. `GS104` when the module is disabled) is passed up unchanged; a `false`
     *      result reverts with `ChunkFailed`. Emits `ChunkExecuted`. Give enough gas: the Safe forwards what is
     *      left, and a batch that runs out of gas fails the whole call (the chunk stays runnable).
     *      Reentrancy: the state is written before the Safe call, so a recipient that calls back can only run
     *      other valid chunks.
     * @param safe The Safe that approved the plan.
     * @param planRoot The plan root.
     * @param index The chunk index (0-based).
     * @param chunkData The chunk: packed MultiSend entries `uint8 operation ‖ address to ‖ uint256 value ‖
     *        uint256 dataLength ‖ bytes data`.
     * @param proof The sibling hashes from the leaf up to the root (sorted-pair tree; empty for a one-chunk plan).
     */
    function executeChunk(
        address safe,
        bytes32 planRoot,
        uint256 index,
        bytes calldata chunkData,
        bytes32[] calldata proof
    ) external;

    /**
     * @notice The stored plan `root` of `safe` (all zero when it does not exist).
     * @param safe The Safe.
     * @param root The plan root.
     * @return The plan.
     */
    function planOf(address safe, bytes32 root) external view returns (Plan memory);

    /**
     * @notice The status of plan `root` of `safe` at the current block time.
     * @param safe The Safe.
     * @param root The plan root.
     * @return None (never approved), Completed (every chunk ran), Revoked, Expired or Active, first match in
     *         that order.
     */
    function planStatus(address safe, bytes32 root) external view returns (PlanStatus);

    /**
     * @notice Whether chunk `index` of plan `root` of `safe` has run.
     * @param safe The Safe.
     * @param root The plan root.
     * @param index The chunk index.
     * @return True if it ran.
     */
    function isChunkExecuted(address safe, bytes32 root, uint256 index) external view returns (bool);

    /**
     * @notice One 256-bit word of the executed bitmap: bit `i % 256` of word `i / 256` is chunk `i`.
     * @dev A client resumes a plan by reading `ceil(chunkCount / 256)` words and running the chunks whose bit is 0.
     * @param safe The Safe.
     * @param root The plan root.
     * @param wordIndex The word index.
     * @return The word.
     */
    function executedBitmap(address safe, bytes32 root, uint256 wordIndex) external view returns (uint256);

    /**
     * @notice The caps of plan `root` of `safe`, in approval order, with the amounts spent so far.
     * @param safe The Safe.
     * @param root The plan root.
     * @return caps The caps (empty for an uncapped or unknown plan).
     */
    function capsOf(address safe, bytes32 root) external view returns (CapState[] memory caps);

    /**
     * @notice What plan `root` of `safe` may still spend of `token`.
     * @param safe The Safe.
     * @param root The plan root.
     * @param token The token, address(0) for ether.
     * @return capped True if the plan has a cap on `token`.
     * @return remaining `cap - spent` when capped, 0 otherwise.
     */
    function remainingCap(address safe, bytes32 root, address token)
        external
        view
        returns (bool capped, uint256 remaining);

    /**
     * @notice The Merkle leaf of a chunk, exactly as `executeChunk` computes it on this chain and module.
     * @dev For clients to cross-check their tree building against the chain.
     * @param safe The Safe.
     * @param salt The plan's salt.
     * @param chunkCount The plan's chunk count.
     * @param index The chunk index.
     * @param chunkData The chunk bytes.
     * @return The leaf.
     */
    function chunkLeaf(address safe, uint64 salt, uint32 chunkCount, uint256 index, bytes calldata chunkData)
        external
        view
        returns (bytes32);

    /**
     * @notice The root that `proof` leads to from `leaf` (sorted-pair hashing), as `executeChunk` computes it.
     * @param leaf The leaf.
     * @param proof The sibling hashes, leaf level first.
     * @return The root.
     */
    function computeRoot(bytes32 leaf, bytes32[] calldata proof) external pure returns (bytes32);
}
