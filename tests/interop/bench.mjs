// Benchmark 3: coffer against protocol-kit, on one anvil, in one run (script/bench-protocol-kit).
//
// Both sides run the same flow as a user runs it, process start-up included:
//   create a 2-of-3 Safe, build a 100-transfer ERC-20 batch (MultiSendCallOnly) from a CSV
//   Airdrop file, sign it with 2 owners, execute it.
// protocol-kit: one `node protocol-kit.mjs flow` process (load node + the SDK, then the flow).
// coffer: the binary, one process per step: safe create, tx propose SAFE batch --csv, tx sign x2,
// tx execute.
// The suite (and TestToken) is deployed once with `coffer contracts deploy` before the rounds; its
// time is printed apart. Each Safe is funded at its predicted address before it is created, so
// funding is outside both timings. Every round pays 100 fresh receivers on each side, and checks
// that each was paid. The rounds alternate which side goes first; the medians are compared.
//
// Usage: node tests/interop/bench.mjs --coffer PATH/TO/coffer --anvil PATH/TO/anvil [--rounds N]

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkScript = join(here, 'protocol-kit.mjs');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const coffer = args.coffer ?? die('missing --coffer PATH (the coffer binary, a release build)');
const anvilBin = args.anvil ?? die('missing --anvil PATH');
const rounds = Number(args.rounds ?? 3);
const ROWS = 100;

// anvil's public development keys (test keys only). 0 deploys, funds and executes; 1-3 own the Safes.
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];
const OWNERS = [
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
];

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const work = mkdtempSync(join(tmpdir(), 'coffer-bench-'));
let anvil;
function cleanup() {
  if (anvil && anvil.exitCode === null) anvil.kill();
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);

const port = await new Promise((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const rpc = `http://127.0.0.1:${port}`;
const env = { ...process.env, ETH_RPC_URL: rpc, COFFER_HOME: join(work, 'coffer-home') };
for (const k of ['ETH_PRIVATE_KEY', 'ETH_MNEMONIC', 'ETH_KEYSTORE', 'ETH_PASSWORD']) delete env[k];

/** Runs a command to completion; returns { ms, stdout }. Exits the benchmark if it fails. */
function run(cmd, argv) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) die(`\`${cmd} ${argv.join(' ')}\` failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return { ms, stdout: r.stdout.trim() };
}
const c = (...argv) => run(coffer, argv);
const cjson = (...argv) => JSON.parse(c(...argv, '--json').stdout);

anvil = spawn(anvilBin, ['--port', String(port), '--silent'], { stdio: 'ignore' });
for (let i = 0; ; i++) {
  try {
    const res = await fetch(rpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    if (res.ok) break;
  } catch {
    if (i > 100) die(`anvil did not answer on ${rpc}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

const deploy = c('contracts', 'deploy', '--include-test', '--private-key', KEYS[0]);
const addresses = cjson('contracts', 'addresses', '--arachnid', '--include-test');
const addressesFile = join(work, 'addresses.json');
writeFileSync(addressesFile, JSON.stringify(addresses));
const token = addresses.TestToken;
let salt = 1000;
let receiverSeed = 0x00c0ffee00000000n;

/** A fresh Safe address (predicted, funded with TestToken) and a CSV paying 100 fresh receivers. */
function prepare(label) {
  salt += 1;
  const owners = OWNERS.flatMap((o) => ['--owner', o]);
  const safe = c('safe', 'create', ...owners, '--threshold', '2', '--salt-nonce', String(salt), '--predict').stdout;
  c('send', '--to', token, '--sig', 'mint(address,uint256)', safe, '1000000000000000000000000', '--private-key', KEYS[0]);
  const receivers = [];
  let csv = 'token_type,token_address,receiver,amount,id\n';
  for (let i = 0; i < ROWS; i++) {
    receiverSeed += 1n;
    const r = '0x' + receiverSeed.toString(16).padStart(40, '0');
    receivers.push(r);
    csv += `erc20,${token},${r},${i + 1}.25,\n`;
  }
  const file = join(work, `${label}-${salt}.csv`);
  writeFileSync(file, csv);
  return { safe, salt, file, receivers };
}

/** Every receiver holds exactly what its row paid. */
function checkPaid(receivers, who) {
  const b = cjson('balance', '--token', token, ...receivers);
  b.balances.forEach((x, i) => {
    const want = BigInt(i + 1) * 10n ** 18n + 25n * 10n ** 16n;
    if (BigInt(x.balance) !== want) die(`${who}: receiver ${receivers[i]} holds ${x.balance}, expected ${want}`);
  });
}

function protocolKitRound() {
  const p = prepare('pk');
  const r = run(process.execPath, [
    pkScript, 'flow', '--rpc', rpc, '--addresses', addressesFile, '--executor', KEYS[0],
    '--owners', OWNERS.join(','), '--signers', `${KEYS[1]},${KEYS[2]}`, '--salt', String(p.salt),
    '--csv', p.file, '--expect-safe', p.safe,
  ]);
  const out = JSON.parse(r.stdout);
  checkPaid(p.receivers, 'protocol-kit');
  return { ms: r.ms, steps: out.ms, gasUsed: out.gasUsed };
}

function cofferRound() {
  const p = prepare('coffer');
  const steps = {};
  const owners = OWNERS.flatMap((o) => ['--owner', o]);
  const create = c('safe', 'create', ...owners, '--threshold', '2', '--salt-nonce', String(p.salt), '--private-key', KEYS[0]);
  if (create.stdout.toLowerCase() !== p.safe.toLowerCase()) die(`coffer created ${create.stdout}, predicted ${p.safe}`);
  steps.create = create.ms;
  const propose = c('tx', 'propose', p.safe, 'batch', '--csv', p.file, '--json');
  steps.propose = propose.ms;
  const proposed = JSON.parse(propose.stdout);
  const hashes = proposed.proposals ? proposed.proposals.map((x) => x.safeTxHash) : [proposed.safeTxHash];
  if (hashes.length !== 1) die(`coffer planned ${hashes.length} transactions for ${ROWS} rows, expected 1`);
  const [hash] = hashes;
  steps.sign1 = c('tx', 'sign', hash, '--private-key', KEYS[1]).ms;
  steps.sign2 = c('tx', 'sign', hash, '--private-key', KEYS[2]).ms;
  const exec = c('tx', 'execute', hash, '--private-key', KEYS[0], '--json');
  steps.execute = exec.ms;
  const done = JSON.parse(exec.stdout);
  if (done.success !== true) die(`coffer's execution failed: ${exec.stdout}`);
  checkPaid(p.receivers, 'coffer');
  const ms = Object.values(steps).reduce((a, b) => a + b, 0);
  return { ms, steps, gasUsed: done.gasUsed };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`;
const fmtSteps = (s) => Object.entries(s).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');

// One warm-up of each (file cache, anvil JIT); not counted.
process.stderr.write(`bench: anvil ${rpc}; suite deployed in ${deploy.ms.toFixed(0)} ms (coffer contracts deploy, not counted)\n`);
protocolKitRound();
cofferRound();
const pk = [];
const cf = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    pk.push(protocolKitRound());
    cf.push(cofferRound());
  } else {
    cf.push(cofferRound());
    pk.push(protocolKitRound());
  }
  process.stderr.write(`bench: round ${i + 1}/${rounds}: protocol-kit ${fmt(pk[i].ms)}, coffer ${fmt(cf[i].ms)}\n`);
}

const pkMed = median(pk.map((x) => x.ms));
const cfMed = median(cf.map((x) => x.ms));
const ratio = cfMed / pkMed;
console.log(`flow: create a 2-of-3 Safe, ${ROWS}-transfer ERC-20 batch, 2 signatures, execute (anvil, coffer's suite)`);
console.log(`rounds: ${rounds} (after one warm-up each), median wall time, process start-up included`);
console.log(`protocol-kit 8 (1 node process):   ${fmt(pkMed)}   [${pk.map((x) => x.ms.toFixed(0)).join(', ')}]`);
console.log(`  in-process steps (last round):    ${fmtSteps(pk[pk.length - 1].steps)}; gas ${pk[0].gasUsed}`);
console.log(`coffer (5 processes):              ${fmt(cfMed)}   [${cf.map((x) => x.ms.toFixed(0)).join(', ')}]`);
console.log(`  per process (last round):         ${fmtSteps(cf[cf.length - 1].steps)}; gas ${cf[0].gasUsed}`);
console.log(`ratio coffer / protocol-kit:        ${ratio.toFixed(3)}  (target <= 0.25: ${ratio <= 0.25 ? 'met' : 'MISSED'})`);
process.exit(0);
