// npm @safe-global/api-kit 5.0.3 (with protocol-kit 8.0.7, pinned in script/toolchain/package.json) against the Safe
// message routes of `coffer serve`, on a local anvil with coffer's suite. Driven by tests/tests/message_service.rs.
//
//   messages --service URL --rpc URL --addresses FILE --safe ADDR --keys K1,K2,K3 --outsider KEY
//         A 2-of-3 Safe whose owners are K1, K2, K3. K1 signs a text message (EIP-712, protocol-kit signMessage)
//         and adds it (addMessage); getMessage returns it with the hash protocol-kit computes; K2 adds an eth_sign
//         signature (addMessageSignature); the prepared signature is valid for the Safe (protocol-kit
//         isValidSignature, on chain); K3 adds an EIP-712 typed-data message; getMessages lists both in each
//         ordering and pages. Then each refusal of the reference: the same message again, the same owner again,
//         a non-owner, two signatures in one request, an unknown hash (get and sign), a non-checksummed Safe,
//         bad hex. Prints one JSON object; a failed expectation exits 1 with the reason on stderr.

import { CHAIN_ID, contractNetworks, require, script } from './api-kit-common.mjs';

const SafeApiKit = require('@safe-global/api-kit').default;
const protocolKit = require('@safe-global/protocol-kit');
const Safe = protocolKit.default;
const { hashSafeMessage } = protocolKit;
const { SigningMethod } = require('@safe-global/types-kit');
const viem = require('viem');
const { privateKeyToAccount } = require('viem/accounts');

const { die, check, need, refused, main } = script('api-kit-messages.mjs');

const TYPED = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 31337, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

// protocol-kit's own isValidSignature trips over viem's overload check (two `isValidSignature`s in one ABI), so
// the Safe is asked directly: the standard EIP-1271 form with the message's EIP-191 hash.
const EIP1271 = [{ type: 'function', name: 'isValidSignature', stateMutability: 'view', inputs: [{ name: 'hash', type: 'bytes32' }, { name: 'signature', type: 'bytes' }], outputs: [{ type: 'bytes4' }] }];
async function safeAccepts(rpc, safe, message, signature) {
  const client = viem.createPublicClient({ transport: viem.http(rpc) });
  try {
    const magic = await client.readContract({ address: safe, abi: EIP1271, functionName: 'isValidSignature', args: [hashSafeMessage(message), signature] });
    return magic === '0x1626ba7e';
  } catch {
    return false;
  }
}

async function messages(args) {
  const txServiceUrl = need(args, 'service');
  const rpc = need(args, 'rpc');
  const nets = contractNetworks(need(args, 'addresses'));
  const safeAddress = need(args, 'safe');
  const [k1, k2, k3] = need(args, 'keys').split(',');
  const outsider = need(args, 'outsider');
  const api = new SafeApiKit({ chainId: CHAIN_ID, txServiceUrl });
  const kit = (key) => Safe.init({ provider: rpc, signer: key, safeAddress, contractNetworks: nets });
  const [kit1, kit2, kit3] = await Promise.all([kit(k1), kit(k2), kit(k3)]);
  const [a1, a2, a3] = [k1, k2, k3].map((k) => privateKeyToAccount(k).address);
  const out = { refusals: {} };

  // K1: a text message, EIP-712 signature, added with safeAppId and origin.
  const text = 'coffer: sign in to example.org\nnonce 7';
  const signed1 = await kit1.signMessage(kit1.createMessage(text), SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  const messageHash = await kit1.getSafeMessageHash(hashSafeMessage(text));
  const added = await api.addMessage(safeAddress, { message: text, signature: signed1.encodedSignatures(), safeAppId: 7 });
  check(added === undefined, 'addMessage answers 201 with an empty body');
  let got = await api.getMessage(messageHash);
  check(got.messageHash === messageHash, `messageHash ${got.messageHash}, protocol-kit computes ${messageHash}`);
  check(got.message === text && got.safe === safeAddress && got.proposedBy === a1, `message ${JSON.stringify(got)}`);
  check(got.safeAppId === 7 && got.origin === '{}', `safeAppId ${got.safeAppId} origin ${got.origin}`);
  check(got.confirmations.length === 1 && got.confirmations[0].owner === a1, 'one confirmation by the proposer');
  check(got.confirmations[0].signatureType === 'EOA', `signature type ${got.confirmations[0].signatureType}`);
  check(got.confirmations[0].signature === signed1.encodedSignatures().toLowerCase(), 'the signature as sent');
  check(got.preparedSignature === got.confirmations[0].signature, 'prepared signature of one');
  const keys = ['created', 'modified', 'safe', 'messageHash', 'message', 'proposedBy', 'safeAppId', 'preparedSignature', 'origin', 'confirmations'];
  check(keys.every((k) => k in got), `response keys ${Object.keys(got)}`);
  check(JSON.stringify(Object.keys(got.confirmations[0]).sort()) === JSON.stringify(['created', 'modified', 'owner', 'signature', 'signatureType']), 'confirmation keys');
  check(!(await safeAccepts(rpc, safeAddress, text, got.preparedSignature)), 'one signature of two is not valid for the Safe');

  // K2: eth_sign, added as a signature.
  const signed2 = await kit2.signMessage(kit2.createMessage(text), SigningMethod.ETH_SIGN);
  const sig2 = signed2.encodedSignatures();
  check((await api.addMessageSignature(messageHash, sig2)) === undefined, 'addMessageSignature answers 201 with an empty body');
  got = await api.getMessage(messageHash);
  check(got.confirmations.length === 2 && got.confirmations[1].owner === a2, 'confirmations in order');
  check(got.confirmations[1].signatureType === 'ETH_SIGN', `signature type ${got.confirmations[1].signatureType}`);
  const expected = [[a1, got.confirmations[0].signature], [a2, got.confirmations[1].signature]]
    .sort((x, y) => x[0].toLowerCase().localeCompare(y[0].toLowerCase()))
    .map(([, s]) => s.slice(2))
    .join('');
  check(got.preparedSignature === `0x${expected}`, `prepared signature sorted by owner: ${got.preparedSignature}`);
  check(await safeAccepts(rpc, safeAddress, text, got.preparedSignature), 'the Safe accepts the prepared signature (isValidSignature)');
  out.text = got;

  // K3: an EIP-712 typed-data message, kept exactly as sent.
  const signed3 = await kit3.signMessage(kit3.createMessage(TYPED), SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  const typedHash = await kit3.getSafeMessageHash(hashSafeMessage(TYPED));
  await api.addMessage(safeAddress, { message: TYPED, signature: signed3.encodedSignatures() });
  const typed = await api.getMessage(typedHash);
  check(JSON.stringify(typed.message) === JSON.stringify(TYPED), `typed data kept as sent: ${JSON.stringify(typed.message)}`);
  check(typed.proposedBy === a3 && typed.safeAppId === null, `typed proposer ${typed.proposedBy}`);
  out.typed = typed;

  // Lists: newest first by default, `created` oldest first, pages.
  const all = await api.getMessages(safeAddress);
  check(all.count === 2 && all.results[0].messageHash === typedHash && all.results[1].messageHash === messageHash, `default order ${JSON.stringify(all.results.map((m) => m.messageHash))}`);
  const oldest = await api.getMessages(safeAddress, { ordering: 'created' });
  check(oldest.results[0].messageHash === messageHash, 'ordering=created');
  const page = await api.getMessages(safeAddress, { ordering: 'created', limit: 1, offset: 1 });
  check(page.count === 2 && page.results.length === 1 && page.results[0].messageHash === typedHash && page.next === null && page.previous !== null, `page ${JSON.stringify(page)}`);
  out.list = { count: all.count, next: all.next, previous: all.previous };

  // Refusals, each with the reference's status and text; none stores anything.
  out.refusals.sameMessage = await refused('same message again', 400, () =>
    api.addMessage(safeAddress, { message: text, signature: sig2 }));
  check(out.refusals.sameMessage.message === `Message with hash ${messageHash} for safe ${safeAddress} already exists in DB`, `same message text: ${out.refusals.sameMessage.message}`);
  out.refusals.sameOwner = await refused('same owner again', 400, () => api.addMessageSignature(messageHash, sig2));
  check(out.refusals.sameOwner.message === `Signature for owner ${a2} already exists`, `same owner text: ${out.refusals.sameOwner.message}`);
  const outsiderAddr = privateKeyToAccount(outsider).address;
  // protocol-kit signs only as an owner: the outsider signs the Safe message hash with viem.
  const outsiderSig = await privateKeyToAccount(outsider).sign({ hash: messageHash });
  out.refusals.nonOwner = await refused('non-owner', 400, () => api.addMessageSignature(messageHash, outsiderSig));
  check(out.refusals.nonOwner.message === `${outsiderAddr} is not an owner of the Safe`, `non-owner text: ${out.refusals.nonOwner.message}`);
  const other = 'another message';
  const o1 = await kit1.signMessage(kit1.createMessage(other), SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  const o2 = await kit2.signMessage(o1, SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  out.refusals.twoSignatures = await refused('two signatures', 400, () =>
    api.addMessage(safeAddress, { message: other, signature: o2.encodedSignatures() }));
  check(out.refusals.twoSignatures.message === '1 owner signature was expected, 2 received', `two signatures text: ${out.refusals.twoSignatures.message}`);
  const unknown = `0x${'ab'.repeat(32)}`;
  out.refusals.unknownGet = await refused('unknown hash', 404, () => api.getMessage(unknown));
  check(out.refusals.unknownGet.message === 'No SafeMessage matches the given query.', 'unknown get text');
  out.refusals.unknownSign = await refused('unknown hash signature', 404, () => api.addMessageSignature(unknown, sig2));
  // api-kit checks addresses with viem, which lets an all-lowercase one through.
  out.refusals.nonChecksummed = await refused('non-checksummed Safe', 422, () => api.getMessages(safeAddress.toLowerCase()));
  check(out.refusals.nonChecksummed.message === 'Checksum address validation failed', 'checksum text');
  out.refusals.badHex = await refused('bad hex', 400, () => api.addMessageSignature(messageHash, '0xzz'));
  check(typeof out.refusals.badHex.data.signature[0] === 'string', `bad hex body ${JSON.stringify(out.refusals.badHex.data)}`);
  const after = await api.getMessage(messageHash);
  check(after.confirmations.length === 2, 'refusals stored nothing');
  check((await api.getMessages(safeAddress)).count === 2, 'refusals stored no message');
  return out;
}

main(process.argv.slice(2), { messages });
