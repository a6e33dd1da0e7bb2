// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title MultiSendCallOnly
 * @notice Runs a batch of calls in one transaction; a Safe uses it with DELEGATECALL so that every call comes
 *         from the Safe. Refuses inner delegatecalls.
 * @dev `transactions` is a packed list of entries `uint8 operation ‖ address to ‖ uint256 value ‖
 *      uint256 dataLength ‖ bytes data` (85 bytes + data each). Every operation must be 0 (CALL): any other
 *      value reverts the whole batch, as does any failing call (without revert data). An entry is read while
 *      its start lies more than 32 bytes before the end of `transactions`, as in the canonical library, so
 *      trailing bytes up to 32 are ignored. An entry that runs past the end of `transactions` reverts the whole
 *      batch, where the canonical library reads on into the rest of the calldata (a deliberate difference, see
 *      `docs/compatibility.md`). Unlike the canonical MultiSend this one may be called directly: it
 *      then makes the calls as itself.
 *      Gas: the entries are read straight from calldata and each inner calldata is copied into the same
 *      memory buffer, so memory does not grow with the batch.
 */
contract MultiSendCallOnly {
    /**
     * @notice Runs every entry of `transactions` as a CALL, in order; reverts if any fails or is a delegatecall.
     * @param transactions The packed entries.
     */
    function multiSend(bytes calldata transactions) public payable {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            let end := add(transactions.offset, transactions.length)
            for {
                let entry := transactions.offset
            } lt(add(entry, 0x20), end) {

            } {
                if shr(248, calldataload(entry)) {
                    revert(0, 0)
                }
                let to := shr(96, calldataload(add(entry, 0x01)))
                let value := calldataload(add(entry, 0x15))
                let dataLength := calldataload(add(entry, 0x35))
                // The entry must end within `transactions`; `gt(dataLength, end)` rules out an overflow.
                if or(gt(dataLength, end), gt(add(add(entry, 0x55), dataLength), end)) {
                    revert(0, 0)
                }
                calldatacopy(buffer, add(entry, 0x55), dataLength)
                if iszero(call(gas(), to, value, buffer, dataLength, 0, 0)) {
                    revert(0, 0)
                }
                entry := add(entry, add(0x55, dataLength))
            }
        }
    }
}
