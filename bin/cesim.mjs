#!/usr/bin/env node
// The `cesim` command: registers tsx so the TypeScript sources run on Node 20, then runs the CLI.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(join(here, '..', 'emulator', 'cli.ts')).href);
process.exitCode = await main(process.argv.slice(2));
