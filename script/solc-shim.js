#!/usr/bin/env node
// coffer's `solc` executable: a thin command-line front end over solcjs (npm `solc`).
//
// foundry-compilers drives a native solc binary in exactly two ways, and this shim implements both:
//   solc --version                          -> prints "Version: <long version>" as the last stdout line
//   solc [--allow-paths P] [--include-path P]... [--base-path P] --standard-json
//                                           -> standard JSON on stdin, standard JSON on stdout
// Like native solc, --standard-json exits 0 even when the sources have errors: they are reported
// inside the output JSON. A non-zero exit means the shim itself could not run (bad arguments,
// unreadable stdin, solcjs missing), and stderr says which.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`solc shim: ${msg}\n`);
  process.exit(2);
}

let solc;
try {
  solc = require('solc');
} catch (e) {
  fail(`cannot load solcjs (npm "solc"): ${e.message}. Run script/bootstrap to install it.`);
}

const args = process.argv.slice(2);
const opts = { standardJson: false, version: false, basePath: null, includePaths: [], allowPaths: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const takeValue = () => {
    if (i + 1 >= args.length) fail(`${a} needs a value`);
    return args[++i];
  };
  if (a === '--version') opts.version = true;
  else if (a === '--standard-json') opts.standardJson = true;
  else if (a === '--base-path') opts.basePath = takeValue();
  else if (a === '--include-path') opts.includePaths.push(takeValue());
  else if (a === '--allow-paths') opts.allowPaths.push(...takeValue().split(','));
  else if (a.startsWith('--base-path=')) opts.basePath = a.slice('--base-path='.length);
  else if (a.startsWith('--include-path=')) opts.includePaths.push(a.slice('--include-path='.length));
  else if (a.startsWith('--allow-paths=')) opts.allowPaths.push(...a.slice('--allow-paths='.length).split(','));
  else fail(`unsupported argument "${a}" (this shim supports --version and --standard-json)`);
}

if (opts.version) {
  const text = `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`;
  process.stdout.write(text, () => process.exit(0));
  return;
}
if (!opts.standardJson) fail('nothing to do: pass --version or --standard-json');

// Resolve an import the way solc's virtual file system does for our use: relative to the base
// path, then each include path, then as given (absolute, or relative to the working directory).
function findImport(importPath) {
  const roots = [opts.basePath, ...opts.includePaths].filter(Boolean);
  const candidates = roots.map((r) => path.resolve(r, importPath));
  candidates.push(path.resolve(importPath));
  for (const c of candidates) {
    try {
      return { contents: fs.readFileSync(c, 'utf8') };
    } catch (_) {
      // try the next root
    }
  }
  return { error: `File not found: ${importPath} (looked in ${candidates.join(', ')})` };
}

let input;
try {
  input = fs.readFileSync(0, 'utf8');
} catch (e) {
  fail(`cannot read standard JSON from stdin: ${e.message}`);
}

let output;
try {
  output = solc.compile(input, { import: findImport });
} catch (e) {
  // Report an internal compiler failure inside the JSON, as native solc does.
  output = JSON.stringify({
    errors: [{ type: 'InternalCompilerError', component: 'general', severity: 'error',
      message: String(e && e.message ? e.message : e), formattedMessage: String(e) }],
  });
}
// stdout to a pipe is asynchronous in node: exit only once everything is flushed, or a large
// output would be cut off at the pipe buffer size.
process.stdout.write(output + '\n', () => process.exit(0));
