/** Runs `cesim` in-process with captured output. */
import { main } from '../../emulator/cli.js';
import type { CliIo } from '../../emulator/cli/io.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CliIo that records what a command writes. */
export function captureIo(stdin?: NodeJS.ReadableStream): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stderrIsTTY: false, ...(stdin ? { stdin } : {}) };
}

/** `cesim …argv` in this process. */
export async function cesim(...argv: string[]): Promise<Captured> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}
