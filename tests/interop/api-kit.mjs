// npm @safe-global/api-kit 5.0.3 (with protocol-kit 8.0.7, pinned in script/toolchain/package.json) against
// `coffer serve`, on a local anvil with coffer's suite. Driven by tests/tests/tx_service.rs.
//
// Subcommands (each prints one JSON object on stdout; a failed expectation exits 1 with the reason on stderr):
//
//   flow  --service URL --rpc URL --addresses FILE --safe ADDR --keys K1,K2 --outsider KEY --executor KEY
//         [--api-key TOKEN]
//         The api-kit flow against a 2-of-N Safe whose owners include K1 and K2: service info, Safe info, next
//         nonce, propose (K1, eth_sign via signHash), get, list, pending, confirmations, confirm (K2, EIP-712 via
//         signTransaction), Safes by owner; then each refusal of the reference (hash mismatch, non-owner, sender
//         mismatch, non-checksummed address, unknown tx, non-owner confirmation); then protocol-kit executes the
//         service's transaction and it leaves the queue. With --api-key, also checks that a request without the
//         key gets 401.
//   race  --a URL --b URL --rpc URL --addresses FILE --safe ADDR --keys K1,…,KN
//         K1 proposes through A; K2…KN confirm, each confirmation sent to A and B at the same moment. Prints what
//         each server then lists.

import { CHAIN_ID, contractNetworks, require, script } from './api-kit-common.mjs';

const SafeApiKit = require('@safe-global/api-kit').default;
const Safe = require('@safe-global/protocol-kit').default;
const { SigningMethod } = require('@safe-global/types-kit');
const viem = require('viem');
const { privateKeyToAccount } = require('viem/accounts');

const { die, check, need, refused, main } = script('api-kit.mjs');

async function flow(args) {
  const txServiceUrl = need(args, 'service');
  const rpc = need(args, 'rpc');
  const contractNets = contractNetworks(need(args, 'addresses'));
  const safeAddress = need(args, 'safe');
  const [k1, k2] = need(args, 'keys').split(',');
  const outsider = need(args, 'outsider');
  const executor = need(args, 'executor');
  const apiKey = args.apiKey;
  const api = new SafeApiKit({ chainId: CHAIN_ID, txServiceUrl, ...(apiKey ? { apiKey } : {}) });
  const a1 = privateKeyToAccount(k1).address;
  const a2 = privateKeyToAccount(k2).address;
  const out = { refusals: {} };

  if (apiKey) {
    const r = await fetch(`${txServiceUrl}/v1/about/`);
    check(r.status === 401, `a request without the API key got ${r.status}, expected 401`);
    const body = await r.json();
    out.withoutKey = { status: r.status, detail: body.detail };
  }

  const about = await api.getServiceInfo();
  check(about.api_version === 'v1' && about.name && about.version, `service info ${JSON.stringify(about)}`);
  out.about = about;

  const info = await api.getSafeInfo(safeAddress);
  check(info.address === safeAddress, `safe info address ${info.address}`);
  check(info.singleton && info.masterCopy === undefined, 'api-kit renames masterCopy to singleton');
  check(info.owners.includes(a1) && info.owners.includes(a2), `owners ${info.owners}`);
  out.safeInfo = info;
  const nonce0 = await api.getNextNonce(safeAddress);
  check(nonce0 === info.nonce, `next nonce ${nonce0} with an empty queue, Safe nonce ${info.nonce}`);

  // Propose: owner 1 builds with protocol-kit and signs the hash (eth_sign, v 31/32).
  const kit1 = await Safe.init({ provider: rpc, signer: k1, safeAddress, contractNetworks: contractNets });
  const receiver = privateKeyToAccount(outsider).address;
  const tx = await kit1.createTransaction({ transactions: [{ to: receiver, value: '1000', data: '0x' }] });
  const safeTxHash = await kit1.getTransactionHash(tx);
  const sig1 = await kit1.signHash(safeTxHash);
  const origin = JSON.stringify({ url: 'http://localhost', name: 'coffer api-kit test' });
  const proposed = await api.proposeTransaction({
    safeAddress,
    safeTransactionData: tx.data,
    safeTxHash,
    senderAddress: a1,
    senderSignature: sig1.data,
    origin,
  });
  check(proposed === undefined, 'propose answers 201 with an empty body');
  // Proposing again is idempotent.
  await api.proposeTransaction({ safeAddress, safeTransactionData: tx.data, safeTxHash, senderAddress: a1, senderSignature: sig1.data });

  const got = await api.getTransaction(safeTxHash);
  check(got.safeTxHash === safeTxHash && got.isExecuted === false, `getTransaction ${JSON.stringify(got)}`);
  check(got.confirmations.length === 1 && got.confirmations[0].owner === a1, 'one confirmation by the proposer');
  check(got.confirmations[0].signatureType === 'ETH_SIGN', `signature type ${got.confirmations[0].signatureType}`);
  check(got.proposer === a1 && got.nonce === String(tx.data.nonce), `proposer ${got.proposer} nonce ${got.nonce}`);
  check(got.origin === '{"url": "http://localhost", "name": "coffer api-kit test"}', `origin ${got.origin}`);
  check(got.confirmationsRequired === info.threshold, 'confirmationsRequired is the threshold');
  out.transaction = got;

  const list = await api.getMultisigTransactions(safeAddress);
  check(list.count === 1 && list.results[0].safeTxHash === safeTxHash, `list ${JSON.stringify(list)}`);
  check(list.countUniqueNonce === 1, 'countUniqueNonce');
  const pending = await api.getPendingTransactions(safeAddress);
  check(pending.count === 1 && pending.results[0].safeTxHash === safeTxHash, `pending ${pending.count}`);
  const nonce1 = await api.getNextNonce(safeAddress);
  check(nonce1 === String(Number(info.nonce) + 1), `next nonce after a proposal: ${nonce1}`);

  let confs = await api.getTransactionConfirmations(safeTxHash);
  check(confs.count === 1, `confirmations ${confs.count}`);

  // Confirm: owner 2 signs EIP-712 (eth_signTypedData_v4, v 27/28) with protocol-kit.
  const kit2 = await Safe.init({ provider: rpc, signer: k2, safeAddress, contractNetworks: contractNets });
  const signed2 = await kit2.signTransaction(got, SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  const sig2 = signed2.getSignature(a2);
  check(sig2, 'protocol-kit signed for owner 2');
  const confirmed = await api.confirmTransaction(safeTxHash, sig2.data);
  check(confirmed.signature === sig2.data.toLowerCase(), `confirm answer ${JSON.stringify(confirmed)}`);
  confs = await api.getTransactionConfirmations(safeTxHash);
  check(confs.count === 2 && confs.results[1].owner === a2 && confs.results[1].signatureType === 'EOA', 'two confirmations, in order');
  // Confirming twice keeps one confirmation and still answers 201.
  await api.confirmTransaction(safeTxHash, sig2.data);
  check((await api.getTransactionConfirmations(safeTxHash)).count === 2, 'a repeated confirmation is stored once');

  const byOwner = await api.getSafesByOwner(a1);
  check(byOwner.safes.includes(safeAddress), `Safes by owner ${JSON.stringify(byOwner)}`);
  out.safesByOwner = byOwner;

  // Refusals, each with the reference's status and text.
  const nextTx = await kit1.createTransaction({ transactions: [{ to: receiver, value: '1', data: '0x' }], options: { nonce: Number(info.nonce) + 1 } });
  const nextHash = await kit1.getTransactionHash(nextTx);
  const nextSig1 = await kit1.signHash(nextHash);
  const wrongHash = `0x${'ab'.repeat(32)}`;
  out.refusals.hashMismatch = await refused('hash mismatch', 422, () =>
    api.proposeTransaction({ safeAddress, safeTransactionData: nextTx.data, safeTxHash: wrongHash, senderAddress: a1, senderSignature: nextSig1.data }));
  check(out.refusals.hashMismatch.message === `Contract-transaction-hash=${nextHash} does not match provided contract-tx-hash=${wrongHash}`, 'hash mismatch text');

  const kitOut = await Safe.init({ provider: rpc, signer: outsider, safeAddress, contractNetworks: contractNets });
  const outSig = await kitOut.signHash(nextHash);
  out.refusals.nonOwner = await refused('non-owner proposer', 422, () =>
    api.proposeTransaction({ safeAddress, safeTransactionData: nextTx.data, safeTxHash: nextHash, senderAddress: receiver, senderSignature: outSig.data }));
  check(out.refusals.nonOwner.message.startsWith(`Sender=${receiver} is not an owner or delegate. Current owners=[`), 'non-owner text');

  const kit2Sig = await kit2.signHash(nextHash);
  out.refusals.senderMismatch = await refused('sender mismatch', 422, () =>
    api.proposeTransaction({ safeAddress, safeTransactionData: nextTx.data, safeTxHash: nextHash, senderAddress: a1, senderSignature: kit2Sig.data }));
  check(out.refusals.senderMismatch.message === `Signature does not match sender=${a1}. Calculated owners=['${a2}']`, 'sender mismatch text');

  out.refusals.nonChecksummed = await refused('non-checksummed Safe', 422, () => api.getSafeInfo(safeAddress.toLowerCase()));
  check(out.refusals.nonChecksummed.message === 'Checksum address validation failed', 'checksum text');
  const pendingLower = await refused('non-checksummed pending', 422, () => api.getPendingTransactions(safeAddress.toLowerCase(), { currentNonce: 1 }));
  check(pendingLower.message === 'Checksum address validation failed', 'checksum text (list)');

  out.refusals.unknownTx = await refused('unknown tx', 404, () => api.getTransaction(wrongHash));
  const unknownConfirm = await refused('unknown tx confirmation', 404, () => api.confirmTransaction(wrongHash, sig2.data));
  check(unknownConfirm.message === `Multisig transaction with safe-tx-hash=${wrongHash} was not found`, 'unknown confirm text');
  check((await api.getTransactionConfirmations(wrongHash)).count === 0, 'confirmations of an unknown hash: empty page');

  out.refusals.nonOwnerConfirm = await refused('non-owner confirmation', 400, async () => {
    const s = await kitOut.signHash(safeTxHash);
    return api.confirmTransaction(safeTxHash, s.data);
  });
  check(out.refusals.nonOwnerConfirm.data.signature[0].startsWith(`Signer=${receiver} is not an owner. Current owners=[`), 'non-owner confirm text');
  check((await api.getTransactionConfirmations(safeTxHash)).count === 2, 'refusals stored nothing');

  // protocol-kit executes the service's transaction; it then leaves the queue.
  const kitExec = await Safe.init({ provider: rpc, signer: executor, safeAddress, contractNetworks: contractNets });
  const serviceTx = await api.getTransaction(safeTxHash);
  const result = await kitExec.executeTransaction(serviceTx);
  const receipt = await viem.createPublicClient({ transport: viem.http(rpc) }).waitForTransactionReceipt({ hash: result.hash, pollingInterval: 20 });
  check(receipt.status === 'success', 'execTransaction succeeded');
  const after = await api.getPendingTransactions(safeAddress);
  check(after.count === 0, `pending after execution: ${after.count}`);
  const executed = await api.getTransaction(safeTxHash);
  check(executed.isExecuted === true && executed.isSuccessful === true, `executed flags ${executed.isExecuted} ${executed.isSuccessful}`);
  check(executed.transactionHash === result.hash, `execution tx ${executed.transactionHash} vs ${result.hash}`);
  check(executed.executor === privateKeyToAccount(executor).address, `executor ${executed.executor}`);
  check((await api.getNextNonce(safeAddress)) === String(Number(info.nonce) + 1), 'next nonce after execution');
  out.refusals.confirmExecuted = await refused('confirm executed', 400, () => api.confirmTransaction(safeTxHash, sig2.data));
  check(out.refusals.confirmExecuted.data.signature[0] === `Transaction with safe-tx-hash=${safeTxHash} was already executed`, 'executed text');
  out.executed = { txHash: result.hash, blockNumber: executed.blockNumber };
  return out;
}

async function race(args) {
  const a = new SafeApiKit({ chainId: CHAIN_ID, txServiceUrl: need(args, 'a') });
  const b = new SafeApiKit({ chainId: CHAIN_ID, txServiceUrl: need(args, 'b') });
  const rpc = need(args, 'rpc');
  const safeAddress = need(args, 'safe');
  const keys = need(args, 'keys').split(',');
  const kit = await Safe.init({ provider: rpc, signer: keys[0], safeAddress, contractNetworks: contractNetworks(need(args, 'addresses')) });
  const tx = await kit.createTransaction({ transactions: [{ to: safeAddress, value: '0', data: '0x' }] });
  const safeTxHash = await kit.getTransactionHash(tx);
  const sig = await kit.signHash(safeTxHash);
  await a.proposeTransaction({ safeAddress, safeTransactionData: tx.data, safeTxHash, senderAddress: privateKeyToAccount(keys[0]).address, senderSignature: sig.data });
  const answers = await Promise.all(keys.slice(1).flatMap((k) => {
    const p = privateKeyToAccount(k).sign({ hash: safeTxHash });
    return [a, b].map((api) => p.then((s) => api.confirmTransaction(safeTxHash, s)).then(() => 201, (e) => e.statusCode ?? String(e)));
  }));
  const seen = async (api) => {
    const c = await api.getTransactionConfirmations(safeTxHash);
    return { count: c.count, owners: c.results.map((r) => r.owner) };
  };
  return { safeTxHash, answers, a: await seen(a), b: await seen(b), owners: keys.map((k) => privateKeyToAccount(k).address) };
}

main(process.argv.slice(2), { flow, race });
