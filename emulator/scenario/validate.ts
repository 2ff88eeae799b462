/**
 * Scenario validation by hand, against the shape `scenarios/schema.json` documents. Every error
 * names the field's path and what was expected, e.g.
 * `devices[1].profile: expected one of ce210-handheld, ce210-tight or a profile object`.
 */
import { BUILTIN_PROFILES, ProfileError, loadProfile } from '../../device/index.js';
import { BUILTIN_PROGRAMS, parseTarget, validateParams, type ProgramDefinition } from '../programs/index.js';
import { BUDGET_KINDS, budgetErrors, budgetName, isBudgetKind } from './budget.js';
import type { AssertionSpec, DeviceSpec, FailureSpec, FaultSpec, LinkSpec, ProcessSpec, Scenario } from './types.js';

/** A scenario that does not validate; `errors` lists every problem found, each with its path. */
export class ScenarioError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.length === 1 ? errors[0]! : `${errors.length} problems:\n  ${errors.join('\n  ')}`);
    this.name = 'ScenarioError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? 'a function' : JSON.stringify(v) ?? String(v));

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_.\-]*$/;

const j = (path: string, k: string): string => (path ? `${path}.${k}` : k);

class Checker {
  readonly errors: string[] = [];
  err(path: string, msg: string): void {
    this.errors.push(`${path}: ${msg}`);
  }
  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.err(j(path, k), `unknown field (expected one of ${allowed.join(', ')})`);
  }
  str(o: Obj, k: string, path: string, required: boolean, re?: RegExp, what?: string): string | undefined {
    const v = o[k];
    if (v === undefined) {
      if (required) this.err(j(path, k), `required: expected ${what ?? 'a string'}`);
      return undefined;
    }
    if (typeof v !== 'string' || (re && !re.test(v))) {
      this.err(j(path, k), `expected ${what ?? 'a string'}, got ${show(v)}`);
      return undefined;
    }
    return v;
  }
  num(o: Obj, k: string, path: string, opts: { required?: boolean; min?: number; max?: number; integer?: boolean; minExclusive?: boolean } = {}): number | undefined {
    const v = o[k];
    if (v === undefined) {
      if (opts.required) this.err(j(path, k), `required: expected ${opts.integer ? 'an integer' : 'a number'}`);
      return undefined;
    }
    const range = opts.min !== undefined || opts.max !== undefined ? ` ${opts.minExclusive ? '>' : '>='} ${opts.min ?? '-∞'}${opts.max !== undefined ? ` and <= ${opts.max}` : ''}` : '';
    const what = `${opts.integer ? 'an integer' : 'a number'}${range}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
      this.err(j(path, k), `expected ${what}, got ${show(v)}`);
      return undefined;
    }
    if ((opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) || (opts.max !== undefined && v > opts.max)) {
      this.err(j(path, k), `expected ${what}, got ${v}`);
      return undefined;
    }
    return v;
  }
  prob(o: Obj, k: string, path: string): void {
    this.num(o, k, path, { min: 0, max: 1 });
  }
}

/** Every device name a scenario defines: group names and member names. */
function deviceNames(devices: readonly DeviceSpec[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of devices) {
    const count = d.count ?? 1;
    const members = count === 1 ? [d.name] : Array.from({ length: count }, (_, i) => `${d.name}-${i + 1}`);
    m.set(d.name, members);
    if (count > 1) for (const x of members) m.set(x, [x]);
  }
  return m;
}

/**
 * Validates a scenario (parsed JSON, or a TypeScript module's object). Returns it typed, or
 * throws a {@link ScenarioError} listing every problem with its field path.
 */
export function validateScenario(input: unknown): Scenario {
  const c = new Checker();
  if (!isObj(input)) throw new ScenarioError(['scenario: expected an object']);
  c.keys(input, '', ['$schema', 'name', 'description', 'seed', 'timeLimitMs', 'devices', 'links', 'faults', 'assertions']);
  c.str(input, 'name', '', true, NAME, 'a name (letters, digits, _ . -)');
  c.str(input, 'description', '', false);
  if (input.seed !== undefined && typeof input.seed !== 'string' && !(typeof input.seed === 'number' && Number.isSafeInteger(input.seed) && input.seed >= 0)) {
    c.err('seed', `expected a non-negative integer or a string, got ${show(input.seed)}`);
  }
  c.num(input, 'timeLimitMs', '', { min: 0, minExclusive: true });
  const devices = input.devices;
  const names = new Set<string>();
  const addresses = new Set<string>();
  if (!Array.isArray(devices) || devices.length === 0) c.err('devices', 'expected a non-empty array of devices');
  else devices.forEach((d, i) => checkDevice(c, d, `devices[${i}]`, names, addresses));
  const known = Array.isArray(devices) && c.errors.length === 0 ? deviceNames(devices as DeviceSpec[]) : new Map([...names].map((n) => [n, [n]]));
  const dev = (o: Obj, k: string, path: string, required = true): void => {
    const v = c.str(o, k, path, required, undefined, 'a device name');
    if (v !== undefined && !known.has(v)) c.err(`${path}.${k}`, `expected a device name (one of ${[...names].join(', ')}), got ${show(v)}`);
  };
  if (input.links !== undefined) {
    if (!Array.isArray(input.links)) c.err('links', 'expected an array of links');
    else input.links.forEach((l, i) => checkLink(c, l, `links[${i}]`, known, names));
  }
  if (input.faults !== undefined) {
    if (!Array.isArray(input.faults)) c.err('faults', 'expected an array of faults');
    else input.faults.forEach((f, i) => checkFault(c, f, `faults[${i}]`, dev, known, names));
  }
  if (input.assertions !== undefined) {
    if (!Array.isArray(input.assertions)) c.err('assertions', 'expected an array of assertions');
    else input.assertions.forEach((a, i) => checkAssertion(c, a, `assertions[${i}]`, dev));
  }
  if (c.errors.length > 0) throw new ScenarioError(c.errors);
  return input as unknown as Scenario;
}

function checkDevice(c: Checker, d: unknown, path: string, names: Set<string>, addresses: Set<string>): void {
  if (!isObj(d)) return c.err(path, 'expected a device object');
  c.keys(d, path, ['name', 'profile', 'address', 'count', 'stackCheck', 'recordSizeLimit', 'processes', 'failures']);
  const name = c.str(d, 'name', path, true, NAME, 'a device name (letters, digits, _ . -)');
  if (name !== undefined) {
    if (names.has(name)) c.err(`${path}.name`, `duplicate device name ${show(name)}`);
    names.add(name);
  }
  const prof = d.profile;
  const builtins = Object.keys(BUILTIN_PROFILES);
  const profWhat = `expected one of ${builtins.join(', ')} or a profile object`;
  if (typeof prof === 'string') {
    if (!builtins.includes(prof)) c.err(`${path}.profile`, `${profWhat}, got ${show(prof)}`);
  } else if (isObj(prof)) {
    try {
      loadProfile(prof);
    } catch (e) {
      if (e instanceof ProfileError) c.err(`${path}.profile.${e.field}`, e.message.slice(e.field.length + 2));
      else c.err(`${path}.profile`, (e as Error).message);
    }
  } else c.err(`${path}.profile`, prof === undefined ? `required: ${profWhat}` : `${profWhat}, got ${show(prof)}`);
  const addr = c.str(d, 'address', path, true, IPV4, 'an IPv4 address such as 10.0.0.1');
  const count = c.num(d, 'count', path, { integer: true, min: 1, max: 100000 }) ?? 1;
  if (addr !== undefined) {
    const base = addr.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    if (base + count - 1 > 0xfffffffe) c.err(`${path}.count`, `expected the group's addresses to fit IPv4 from ${addr}`);
    else
      for (let i = 0; i < count; i++) {
        const a = base + i;
        const s = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
        if (addresses.has(s)) {
          c.err(`${path}.address`, `address ${s} is used by another device`);
          break;
        }
        addresses.add(s);
      }
  }
  if (d.stackCheck !== undefined && typeof d.stackCheck !== 'boolean') c.err(`${path}.stackCheck`, `expected true or false, got ${show(d.stackCheck)}`);
  if (d.recordSizeLimit !== undefined && !(Number.isInteger(d.recordSizeLimit) && (d.recordSizeLimit as number) >= 64 && (d.recordSizeLimit as number) <= 16385)) {
    c.err(`${path}.recordSizeLimit`, `expected an integer from 64 to 16385 (RFC 8449), got ${show(d.recordSizeLimit)}`);
  }
  if (d.processes !== undefined) {
    if (!Array.isArray(d.processes)) c.err(`${path}.processes`, 'expected an array of processes');
    else d.processes.forEach((p, i) => checkProcess(c, p, `${path}.processes[${i}]`));
  }
  if (d.failures !== undefined) {
    if (!Array.isArray(d.failures)) c.err(`${path}.failures`, 'expected an array of allocation-failure rules');
    else d.failures.forEach((f, i) => checkFailure(c, f, `${path}.failures[${i}]`));
  }
}

function checkProcess(c: Checker, p: unknown, path: string): void {
  if (!isObj(p)) return c.err(path, 'expected a process object');
  c.keys(p, path, ['name', 'program', 'params', 'startMs', 'staggerMs']);
  c.str(p, 'name', path, false, /^[^/\s]+$/, 'a process name without spaces or slashes');
  c.num(p, 'startMs', path, { min: 0 });
  c.num(p, 'staggerMs', path, { min: 0 });
  const prog = p.program;
  const builtins = Object.keys(BUILTIN_PROGRAMS);
  if (typeof prog === 'string') {
    const def = BUILTIN_PROGRAMS[prog];
    if (!def) return c.err(`${path}.program`, `expected one of ${builtins.join(', ')}, got ${show(prog)}`);
    checkParams(c, def, p.params, `${path}.params`);
  } else if (typeof prog === 'function') {
    if (p.params !== undefined && !isObj(p.params)) c.err(`${path}.params`, 'expected an object');
  } else if (isObj(prog) && typeof prog.run === 'function' && typeof prog.name === 'string' && isObj(prog.params)) {
    checkParams(c, prog as unknown as ProgramDefinition, p.params, `${path}.params`);
  } else {
    c.err(`${path}.program`, prog === undefined ? `required: expected one of ${builtins.join(', ')}` : `expected one of ${builtins.join(', ')} (or, in a TypeScript scenario, a function), got ${show(prog)}`);
  }
}

function checkParams(c: Checker, def: ProgramDefinition, raw: unknown, path: string): void {
  const r = validateParams(def, raw, path);
  if (!r.ok) return c.err(r.error.slice(0, r.error.indexOf(': ')), r.error.slice(r.error.indexOf(': ') + 2));
  if (typeof r.params.connect === 'string' && !parseTarget(r.params.connect)) {
    c.err(`${path}.connect`, `expected device:port or address:port, got ${show(r.params.connect)}`);
  }
}

function checkFailure(c: Checker, f: unknown, path: string): void {
  if (!isObj(f)) return c.err(path, 'expected an allocation-failure rule object');
  c.keys(f, path, ['nth', 'atCall', 'probability', 'match', 'tag', 'pool', 'call', 'times']);
  const kinds = ['nth', 'atCall', 'probability', 'match'].filter((k) => f[k] !== undefined);
  if (kinds.length !== 1) c.err(path, `expected exactly one of nth, atCall, probability, match${kinds.length > 1 ? ` (got ${kinds.join(', ')})` : ''}`);
  c.num(f, 'nth', path, { integer: true, min: 1 });
  c.num(f, 'atCall', path, { integer: true, min: 1 });
  c.prob(f, 'probability', path);
  if (f.match !== undefined && f.match !== true) c.err(`${path}.match`, `expected true, got ${show(f.match)}`);
  c.str(f, 'tag', path, false);
  c.str(f, 'pool', path, false);
  c.str(f, 'call', path, false);
  c.num(f, 'times', path, { integer: true, min: 1 });
}

function checkLink(c: Checker, l: unknown, path: string, known: Map<string, string[]>, names: Set<string>): void {
  if (!isObj(l)) return c.err(path, 'expected a link object');
  c.keys(l, path, ['between', 'latencyMs', 'bandwidthBps', 'mtu', 'loss', 'reorder', 'reorderDelayMs', 'duplicate', 'corrupt', 'jitterMs', 'queueBytes']);
  const b = l.between;
  if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === 'string')) c.err(`${path}.between`, 'expected two device names');
  else
    b.forEach((x, i) => {
      if (!known.has(x as string)) c.err(`${path}.between[${i}]`, `expected a device name (one of ${[...names].join(', ')}), got ${show(x)}`);
    });
  c.num(l, 'latencyMs', path, { min: 0 });
  c.num(l, 'bandwidthBps', path, { min: 0, minExclusive: true });
  c.num(l, 'mtu', path, { integer: true, min: 68, max: 65535 });
  for (const k of ['loss', 'reorder', 'duplicate', 'corrupt']) c.prob(l, k, path);
  c.num(l, 'reorderDelayMs', path, { min: 0 });
  c.num(l, 'jitterMs', path, { min: 0 });
  c.num(l, 'queueBytes', path, { integer: true, min: 1 });
}

function checkFault(c: Checker, f: unknown, path: string, dev: (o: Obj, k: string, p: string, r?: boolean) => void, known: Map<string, string[]>, names: Set<string>): void {
  if (!isObj(f)) return c.err(path, 'expected a fault object');
  const kind = f.kind;
  if (kind === 'drop') {
    c.keys(f, path, ['kind', 'from', 'to', 'n']);
    dev(f, 'from', path);
    dev(f, 'to', path);
    c.num(f, 'n', path, { required: true, integer: true, min: 1 });
  } else if (kind === 'cut') {
    c.keys(f, path, ['kind', 'between', 'atMs', 'durationMs']);
    const b = f.between;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === 'string' && known.has(x))) c.err(`${path}.between`, `expected two device names (of ${[...names].join(', ')})`);
    c.num(f, 'atMs', path, { required: true, min: 0 });
    c.num(f, 'durationMs', path, { min: 0 });
  } else if (kind === 'partition') {
    c.keys(f, path, ['kind', 'from', 'to', 'atMs', 'durationMs']);
    dev(f, 'from', path);
    dev(f, 'to', path);
    c.num(f, 'atMs', path, { required: true, min: 0 });
    c.num(f, 'durationMs', path, { min: 0 });
  } else c.err(`${path}.kind`, `expected one of drop, cut, partition, got ${show(kind)}`);
}

const ASSERTION_KINDS = ['completes', 'handshake-within', 'pool-peak-under', 'no-leaks', 'no-faults', 'status', ...BUDGET_KINDS];

function checkAssertion(c: Checker, a: unknown, path: string, dev: (o: Obj, k: string, p: string, r?: boolean) => void): void {
  if (!isObj(a)) return c.err(path, 'expected an assertion object');
  c.str(a, 'name', path, false);
  switch (a.kind) {
    case 'completes':
      c.keys(a, path, ['kind', 'name']);
      break;
    case 'handshake-within':
      c.keys(a, path, ['kind', 'name', 'ms', 'device', 'process']);
      c.num(a, 'ms', path, { required: true, min: 0 });
      dev(a, 'device', path, false);
      c.str(a, 'process', path, false);
      break;
    case 'pool-peak-under':
      c.keys(a, path, ['kind', 'name', 'device', 'pool', 'bytes']);
      dev(a, 'device', path);
      c.str(a, 'pool', path, true, undefined, 'a pool name');
      c.num(a, 'bytes', path, { required: true, integer: true, min: 0 });
      break;
    case 'no-leaks':
    case 'no-faults':
      c.keys(a, path, ['kind', 'name', 'device']);
      dev(a, 'device', path, false);
      break;
    case 'status':
      c.keys(a, path, ['kind', 'name', 'device', 'process', 'status']);
      dev(a, 'device', path);
      c.str(a, 'process', path, false);
      if (!(typeof a.status === 'string' || (Array.isArray(a.status) && a.status.length > 0 && a.status.every((s) => typeof s === 'string')))) {
        c.err(`${path}.status`, `expected a status name (e.g. SEC_E_OK) or a list of them, got ${show(a.status)}`);
      }
      break;
    default:
      // The memory budgets: the same checks as a `--budget` file's (budget.ts), and `device`
      // must name one of the scenario's devices or groups.
      if (isBudgetKind(a.kind)) {
        c.errors.push(...budgetErrors(a, path).filter((e) => !e.startsWith(`${path}.name:`)));
        if (typeof a.device === 'string') dev(a, 'device', path, false);
      } else c.err(`${path}.kind`, `expected one of ${ASSERTION_KINDS.join(', ')}, got ${show(a.kind)}`);
  }
}

/** A readable name of an assertion, for messages: its `name`, or kind and arguments. */
export function assertionName(a: AssertionSpec): string {
  if (a.name) return a.name;
  switch (a.kind) {
    case 'completes':
      return 'completes';
    case 'handshake-within':
      return `handshake-within ${a.ms} ms${a.device ? ` (${a.device}${a.process ? `/${a.process}` : ''})` : ''}`;
    case 'pool-peak-under':
      return `pool-peak-under ${a.device}.${a.pool} < ${a.bytes} bytes`;
    case 'no-leaks':
      return `no-leaks${a.device ? ` (${a.device})` : ''}`;
    case 'no-faults':
      return `no-faults${a.device ? ` (${a.device})` : ''}`;
    case 'status':
      return `status ${a.device}${a.process ? `/${a.process}` : ''} = ${Array.isArray(a.status) ? a.status.join('|') : a.status}`;
    default:
      return budgetName(a);
  }
}

export type { ProcessSpec, LinkSpec, FaultSpec, FailureSpec };
