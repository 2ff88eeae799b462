/** Where a command writes: standard output and error (tests capture them), and standard input. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input (for `cesim connect` without a request), when there is one to read. */
  stdin?: NodeJS.ReadableStream;
  /** Whether standard error is a terminal (progress bars only then). */
  stderrIsTTY: boolean;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdin: process.stdin,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
