/**
 * `cesim run [scenario|file.json|module.ts]`: runs a scenario and prints its summary (or one
 * JSON document), writing the report, pcap, key log and trace when asked. Exit 0 when every
 * assertion held, 1 when one failed or the run broke (the message names it), 2 on bad usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { getProfile, loadProfile, profileFromFile, type DeviceProfile } from '../../device/index.js';
import { writePcap } from '../capture/index.js';
import { writeReport } from '../report/index.js';
import { hostMonotonicMs } from '../bridge/realtime.js';
import { applyOverrides, loadScenario, runScenario, DEFAULT_SCENARIO, type RunOptions, type RunSummary, type Scenario } from '../scenario/index.js';
import { BudgetError, applyBudgets, baselineOf, budgetsFromFile, type BudgetSpec } from '../scenario/budget.js';
import { UsageError, helpText, parseAllocFailureSpec, parseCommand, parseFaultSpec, seedOption, type CommandSpec } from './args.js';
import { formatSummary } from './format.js';
import { adviseFromDemand, demandOfSeed, type GroupAdvice } from './advise-core.js';
import type { CliIo } from './io.js';

/** The `run` command's options. */
export const RUN_COMMAND: CommandSpec = {
  name: 'run',
  synopsis: 'cesim run [SCENARIO | FILE.json | MODULE.ts] [options]',
  summary: `Runs a scenario on the emulated loop (default: "${DEFAULT_SCENARIO}") and prints status per program, negotiated protocol and suite, virtual time (CPU and network), peak bytes per pool, leaks, faults and the trace hash. Exits 1 naming the first failed assertion.`,
  maxPositionals: 1,
  options: {
    seed: { type: 'string', value: 'N', description: 'root seed (overrides the scenario\'s)' },
    profile: { type: 'string', value: 'P', description: 'device profile for the client devices: a built-in name or a profile JSON file' },
    profiles: { type: 'string', value: 'DIR', description: 'build each device group from DIR/GROUP.profile.json where it exists (what cesim advise --write DIR writes)' },
    json: { type: 'boolean', description: 'print one JSON document (docs/run-json.md) instead of the summary' },
    report: { type: 'string', value: 'FILE.html', description: 'write the HTML report' },
    pcap: { type: 'string', value: 'FILE.pcap', description: 'write the emulated network traffic as pcap' },
    keylog: { type: 'string', value: 'FILE', description: 'write the TLS secrets as an NSS key log (for Wireshark)' },
    trace: { type: 'string', value: 'FILE', description: 'write every trace event as JSON lines' },
    set: { type: 'string', multiple: true, value: 'PATH=VALUE', description: 'override a scenario field, e.g. devices[1].count=50' },
    faults: { type: 'string', value: 'SPEC', description: 'extra link impairments on every link: loss=P,reorder=P,duplicate=P,corrupt=P,jitter=MS' },
    'alloc-failures': { type: 'string', value: 'SPEC', description: 'forced allocation failures on every device: p=P or nth=A..B, with tag=GLOB, pool=NAME, devices=a+b' },
    program: { type: 'string', value: 'APP.wasm', description: 'run a module built by `cesim cc` as the client device\'s process instead of its program (its roots stay trusted)' },
    advise: { type: 'boolean', description: "also run on unbounded shadow pools and print the pool-size advisor's buckets for this seed (cesim advise runs many seeds); in the report and --json" },
    budget: { type: 'string', value: 'FILE.json', description: 'memory budgets (docs/memory-diagnostics.md): a breach fails the run (exit 1) naming the device, pool or owner' },
    'write-baseline': { type: 'string', value: 'FILE.json', description: 'write the run\'s pool, heap, stack and owner peaks per device: the baseline a peak-not-above-baseline budget compares against' },
    'alloc-trace': { type: 'string', value: 'FILE', description: 'write every allocation as JSON lines: time, device, process, owner tag, call, pool, size, bucket, fall-through, result' },
  },
  notes: 'Built-in scenarios: `cesim scenarios`. Exit codes: 0 pass, 1 an assertion failed or the run broke, 2 bad usage.',
};

/**
 * The scenario with its first client device running `module` (a `cesim cc` build) instead of
 * its programs; the roots its TLS client trusted go into the device's ROOT store, and
 * handshake-time assertions on it are dropped (a C program reports no handshake time).
 */
export function withWasmProgram(sc: Scenario, module: string): Scenario {
  const clientPrograms = new Set(['tls-client', 'echo-client']);
  const dev = sc.devices.find((d) => (d.processes ?? []).some((p) => typeof p.program === 'string' && clientPrograms.has(p.program)));
  if (!dev) throw new UsageError('run: --program: the scenario has no client device to run it on');
  const roots = (dev.processes ?? []).flatMap((p) => (Array.isArray(p.params?.roots) ? (p.params!.roots as string[]) : []));
  const startMs = dev.processes?.[0]?.startMs ?? 0;
  const name = `${basename(module).replace(/\.wasm$/i, '')}.exe`;
  return {
    ...sc,
    devices: sc.devices.map((d) => (d === dev ? { ...d, processes: [{ name, program: 'wasm', startMs, params: { module, roots } }] } : d)),
    assertions: (sc.assertions ?? []).filter((a) => !(a.kind === 'handshake-within' && (a.device === undefined || a.device === dev.name))),
  };
}

/**
 * `--profiles DIR`: the scenario with each device group whose `DIR/GROUP.profile.json` exists
 * built from that profile (`cesim advise --write DIR` writes one per group). A bad profile, or
 * a folder with none of the groups' files, is a usage error.
 */
export function withGroupProfiles(cmd: string, sc: Scenario, dir: string): Scenario {
  let found = 0;
  const devices = sc.devices.map((d) => {
    const file = join(dir, `${d.name}.profile.json`);
    if (!existsSync(file)) return d;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      loadProfile(json);
    } catch (e) {
      throw new UsageError(`${cmd}: --profiles: ${file}: ${(e as Error).message}`);
    }
    found++;
    return { ...d, profile: json };
  });
  if (found === 0) throw new UsageError(`${cmd}: --profiles: ${dir} holds none of ${sc.devices.map((d) => `${d.name}.profile.json`).join(', ')}`);
  return { ...sc, devices };
}

/** Resolves `--profile`: a built-in name or a JSON file. */
export function profileOption(cmd: string, v: string): DeviceProfile {
  if (/\.json$/i.test(v)) {
    try {
      return profileFromFile(v);
    } catch (e) {
      throw new UsageError(`${cmd}: --profile: ${(e as Error).message}`);
    }
  }
  try {
    return getProfile(v);
  } catch (e) {
    throw new UsageError(`${cmd}: --profile: ${(e as Error).message.replace(/^name: /, '')}`);
  }
}

/** Run options from the options `run` and `campaign` share. */
export function sharedRunOptions(cmd: string, values: Record<string, unknown>): RunOptions {
  const o: RunOptions = {};
  const seed = seedOption(values.seed);
  if (seed !== undefined) o.seed = seed;
  if (typeof values.profile === 'string') o.clientProfile = profileOption(cmd, values.profile);
  if (typeof values.faults === 'string') o.linkFaults = parseFaultSpec(cmd, values.faults);
  if (typeof values['alloc-failures'] === 'string') o.allocFailures = parseAllocFailureSpec(cmd, values['alloc-failures']);
  return o;
}

/** The first failed assertion, or what broke, in one line; null when the run passed. */
export function failureMessage(s: RunSummary): string | null {
  if (s.result === 'pass') return null;
  const a = s.assertions.find((x) => !x.passed);
  if (s.result === 'fail' && a) return `assertion failed: ${a.name}: ${a.detail}`;
  if (s.stop.failed) return `run failed: ${s.stop.failed}`;
  if (s.stop.reason === 'time-limit') return `run hit the time limit at ${(s.stop.virtualTimeNs / 1e6).toFixed(3)} virtual ms${s.stop.hung.length ? `; hung: ${s.stop.hung[0]}` : ''}`;
  if (s.stop.hung.length > 0) return `run hung: ${s.stop.hung[0]}`;
  const ex = s.programs.find((p) => p.exception);
  if (ex) return `exception in ${ex.device}/${ex.process}: ${ex.exception}`;
  return a ? `assertion failed: ${a.name}: ${a.detail}` : 'run failed';
}

/** `cesim run`. */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(RUN_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(RUN_COMMAND));
    return 0;
  }
  const opts = sharedRunOptions('run', values);
  const loaded = await loadScenario(positionals[0] ?? DEFAULT_SCENARIO);
  if (typeof values.program === 'string') loaded.scenario = withWasmProgram(loaded.scenario, resolve(values.program));
  if (typeof values.profiles === 'string') loaded.scenario = withGroupProfiles('run', loaded.scenario, values.profiles);
  const sets = (values.set as string[] | undefined) ?? [];
  if (sets.length > 0) loaded.scenario = applyOverrides(loaded.scenario, sets);
  if (values.report) opts.report = true;
  if (values.pcap) opts.pcap = true;
  if (values.keylog) opts.keylog = true;
  if (values.trace) opts.keepTrace = true;
  let budgets: { budgets: BudgetSpec[]; baseDir: string } | null = null;
  if (typeof values.budget === 'string') {
    try {
      budgets = budgetsFromFile(values.budget);
    } catch (e) {
      if (e instanceof BudgetError) throw new UsageError(`run: --budget: ${e.message}`);
      throw e;
    }
  }
  const allocLines: string[] = [];
  if (typeof values['alloc-trace'] === 'string') opts.allocTrace = (device, r) => void allocLines.push(JSON.stringify({ device, ...r }));
  const t0 = hostMonotonicMs();
  const out = await runScenario(loaded, opts);
  const wallMs = hostMonotonicMs() - t0;
  const s = out.summary;
  if (budgets) {
    const verdicts = applyBudgets(s, budgets.budgets, budgets.baseDir);
    if (out.report) {
      out.report.assertions.push(...verdicts);
      out.report.meta.result = s.result;
    }
  }
  let advice: GroupAdvice[] | null = null;
  if (values.advise) {
    const seed = typeof s.seed === 'number' ? s.seed : 1;
    const base: RunOptions = { ...opts };
    delete base.report;
    delete base.pcap;
    delete base.keylog;
    delete base.keepTrace;
    delete base.allocTrace;
    advice = adviseFromDemand([await demandOfSeed(loaded, seed, base)]);
    if (out.report) {
      out.report.advice = advice.map((g) => ({
        group: g.group,
        profile: g.profile,
        pools: g.pools.map((p) => ({
          pool: p.pool,
          builtIn: { buckets: p.builtIn.buckets, regionBytes: p.builtIn.regionBytes, failures: p.builtIn.replay.failures, unusedBytes: p.builtIn.unusedBytes },
          advised: { buckets: p.advised.buckets.map((b) => ({ blockSize: b.blockSize, count: b.count, minCount: b.minCount, worstRun: b.worstRun })), regionBytes: p.advised.regionBytes },
        })),
      }));
    }
  }
  if (typeof values['write-baseline'] === 'string') await writeFile(values['write-baseline'], JSON.stringify(baselineOf(s), null, 2) + '\n');
  if (typeof values.report === 'string' && out.report) await writeReport(values.report, out.report);
  if (typeof values['alloc-trace'] === 'string') await writeFile(values['alloc-trace'], allocLines.map((l) => `${l}\n`).join(''));
  if (typeof values.pcap === 'string' && out.segments) await writePcap(values.pcap, out.segments);
  if (typeof values.trace === 'string' && out.traceLines !== undefined) await writeFile(values.trace, out.traceLines);
  if (typeof values.keylog === 'string') {
    const lines = out.keylogLines;
    await writeFile(
      values.keylog,
      lines === null || lines === undefined
        ? '# cesim: Schannel has no key log hook yet (onSchannelKeyLog in schannel/index.ts); no secrets were logged.\n'
        : lines.map((l) => `${l}\n`).join(''),
      { mode: 0o600 },
    );
    if (lines === null) io.stderr('cesim run: --keylog: Schannel does not export onSchannelKeyLog yet; the key log holds no secrets\n');
  }
  if (values.json) io.stdout(JSON.stringify({ ...s, ...(advice ? { advice } : {}), hostTimeMs: Math.round(wallMs) }, null, 2) + '\n');
  else {
    io.stdout(formatSummary(s, wallMs));
    if (advice) {
      io.stdout('\nPool-size advisor (this seed; cesim advise runs many)\n');
      for (const g of advice) {
        io.stdout(`  ${g.group} (${g.profile}): ${g.advisedBytes.toLocaleString('en-US')} B of pools advised vs ${g.builtInBytes.toLocaleString('en-US')} B in the profile\n`);
        for (const p of g.pools) io.stdout(`    ${p.pool.padEnd(8)} ${p.advised.buckets.map((b) => `${b.blockSize}×${b.count}`).join(', ')}\n`);
      }
    }
  }
  const msg = failureMessage(s);
  if (msg) {
    io.stderr(`cesim run: ${msg}\n`);
    return 1;
  }
  return 0;
}
