/**
 * Every top-level module is built and exported: a folder with an `index.ts` must be in
 * `tsconfig.build.json`'s include, have a `cesim/<folder>` export (source, types and default
 * conditions into dist/) and be an entry point of the API reference, unless it is internal.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const json = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, f), 'utf8')) as Record<string, unknown>;
/** Folders with an index.ts that are not modules of the package. */
const NOT_MODULES = new Set(['test', 'bench', 'examples', 'node_modules', 'dist', 'docs', 'scenarios', 'bin']);
/** Modules compiled into dist/ but not exported: used only by the other modules. */
const INTERNAL = new Set(['common']);

const modules = readdirSync(root)
  .filter((n) => !n.startsWith('.') && !NOT_MODULES.has(n) && statSync(join(root, n)).isDirectory() && existsSync(join(root, n, 'index.ts')))
  .sort();

describe('the package exports every module', () => {
  it('finds the modules', () => {
    expect(modules).toEqual(expect.arrayContaining(['common', 'device', 'sspi', 'schannel', 'emulator']));
  });
  it.each(modules)('%s is compiled by tsconfig.build.json', (m) => {
    expect(json('tsconfig.build.json').include).toContain(m);
  });
  it.each(modules.filter((m) => !INTERNAL.has(m)))('cesim/%s is exported with cesim-source, types and default conditions', (m) => {
    const exp = (json('package.json').exports as Record<string, Record<string, string>>)[`./${m}`];
    expect(exp).toEqual({ 'cesim-source': `./${m}/index.ts`, types: `./dist/${m}/index.d.ts`, default: `./dist/${m}/index.js` });
    // The source condition must come first: Node and TypeScript take the first condition that matches.
    expect(Object.keys(exp!)[0]).toBe('cesim-source');
  });
  it.each(modules.filter((m) => !INTERNAL.has(m)))('%s is an entry point of the API reference (typedoc.json)', (m) => {
    expect(json('typedoc.json').entryPoints).toContain(`${m}/index.ts`);
  });
  it('the sources resolve cesim/* to TypeScript (tsconfig customConditions, vitest conditions)', () => {
    expect((json('tsconfig.json').compilerOptions as { customConditions: string[] }).customConditions).toEqual(['cesim-source']);
    expect((json('tsconfig.build.json').compilerOptions as { customConditions: string[] }).customConditions).toEqual([]);
    expect(readFileSync(join(root, 'vitest.config.ts'), 'utf8')).toMatch(/conditions: \['cesim-source'/);
  });
});
