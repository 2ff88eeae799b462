/**
 * The source import graph: every `.ts` module under the source folders and the relative modules
 * it imports (values and types alike, static and dynamic), read with TypeScript's own
 * pre-processor so comments and strings are not mistaken for imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Folders whose modules make up the graph (the library, its entry points and its examples). */
export const SOURCE_FOLDERS = ['common', 'device', 'sspi', 'schannel', 'ntlm', 'negotiate', 'sdk', 'cruntime', 'emulator', 'bench', 'examples'] as const;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every source module, as a path relative to the root (`schannel/tls/errors.ts`). */
export function sourceModules(): string[] {
  return SOURCE_FOLDERS.flatMap((f) => tsFiles(join(ROOT, f))).map((p) => relative(ROOT, p)).sort();
}

/** The relative imports of one module, resolved to root-relative `.ts` paths. */
export function importsOf(source: string, file: string): string[] {
  const out: string[] = [];
  for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
    if (!fileName.startsWith('.')) continue;
    out.push(relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** The graph: module → the modules it imports. */
export function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceModules()) g.set(f, importsOf(readFileSync(join(ROOT, f), 'utf8'), f));
  return g;
}

/**
 * The cycles of a graph: its strongly connected components with more than one module, or one
 * module that imports itself (Tarjan's algorithm). Each is given as one concrete loop
 * `a → b → … → a` so the message says which imports to change.
 */
export function findCycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) components.push(c);
    }
  };
  for (const v of [...g.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => loopWithin(g, new Set(c)));
}

/** One loop through a strongly connected component, starting at its first module by name. */
function loopWithin(g: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0]!;
  // Breadth-first from start's successors back to start, inside the component: the shortest loop.
  const prev = new Map<string, string>();
  const queue: string[] = [];
  for (const w of g.get(start) ?? []) if (members.has(w) && !prev.has(w)) (prev.set(w, start), queue.push(w));
  while (queue.length > 0 && !prev.has(start)) {
    const v = queue.shift()!;
    for (const w of g.get(v) ?? []) if (members.has(w) && !prev.has(w)) (prev.set(w, v), queue.push(w));
  }
  const loop = [start];
  for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) loop.unshift(v);
  loop.unshift(start);
  return loop;
}
