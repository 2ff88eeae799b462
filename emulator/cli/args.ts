/**
 * Command-line parsing on `node:util`'s `parseArgs` (strict: unknown options are errors), with
 * help text generated from the same option table, and the value parsers the commands share.
 */
import { parseArgs } from 'node:util';
import type { AllocFailureOverride, LinkFaultOverride } from '../scenario/index.js';

/** A usage error: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder in the help text, e.g. `N`, `FILE`. */
  value?: string;
  description: string;
}

/** A command's usage: its synopsis, what it does, its options. */
export interface CommandSpec {
  name: string;
  synopsis: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  notes?: string;
  /** Most positional arguments accepted. */
  maxPositionals: number;
}

/** The help text of a command. */
export function helpText(c: CommandSpec): string {
  const lines = [`Usage: ${c.synopsis}`, '', c.summary, '', 'Options:'];
  const rows = Object.entries({ ...c.options, help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec }).map(([name, o]) => [
    `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
    o.description + (o.multiple ? ' (repeatable)' : ''),
  ]);
  const w = Math.max(...rows.map((r) => r[0]!.length)) + 2;
  for (const [a, b] of rows) lines.push(a!.padEnd(w) + b!);
  if (c.notes) lines.push('', c.notes);
  return lines.join('\n') + '\n';
}

/** Parsed arguments: option values by name and the positionals. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `argv` for a command; throws {@link UsageError} on unknown options, missing values, extra arguments. */
export function parseCommand(c: CommandSpec, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [k, o] of Object.entries(c.options)) options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${c.name}: ${msg}`);
  }
  if (!r.values.help && r.positionals.length > c.maxPositionals) {
    throw new UsageError(`${c.name}: unexpected argument ${JSON.stringify(r.positionals[c.maxPositionals])}`);
  }
  return { values: r.values as Parsed['values'], positionals: r.positionals };
}

/** A non-negative integer option. */
export function intOption(cmd: string, name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new UsageError(`${cmd}: --${name}: expected an integer in ${min}..${max}, got ${JSON.stringify(s)}`);
  return Number(s);
}

/** A seed: an integer, or any string (hashed by the seeded stream). */
export function seedOption(v: unknown): number | string | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  return /^\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : s;
}

/** `A..B` or `N` → the inclusive range of seeds. */
export function seedRange(cmd: string, v: unknown): [number, number] {
  const s = String(v ?? '');
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(s);
  if (!m) throw new UsageError(`${cmd}: --seeds: expected A..B (e.g. 1..500) or N, got ${JSON.stringify(s)}`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new UsageError(`${cmd}: --seeds: the range ${s} is empty`);
  if (b - a >= 10_000_000) throw new UsageError(`${cmd}: --seeds: at most 10,000,000 seeds`);
  return [a, b];
}

function kv(cmd: string, opt: string, spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${cmd}: --${opt}: expected key=value[,key=value…], got ${JSON.stringify(part)}`);
    m.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return m;
}

function prob(cmd: string, opt: string, k: string, v: string): number {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${cmd}: --${opt}: ${k}: expected a probability in [0, 1], got ${JSON.stringify(v)}`);
  return n;
}

/**
 * `--faults loss=0.02,reorder=0.05,duplicate=0.01,corrupt=0.001,jitter=2`: link impairments
 * added to every link (probabilities; jitter in virtual ms).
 */
export function parseFaultSpec(cmd: string, spec: string): LinkFaultOverride {
  const o: LinkFaultOverride = {};
  for (const [k, v] of kv(cmd, 'faults', spec)) {
    if (k === 'loss' || k === 'reorder' || k === 'duplicate' || k === 'corrupt') o[k] = prob(cmd, 'faults', k, v);
    else if (k === 'jitter') {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${cmd}: --faults: jitter: expected milliseconds >= 0, got ${JSON.stringify(v)}`);
      o.jitterMs = n;
    } else throw new UsageError(`${cmd}: --faults: unknown key ${JSON.stringify(k)} (expected loss, reorder, duplicate, corrupt, jitter)`);
  }
  return o;
}

/**
 * `--alloc-failures p=0.001[,tag=GLOB][,pool=NAME][,devices=a+b]` or `nth=A..B[,…]`: forced
 * allocation failures on every device (or the devices listed): each allocation fails with
 * probability p, or the nth matching one, n drawn per run from A..B with the run's seed.
 */
export function parseAllocFailureSpec(cmd: string, spec: string): AllocFailureOverride {
  const o: AllocFailureOverride = {};
  for (const [k, v] of kv(cmd, 'alloc-failures', spec)) {
    if (k === 'p' || k === 'probability') o.probability = prob(cmd, 'alloc-failures', k, v);
    else if (k === 'nth') {
      const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v);
      if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
        throw new UsageError(`${cmd}: --alloc-failures: nth: expected N or A..B with 1 <= A <= B, got ${JSON.stringify(v)}`);
      }
      o.nthRange = [Number(m[1]), Number(m[2] ?? m[1])];
    } else if (k === 'tag') o.tag = v;
    else if (k === 'pool') o.pool = v;
    else if (k === 'devices') o.devices = v.split('+').filter(Boolean);
    else throw new UsageError(`${cmd}: --alloc-failures: unknown key ${JSON.stringify(k)} (expected p, nth, tag, pool, devices)`);
  }
  if (o.probability === undefined && o.nthRange === undefined) throw new UsageError(`${cmd}: --alloc-failures: expected p=PROBABILITY or nth=A..B`);
  return o;
}

/** `HOST:PORT` → parts. */
export function hostPort(cmd: string, opt: string, v: string, allowAnyPort = false): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) < (allowAnyPort ? 0 : 1) || Number(m[2]) > 65535) throw new UsageError(`${cmd}: ${opt}: expected HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

/** A comma-separated list (`--alpn h2,http/1.1`). */
export function listOption(v: unknown): string[] {
  return v === undefined ? [] : String(v).split(',').map((x) => x.trim()).filter(Boolean);
}
