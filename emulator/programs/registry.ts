/**
 * The program registry: a program is a name, a description, its parameters (with types and
 * defaults, validated with the scenario), and the function that runs it as an emulated task.
 */
import type { TaskContext } from '../loop/task.js';
import type { ProgramOutcome } from './types.js';

/** The type of one program parameter. */
export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]';

/** One parameter of a program. */
export interface ParamSpec {
  type: ParamType;
  description: string;
  /** Default value; a parameter without one is required unless `optional`. */
  default?: string | number | boolean | string[];
  optional?: boolean;
  /** Allowed values (strings). */
  enum?: readonly string[];
  /** Inclusive bounds (numbers). */
  min?: number;
  max?: number;
}

/** What a running program is given. */
export interface ProgramRunContext {
  /** The task it runs as. */
  ctx: TaskContext;
  /** Its parameters, validated, defaults filled in. */
  params: Record<string, unknown>;
  /** A device name (or an IPv4 address) → the IPv4 address. */
  resolveAddress(target: string): string;
  /** Reads a file named in the scenario (relative to the scenario's folder), as text. */
  readFile(path: string): string;
  /** Reads a file named in the scenario (relative to the scenario's folder), as bytes. */
  readBinary(path: string): Uint8Array;
  /** The absolute path of a file named in the scenario (relative to the scenario's folder). */
  resolveFile(path: string): string;
}

/** A program that a scenario's process can run. */
export interface ProgramDefinition {
  name: string;
  description: string;
  /** `server` programs accept connections; `client` ones make them. */
  role: 'client' | 'server';
  params: Record<string, ParamSpec>;
  run(rc: ProgramRunContext): Promise<ProgramOutcome>;
}

/** `host:port` → its parts (host a device name or IPv4 address). */
export function parseTarget(target: string): { host: string; port: number } | null {
  const m = /^([A-Za-z0-9_.\-]+):(\d{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}

/**
 * Checks one program's parameters against its specs and fills defaults. Returns the params or
 * an error message naming the field under `path` (e.g. `devices[0].processes[0].params.port`).
 */
export function validateParams(def: ProgramDefinition, raw: unknown, path: string): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const out: Record<string, unknown> = {};
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    return { ok: false, error: `${path}: expected an object of ${def.name} parameters` };
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!(k in def.params)) {
      return { ok: false, error: `${path}.${k}: unknown parameter of ${def.name} (known: ${Object.keys(def.params).join(', ')})` };
    }
  }
  for (const [k, spec] of Object.entries(def.params)) {
    const v = given[k];
    const p = `${path}.${k}`;
    if (v === undefined) {
      if (spec.default !== undefined) out[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      else if (!spec.optional) return { ok: false, error: `${p}: required (${spec.description})` };
      continue;
    }
    switch (spec.type) {
      case 'string':
        if (typeof v !== 'string') return { ok: false, error: `${p}: expected a string` };
        if (spec.enum && !spec.enum.includes(v)) return { ok: false, error: `${p}: expected one of ${spec.enum.join(', ')}` };
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return { ok: false, error: `${p}: expected true or false` };
        break;
      case 'number':
      case 'integer':
        if (typeof v !== 'number' || !Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v))) {
          return { ok: false, error: `${p}: expected ${spec.type === 'integer' ? 'an integer' : 'a number'}` };
        }
        if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
          return { ok: false, error: `${p}: expected a value in ${spec.min ?? '-∞'}..${spec.max ?? '∞'}, got ${v}` };
        }
        break;
      case 'string[]':
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return { ok: false, error: `${p}: expected an array of strings` };
        if (spec.enum && !v.every((x) => spec.enum!.includes(x))) return { ok: false, error: `${p}: expected values among ${spec.enum.join(', ')}` };
        break;
    }
    out[k] = v;
  }
  return { ok: true, params: out };
}
