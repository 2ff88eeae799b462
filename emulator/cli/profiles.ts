/** `cesim profiles` and `cesim scenarios`: what devices and scenarios are built in. */
import { BUILTIN_PROFILES, CE_IMAGE_SECURITY_PACKAGES, FixedPool } from '../../device/index.js';
import { builtinScenarios } from '../scenario/index.js';
import { helpText, parseCommand, type CommandSpec } from './args.js';
import { digits, fmtBytes } from './format.js';
import type { CliIo } from './io.js';

/** The `profiles` command. */
export const PROFILES_COMMAND: CommandSpec = {
  name: 'profiles',
  synopsis: 'cesim profiles [--json]',
  summary: 'Lists the built-in device profiles with their pools (buckets, capacity, region), CPU and RAM.',
  maxPositionals: 0,
  options: { json: { type: 'boolean', description: 'print the profiles as JSON' } },
};

/** The `scenarios` command. */
export const SCENARIOS_COMMAND: CommandSpec = {
  name: 'scenarios',
  synopsis: 'cesim scenarios',
  summary: 'Lists the built-in scenarios.',
  maxPositionals: 0,
  options: {},
};

/** `cesim profiles`. */
export async function profilesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(PROFILES_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(PROFILES_COMMAND));
    return 0;
  }
  const rows = Object.values(BUILTIN_PROFILES).map((p) => ({
    name: p.name,
    description: p.description,
    ramBytes: p.ramBytes,
    heapBytes: p.heapBytes,
    stackBytes: p.stackBytes,
    cpu: { name: p.cpu.name, mhz: p.cpu.mhz },
    securityPackages: [...(p.securityPackages ?? CE_IMAGE_SECURITY_PACKAGES)],
    pools: p.pools.map((pool) => ({
      name: pool.name,
      policy: pool.policy ?? 'fallthrough',
      buckets: pool.buckets.map((b) => ({ ...b })),
      capacityBytes: pool.buckets.reduce((n, b) => n + b.blockSize * b.count, 0),
      regionBytes: FixedPool.regionSize(pool),
    })),
  }));
  if (values.json) {
    io.stdout(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.name}: ${r.description}`);
    out.push(`  CPU ${r.cpu.name} ${r.cpu.mhz} MHz; RAM ${fmtBytes(r.ramBytes)}; process heap ${fmtBytes(r.heapBytes)}; stack ${fmtBytes(r.stackBytes)}`);
    out.push(`  security packages (HKLM\\Comm\\SecurityProviders): ${r.securityPackages.join(', ') || 'none'}`);
    for (const p of r.pools) {
      out.push(`  pool ${p.name.padEnd(8)} ${digits(p.capacityBytes).padStart(7)} B usable, ${digits(p.regionBytes).padStart(7)} B region (${p.policy}): ${p.buckets.map((b) => `${b.count}×${b.blockSize}`).join(' ')}`);
    }
    out.push('');
  }
  io.stdout(out.join('\n'));
  return 0;
}

/** `cesim scenarios`. */
export async function scenariosCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(SCENARIOS_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(SCENARIOS_COMMAND));
    return 0;
  }
  for (const s of builtinScenarios()) io.stdout(`${s.name.padEnd(12)} ${s.description}\n`);
  return 0;
}
