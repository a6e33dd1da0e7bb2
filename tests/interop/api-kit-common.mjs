// The setup api-kit.mjs and api-kit-messages.mjs share: the npm packages from coffer's toolchain (.tools, or
// $COFFER_TOOLS), argument parsing, coffer's suite as protocol-kit `contractNetworks`, and the refusal check. Each
// script calls `script(NAME)` for the helpers that report under its own name, then `main(args, commands)`.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tools = process.env.COFFER_TOOLS ?? resolve(here, '../../.tools');
/** `require` resolving from the toolchain's node_modules. */
export const require = createRequire(join(tools, 'package.json'));

/** anvil's chain id. */
export const CHAIN_ID = 31337n;

/** `--some-flag V` → `{ someFlag: V }`; the rest in `_`. */
export function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) out[a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[++i];
    else out._.push(a);
  }
  return out;
}

/** protocol-kit `contractNetworks` for coffer's suite, from the addresses file the Rust test writes. */
export function contractNetworks(file) {
  const a = JSON.parse(readFileSync(file, 'utf8'));
  return {
    [String(CHAIN_ID)]: {
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

/** The helpers that report under the script's `name`: die, check, need, refused, main. */
export function script(name) {
  function die(msg) {
    process.stderr.write(`${name}: ${msg}\n`);
    process.exit(1);
  }

  function check(cond, msg) {
    if (!cond) die(`expectation failed: ${msg}`);
  }

  function need(args, key) {
    if (args[key] === undefined) die(`missing --${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
    return args[key];
  }

  /** Runs `fn`, which must throw an api-kit HttpError with `status`; returns its message and data. */
  async function refused(what, status, fn) {
    try {
      await fn();
    } catch (e) {
      check(e.statusCode === status, `${what}: status ${e.statusCode} (${e.message}), expected ${status}`);
      return { status: e.statusCode, message: e.message, data: e.data ?? null };
    }
    die(`${what}: the service accepted it`);
  }

  /** Runs the subcommand named by the first argument; prints its JSON result, or dies with the error. */
  function main(argv, commands) {
    const args = parseArgs(argv);
    const cmd = commands[args._[0]];
    if (!cmd) die(`unknown subcommand ${args._[0]} (${Object.keys(commands).join(', ')})`);
    cmd(args).then(
      (out) => process.stdout.write(`${JSON.stringify(out)}\n`),
      (e) => die(e?.stack ?? String(e)),
    );
  }

  return { die, check, need, refused, main };
}
