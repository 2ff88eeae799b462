/**
 * Finding and loading scenarios: a built-in's name (`default`, `echo-lossy`, `tight`, `fleet`…,
 * the JSON files in the package's `scenarios/` folder), a JSON file, or a TypeScript module
 * that exports a scenario object (`export default` or `export const scenario`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../package-root.js';
import type { LoadedScenario, Scenario } from './types.js';
import { ScenarioError, validateScenario } from './validate.js';

/** The package's `scenarios/` folder (built-in scenarios, their certificates, the schema). */
export const SCENARIOS_DIR = join(packageRoot(), 'scenarios');

/** The scenario `cesim run` runs when none is named (and `npm start`). */
export const DEFAULT_SCENARIO = 'default';

/** Names of the built-in scenarios, with their descriptions. */
export function builtinScenarios(): { name: string; description: string }[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => {
      const s = JSON.parse(readFileSync(join(SCENARIOS_DIR, f), 'utf8')) as Scenario;
      return { name: f.slice(0, -5), description: s.description ?? '' };
    });
}

function isModule(ref: string): boolean {
  return /\.(ts|mts|js|mjs)$/.test(ref);
}

/**
 * Loads a scenario by built-in name or path. Throws an Error whose message says what was not
 * found, or a ScenarioError naming the bad fields.
 */
export async function loadScenario(ref: string = DEFAULT_SCENARIO): Promise<LoadedScenario> {
  if (!ref.includes('/') && !ref.includes('\\') && !ref.includes('.')) {
    const file = join(SCENARIOS_DIR, `${ref}.json`);
    if (!existsSync(file)) {
      throw new Error(`no built-in scenario ${JSON.stringify(ref)} (built in: ${builtinScenarios().map((s) => s.name).join(', ')}; or give a .json or .ts file)`);
    }
    return { scenario: parseJson(readFileSync(file, 'utf8'), file), baseDir: SCENARIOS_DIR, source: `builtin:${ref}` };
  }
  const path = resolve(ref);
  if (!existsSync(path)) throw new Error(`scenario file not found: ${ref}`);
  if (isModule(path)) {
    const mod = await importScenarioModule(path, ref);
    const s = mod.default ?? mod.scenario;
    if (typeof s !== 'object' || s === null) throw new ScenarioError([`${ref}: expected the module to export a scenario object (export default or export const scenario)`]);
    return { scenario: s as Scenario, baseDir: dirname(path), source: path };
  }
  return { scenario: parseJson(readFileSync(path, 'utf8'), path), baseDir: dirname(path), source: path };
}

const TS_MODULE = /\.(ts|mts|cts)$/;

/**
 * Imports a scenario module. JavaScript loads with plain Node; a TypeScript module needs a
 * loader: when Node cannot load it by itself, `tsx` is registered (found from cesim, or from the
 * project in the working folder), and without `tsx` the error says how to get it.
 */
async function importScenarioModule(path: string, ref: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if (!TS_MODULE.test(path) || (e as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
  }
  const api = await findTsx();
  if (!api) {
    throw new Error(
      `${ref} is a TypeScript scenario module and Node cannot load TypeScript by itself: install tsx in your project (npm install --save-dev tsx) and run again, or give the scenario as .json or .js`,
    );
  }
  api.register();
  // A new URL: Node keeps the failed load of the first one.
  return (await import(`${url}?tsx`)) as Record<string, unknown>;
}

interface TsxApi {
  register(): unknown;
}

/**
 * tsx's ESM API: from cesim's own place (its development dependency in a clone, or the project
 * that installed cesim), else from the project in the working folder (a global cesim); null when
 * neither has tsx.
 */
async function findTsx(): Promise<TsxApi | null> {
  try {
    return (await import('tsx/esm/api')) as TsxApi;
  } catch {
    // not beside cesim: try the working folder's project
  }
  try {
    const req = createRequire(join(process.cwd(), 'package.json'));
    const pj = req.resolve('tsx/package.json');
    const meta = JSON.parse(readFileSync(pj, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
    const entry = meta.exports?.['./esm/api']?.import?.default;
    if (typeof entry !== 'string') return null;
    return (await import(pathToFileURL(join(dirname(pj), entry)).href)) as TsxApi;
  } catch {
    return null;
  }
}

function parseJson(text: string, file: string): Scenario {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError([`${file}: not valid JSON: ${(e as Error).message}`]);
  }
  return v as Scenario;
}

/**
 * Applies `path=value` overrides (`devices[1].count=50`, `links[0].loss=0.1`,
 * `devices[0].processes[0].params.path="/x"`): the value is JSON when it parses as JSON, else a
 * string. Returns a modified copy; the result is validated as usual when run.
 */
export function applyOverrides(s: Scenario, sets: readonly string[]): Scenario {
  const copy = structuredCloneSafe(s);
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new ScenarioError([`--set ${set}: expected path=value`]);
    const path = set.slice(0, eq);
    const raw = set.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const parts = path.match(/[^.[\]]+/g) ?? [];
    let o: Record<string, unknown> = copy as unknown as Record<string, unknown>;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i]!;
      if (typeof o[k] !== 'object' || o[k] === null) {
        if (o[k] !== undefined) throw new ScenarioError([`--set ${path}: ${parts.slice(0, i + 1).join('.')} is not an object or array`]);
        o[k] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
      }
      o = o[k] as Record<string, unknown>;
    }
    o[parts[parts.length - 1]!] = value;
  }
  return copy;
}

/** A deep copy that keeps functions (TypeScript scenarios' programs) by reference. */
function structuredCloneSafe<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => structuredCloneSafe(x)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = structuredCloneSafe(x);
  return out as T;
}

export { validateScenario };
