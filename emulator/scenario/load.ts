/**
 * Finding and loading scenarios: a built-in's name (`default`, `echo-lossy`, `tight`, `fleet`…,
 * the JSON files in the package's `scenarios/` folder), a JSON file, or a TypeScript module
 * that exports a scenario object (`export default` or `export const scenario`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoadedScenario, Scenario } from './types.js';
import { ScenarioError, validateScenario } from './validate.js';

/** The package's `scenarios/` folder (built-in scenarios, their certificates, the schema). */
export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');

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
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const s = mod.default ?? mod.scenario;
    if (typeof s !== 'object' || s === null) throw new ScenarioError([`${ref}: expected the module to export a scenario object (export default or export const scenario)`]);
    return { scenario: s as Scenario, baseDir: dirname(path), source: path };
  }
  return { scenario: parseJson(readFileSync(path, 'utf8'), path), baseDir: dirname(path), source: path };
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
