// protocol-kit (npm @safe-global/protocol-kit, pinned in script/toolchain/package.json) against
// coffer's deployed suite, on a local anvil. Used by the interop test
// (tests/tests/interop_protocol_kit.rs) and the benchmark (script/bench-protocol-kit).
//
// protocol-kit does not know chain 31337, so every instance gets `contractNetworks` keyed by the
// decimal chain id, filled from `coffer contracts addresses --json`. The Safe singleton is SafeL2,
// coffer's default off mainnet.
//
// Subcommands (every one prints one JSON object on stdout; errors go to stderr with exit 1):
//
//   flow     --rpc URL --addresses FILE --executor KEY --owners A,B,C --signers K1,K2
//            --salt N --csv FILE [--expect-safe ADDR]
//            The benchmark flow as a protocol-kit user writes it: create a 2-of-3 Safe, build one
//            MultiSendCallOnly batch from a CSV Airdrop file (ERC-20 rows), sign it with two owners,
//            execute it. The Safe must already hold the tokens (fund its predicted address).
//   predict  --rpc URL --addresses FILE --owners A,B,C --threshold T --salt N
//            protocol-kit's predicted address for that Safe.
//   sign     --rpc URL --addresses FILE --bundle FILE --key KEY [--eth-sign] [-o OUT]
//            Reads a coffer bundle (`coffer tx export`), rebuilds the SafeTransaction in
//            protocol-kit, checks protocol-kit's safeTxHash equals the bundle's, signs it with
//            protocol-kit, and writes the signature into the bundle (for `coffer tx import`).
//   execute  --rpc URL --addresses FILE --bundle FILE --key KEY
//            Reads a coffer bundle holding coffer's signatures and executes it with protocol-kit.
//   info     --rpc URL --addresses FILE --safe ADDR
//            What protocol-kit reads from a Safe (version, owners, threshold, nonce, handler).

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const tools = process.env.COFFER_TOOLS ?? resolve(here, '../../.tools');
const require = createRequire(join(tools, 'package.json'));
const t0 = performance.now();
const protocolKit = require('@safe-global/protocol-kit');
const Safe = protocolKit.default;
const { EthSafeSignature } = protocolKit;
const { SigningMethod } = require('@safe-global/types-kit');
const viem = require('viem');
const tLoaded = performance.now();

const CHAIN_ID = '31337';

function die(msg) {
  process.stderr.write(`protocol-kit.mjs: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--eth-sign') out.ethSign = true;
    else if (a === '-o') out.o = argv[++i];
    else if (a.startsWith('--')) out[a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[++i];
    else out._.push(a);
  }
  return out;
}

function need(args, name) {
  if (args[name] === undefined) die(`missing --${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
  return args[name];
}

/** contractNetworks for chain 31337 from `coffer contracts addresses --json`. */
function contractNetworks(file) {
  const a = JSON.parse(readFileSync(file, 'utf8'));
  for (const k of ['SafeL2', 'SafeProxyFactory', 'MultiSend', 'MultiSendCallOnly', 'CompatibilityFallbackHandler',
    'SignMessageLib', 'CreateCall', 'SimulateTxAccessor']) {
    if (!a[k]) die(`${file} has no ${k} address (is it the output of \`coffer contracts addresses --json\`?)`);
  }
  return {
    [CHAIN_ID]: {
      safeSingletonAddress: a.SafeL2,
      safeProxyFactoryAddress: a.SafeProxyFactory,
      multiSendAddress: a.MultiSend,
      multiSendCallOnlyAddress: a.MultiSendCallOnly,
      fallbackHandlerAddress: a.CompatibilityFallbackHandler,
      signMessageLibAddress: a.SignMessageLib,
      createCallAddress: a.CreateCall,
      simulateTxAccessorAddress: a.SimulateTxAccessor,
    },
  };
}

function publicClient(rpc) {
  return viem.createPublicClient({ transport: viem.http(rpc) });
}

async function waitOk(rpc, hash, what) {
  const receipt = await publicClient(rpc).waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== 'success') die(`${what}: transaction ${hash} reverted`);
  return receipt;
}

function predictedSafe(owners, threshold, salt) {
  return {
    safeAccountConfig: { owners, threshold },
    safeDeploymentConfig: { saltNonce: String(salt), safeVersion: '1.4.1' },
  };
}

/** A CSV Airdrop file's ERC-20 rows (token_type,token_address,receiver,amount[,id]). */
function readCsv(file) {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const [type, token, receiver, amount] = line.split(',').map((s) => s.trim());
    if (type !== 'erc20') die(`${file} row ${i + 2}: only erc20 rows are supported here`);
    rows.push({ token, receiver, amount });
  }
  return rows;
}

const erc20Abi = viem.parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function decimals() view returns (uint8)',
]);

/** The SafeTransaction of a coffer bundle, rebuilt by protocol-kit, with its hash checked. */
async function fromBundle(kit, bundle) {
  const t = bundle.tx;
  const tx = await kit.createTransaction({
    transactions: [{ to: t.to, value: String(t.value), data: t.data, operation: Number(t.operation) }],
    options: {
      safeTxGas: String(t.safeTxGas),
      baseGas: String(t.baseGas),
      gasPrice: String(t.gasPrice),
      gasToken: t.gasToken,
      refundReceiver: t.refundReceiver,
      nonce: Number(t.nonce),
    },
  });
  const hash = await kit.getTransactionHash(tx);
  if (hash.toLowerCase() !== bundle.hashes.safeTxHash.toLowerCase()) {
    die(`protocol-kit computes safeTxHash ${hash}, the coffer bundle states ${bundle.hashes.safeTxHash}`);
  }
  return { tx, hash };
}

async function flow(args) {
  const rpc = need(args, 'rpc');
  const networks = contractNetworks(need(args, 'addresses'));
  const executor = need(args, 'executor');
  const owners = need(args, 'owners').split(',');
  const signers = need(args, 'signers').split(',');
  const salt = need(args, 'salt');
  const rows = readCsv(need(args, 'csv'));
  const ms = {};
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    ms[name] = Math.round((now - t) * 10) / 10;
    t = now;
  };

  // 1. Create the 2-of-3 Safe.
  const deployer = await Safe.init({
    provider: rpc,
    signer: executor,
    predictedSafe: predictedSafe(owners, 2, salt),
    contractNetworks: networks,
  });
  const safeAddress = await deployer.getAddress();
  if (args.expectSafe && safeAddress.toLowerCase() !== args.expectSafe.toLowerCase()) {
    die(`protocol-kit predicts ${safeAddress}, expected ${args.expectSafe}`);
  }
  const deployment = await deployer.createSafeDeploymentTransaction();
  const wallet = await deployer.getSafeProvider().getExternalSigner();
  const createHash = await wallet.sendTransaction({
    account: wallet.account,
    chain: null,
    to: deployment.to,
    value: BigInt(deployment.value),
    data: deployment.data,
  });
  await waitOk(rpc, createHash, 'Safe creation');
  lap('create');

  // 2. Build the batch: decimals on chain, one transfer per row, MultiSendCallOnly.
  const kit = await deployer.connect({ safeAddress });
  const client = publicClient(rpc);
  const decimals = new Map();
  for (const r of rows) {
    if (!decimals.has(r.token)) {
      decimals.set(r.token, await client.readContract({ address: r.token, abi: erc20Abi, functionName: 'decimals' }));
    }
  }
  const transactions = rows.map((r) => ({
    to: r.token,
    value: '0',
    data: viem.encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [r.receiver, viem.parseUnits(r.amount, decimals.get(r.token))],
    }),
    operation: 0,
  }));
  let tx = await kit.createTransaction({ transactions, onlyCalls: true });
  const safeTxHash = await kit.getTransactionHash(tx);
  lap('build');

  // 3. Two owners sign (EIP-712), each through their own protocol-kit instance.
  for (const key of signers) {
    const owner = await kit.connect({ signer: key });
    tx = await owner.signTransaction(tx);
  }
  lap('sign');

  // 4. Execute from the executor's account.
  const result = await kit.executeTransaction(tx);
  const receipt = await waitOk(rpc, result.hash, 'execTransaction');
  lap('execute');

  return {
    safe: safeAddress,
    safeTxHash,
    txHash: result.hash,
    gasUsed: Number(receipt.gasUsed),
    rows: rows.length,
    ms: { load: Math.round(tLoaded - t0), ...ms, flow: Math.round(performance.now() - tLoaded) },
  };
}

async function predict(args) {
  const kit = await Safe.init({
    provider: need(args, 'rpc'),
    predictedSafe: predictedSafe(need(args, 'owners').split(','), Number(need(args, 'threshold')), need(args, 'salt')),
    contractNetworks: contractNetworks(need(args, 'addresses')),
  });
  return { safe: await kit.getAddress() };
}

async function sign(args) {
  const file = need(args, 'bundle');
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  const kit = await Safe.init({
    provider: need(args, 'rpc'),
    signer: need(args, 'key'),
    safeAddress: bundle.safe,
    contractNetworks: contractNetworks(need(args, 'addresses')),
  });
  const { tx, hash } = await fromBundle(kit, bundle);
  const method = args.ethSign ? SigningMethod.ETH_SIGN : SigningMethod.ETH_SIGN_TYPED_DATA_V4;
  const signed = await kit.signTransaction(tx, method);
  const owner = await kit.getSafeProvider().getSignerAddress();
  const sig = signed.getSignature(owner);
  if (!sig) die(`protocol-kit produced no signature for ${owner}`);
  const v = parseInt(sig.data.slice(-2), 16);
  const kind = v > 30 ? 'eth_sign' : 'eip712';
  bundle.signatures.push({ owner: viem.getAddress(owner), kind, signature: sig.data });
  writeFileSync(args.o ?? file, JSON.stringify(bundle, null, 2) + '\n');
  return { safeTxHash: hash, owner: viem.getAddress(owner), kind, signature: sig.data };
}

async function execute(args) {
  const rpc = need(args, 'rpc');
  const bundle = JSON.parse(readFileSync(need(args, 'bundle'), 'utf8'));
  const kit = await Safe.init({
    provider: rpc,
    signer: need(args, 'key'),
    safeAddress: bundle.safe,
    contractNetworks: contractNetworks(need(args, 'addresses')),
  });
  const { tx, hash } = await fromBundle(kit, bundle);
  for (const s of bundle.signatures) {
    tx.addSignature(new EthSafeSignature(s.owner, s.signature));
  }
  const result = await kit.executeTransaction(tx);
  const receipt = await waitOk(rpc, result.hash, 'execTransaction');
  return { safeTxHash: hash, txHash: result.hash, gasUsed: Number(receipt.gasUsed), nonce: await kit.getNonce() };
}

async function info(args) {
  const kit = await Safe.init({
    provider: need(args, 'rpc'),
    safeAddress: need(args, 'safe'),
    contractNetworks: contractNetworks(need(args, 'addresses')),
  });
  return {
    version: kit.getContractVersion(),
    owners: await kit.getOwners(),
    threshold: await kit.getThreshold(),
    nonce: await kit.getNonce(),
    fallbackHandler: await kit.getFallbackHandler(),
    chainId: String(await kit.getChainId()),
  };
}

const commands = { flow, predict, sign, execute, info };
const args = parseArgs(process.argv.slice(2));
const cmd = commands[args._[0]];
if (!cmd) die(`usage: protocol-kit.mjs ${Object.keys(commands).join('|')} [options] (see the header of this file)`);
try {
  const out = await cmd(args);
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  die(e?.shortMessage ?? e?.message ?? String(e));
}
