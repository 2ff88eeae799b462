/**
 * Test helper: runs Wireshark's `tshark` on a capture file.
 *
 * `.ci/run` installs tshark, so under CI (`process.env.CI` set) a missing tshark fails the
 * suites loudly; on a developer machine without it they are skipped with a message.
 */

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function findTshark(): string | null {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return 'tshark';
  } catch {
    return null;
  }
}

/** The tshark command when it is installed, else null. */
export const TSHARK = findTshark();

/** True when the tshark suites should run (installed, or under CI where its absence is a failure). */
export const RUN_TSHARK_SUITES = TSHARK !== null || Boolean(process.env.CI);

if (!RUN_TSHARK_SUITES) {
  console.warn('tshark is not installed: skipping the capture decode suites (apt-get install tshark; .ci/run does this)');
}

/** Throws a clear error when tshark is missing (under CI the suites run anyway and fail here). */
export function requireTshark(): string {
  if (TSHARK === null) throw new Error('tshark is not installed but CI is set: .ci/run should have installed it (apt-get install tshark)');
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
