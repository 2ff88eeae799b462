#!/usr/bin/env node
// The `cesim` command. Installed from npm it runs the compiled JavaScript in dist/ with plain
// Node. In a source checkout that has not been built (no dist/), it runs the TypeScript sources
// through tsx (a development dependency) and says so; without tsx it says how to build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'emulator', 'cli.js');
let cli;
if (existsSync(built) && process.env.CESIM_FROM_SOURCE !== '1') {
  cli = built;
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      `cesim: ${process.env.CESIM_FROM_SOURCE === '1' ? 'CESIM_FROM_SOURCE=1 asks for the TypeScript sources' : `${built} is missing`}, and tsx (needed to run the sources) is not installed.\n` +
        `In a clone of cesim run 'npm ci' (it installs tsx and builds dist/), or 'npm run build'.\n`,
    );
    process.exit(1);
  }
  if (process.env.CESIM_FROM_SOURCE !== '1') process.stderr.write('cesim: no dist/ (run npm run build); running the TypeScript sources through tsx\n');
  register();
  cli = join(root, 'emulator', 'cli.ts');
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
