/**
 * The `cesim` command: `run`, `campaign`, `profiles`, `scenarios`, `serve`, `connect`.
 * `bin/cesim.mjs` and `npm start` call {@link main}; `tsx emulator/cli.ts …` runs it directly.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ScenarioError } from './scenario/index.js';
import { packageVersion } from './package-root.js';
import { UsageError } from './cli/args.js';
import { processIo, type CliIo } from './cli/io.js';
import { runCommand } from './cli/run.js';
import { profilesCommand, scenariosCommand } from './cli/profiles.js';
import { campaignCommand } from './cli/campaign.js';
import { adviseCommand } from './cli/advise.js';
import { serveCommand, connectCommand } from './cli/bridge.js';

const COMMANDS: Record<string, { summary: string; run: (argv: readonly string[], io: CliIo) => Promise<number> }> = {
  run: { summary: 'run a scenario and print its summary (or --json)', run: runCommand },
  campaign: { summary: 'run a scenario once per seed with link faults and allocation failures, on worker threads', run: campaignCommand },
  advise: { summary: 'pool-size advisor: the smallest bucket configuration under which every seed passes', run: adviseCommand },
  profiles: { summary: 'list the device profiles with their pools, CPU and RAM', run: profilesCommand },
  scenarios: { summary: 'list the built-in scenarios', run: scenariosCommand },
  serve: { summary: 'an emulated TLS server device behind a real TCP port (real time)', run: serveCommand },
  connect: { summary: 'an emulated TLS client device to a real server (real time)', run: connectCommand },
};

/** The top-level help. */
export function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'Usage: cesim <command> [options]',
    '',
    'cesim emulates Windows CE 2.10 devices running Security.dll/Schannel code: memory pools, CPU cost, a deterministic network.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`),
    '',
    "Run 'cesim <command> --help' for a command's options, 'cesim --version' for the version.",
    '',
  ].join('\n');
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to the exit code:
 * 0 success, 1 a failed assertion / handshake / run, 2 bad usage.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(mainHelp());
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    io.stdout(`cesim ${packageVersion()}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    io.stderr(`cesim: unknown command ${JSON.stringify(cmd)} (commands: ${Object.keys(COMMANDS).join(', ')}); see cesim --help\n`);
    return 2;
  }
  try {
    return await c.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cesim ${e.message}\nSee 'cesim ${cmd} --help'.\n`);
      return 2;
    }
    if (e instanceof ScenarioError || (e instanceof Error && /^(no built-in scenario|scenario file not found)/.test(e.message))) {
      io.stderr(`cesim ${cmd}: ${e instanceof ScenarioError ? 'invalid scenario: ' : ''}${e.message}\n`);
      return 2;
    }
    io.stderr(`cesim ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
