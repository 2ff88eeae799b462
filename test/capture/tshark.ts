/**
 * Test helper: runs Wireshark's `tshark` on a capture file.
 *
 * `.ci/run` installs tshark; the gate is test/support/peers.ts `requireTool`, so under CI a
 * missing tshark fails the suites and on a developer machine without it they are skipped.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '../support/peers.js';

const run = promisify(execFile);

/** True when the tshark suites run: tshark is installed (under CI a missing tshark throws here). */
export const RUN_TSHARK_SUITES = requireTool('tshark', ['--version'], 'apt-get install tshark');

/** The tshark command (the suites that call it run only when {@link RUN_TSHARK_SUITES}). */
export const TSHARK = 'tshark';

/** The tshark command; throws when the suites should not have run. */
export function requireTshark(): string {
  if (!RUN_TSHARK_SUITES) throw new Error('tshark is not installed (apt-get install tshark; .ci/run does this)');
  return TSHARK;
}

/** Runs tshark with `args` and returns its standard output; a non-zero exit throws with its stderr. */
export async function tshark(args: string[]): Promise<string> {
  const cmd = requireTshark();
  // -n: no name resolution (no DNS lookups from a test); the checksum checks are off by default in Wireshark.
  const { stdout } = await run(cmd, ['-n', ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

/** Splits tshark `-T fields` output into rows of tab-separated fields, dropping the trailing blank line. */
export function fieldRows(out: string): string[][] {
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}
