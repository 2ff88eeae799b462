import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { pattern, readAll, twoDevices } from './helpers.js';

/** An echo exchange over a lossy, reordering, duplicating, corrupting link. */
async function lossyScenario(seed: number | string) {
  const t = twoDevices({ latencyNs: 3_000_000, bandwidthBps: 5_000_000, loss: 0.08, reorder: 0.2, duplicate: 0.05, corrupt: 0.05, jitterNs: 1_000_000 }, { seed });
  const payload = pattern(40_000);
  t.server.spawn('echo.exe', async (ctx) => {
    const s = (await ctx.listen(7).accept())!;
    const req = await readAll(s);
    ctx.trace('app.request', { bytes: req.length });
    ctx.device.cpu.charge('sha256', req.length);
    await s.send(req);
    s.close();
  });
  t.client.spawn('client.exe', async (ctx) => {
    const s = await ctx.connect('10.0.0.1', 7);
    await s.send(payload);
    s.shutdown(1);
    const back = await readAll(s);
    s.close();
    if (back.length !== payload.length) throw new Error('short echo');
    return ctx.device.rng.u32();
  });
  const result = await t.sim.run();
  return { result, jsonl: t.sim.trace.toJsonLines(), trace: t.sim.trace };
}

describe('determinism', () => {
  it('the same seed gives the same trace and hash on a lossy, reordering link', async () => {
    const a = await lossyScenario(42);
    const b = await lossyScenario(42);
    expect(a.result.reason).toBe('idle');
    expect(a.result.hung).toEqual([]);
    expect(a.trace.filter('net.drop').length).toBeGreaterThan(0);
    expect(a.trace.filter('tcp.retransmit').length).toBeGreaterThan(0);
    expect(a.jsonl).toBe(b.jsonl);
    expect(a.result.traceHash).toBe(b.result.traceHash);
    expect(a.result.timeNs).toBe(b.result.timeNs);
    expect(a.result.tasks).toEqual(b.result.tasks);
  });

  it('a different seed gives a different hash on a lossy link', async () => {
    const a = await lossyScenario(42);
    const c = await lossyScenario(43);
    expect(c.result.reason).toBe('idle');
    expect(c.result.traceHash).not.toBe(a.result.traceHash);
  });

  it('the trace hash is SHA-256 over the canonical JSON lines', async () => {
    const { createHash } = await import('node:crypto');
    const a = await lossyScenario('x');
    expect(createHash('sha256').update(a.jsonl).digest('hex')).toBe(a.result.traceHash);
    const first = JSON.parse(a.jsonl.split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['details', 'device', 'kind', 't']);
  });
});

/** The source folders: everything that runs inside a simulated run or builds one. */
const SOURCE_FOLDERS = ['common', 'device', 'sspi', 'schannel', 'ntlm', 'negotiate', 'sdk', 'cruntime', 'emulator'];
/** The one file that reads host time or host randomness: where outside time enters (the bridge). */
const HOST_ENTRY = 'emulator/bridge/realtime.ts';
/**
 * The files that may call {@link HOST_ENTRY}'s functions: the real-time bridge, and the command
 * line that reports a run's host wall time and paces its progress bar (never inside a run).
 */
const HOST_CALLERS = ['emulator/bridge/index.ts', 'emulator/cli/run.ts', 'emulator/cli/campaign.ts', 'emulator/cli/campaign-worker.ts'];
/** Node crypto's host-randomness functions, by name (imported, or called as `crypto.X`). */
const RANDOM_FUNCTIONS = new Set(['randomBytes', 'randomUUID', 'getRandomValues', 'randomInt', 'randomFill', 'randomFillSync', 'pseudoRandomBytes', 'generateKey', 'generateKeySync', 'generateKeyPair', 'generateKeyPairSync', 'generatePrime', 'generatePrimeSync', 'createDiffieHellman', 'createECDH']);
/** Noble's key generators draw host randomness when given no seed. */
const NOBLE_UNSEEDED = new Set(['randomSecretKey', 'randomPrivateKey', 'keygen']);

/**
 * Every use of a host-time or host-randomness API in one TypeScript source: `Date.now()`,
 * `new Date()` / `Date()` without arguments, `performance.now()` / `timeOrigin`, `process.hrtime`
 * (and `.bigint`), `process.uptime()`, `Math.random()`, node:crypto's random functions and
 * `crypto.*` / `webcrypto` / `globalThis.crypto`, noble's unseeded key generators,
 * `setTimeout` / `setInterval` (waiting on the host clock), and importing `node:perf_hooks` or
 * `node:timers`. Comments and strings never match (the file is parsed).
 */
function hostApiUses(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const hits: string[] = [];
  const hit = (n: ts.Node, what: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    hits.push(`${file}:${line + 1}: ${what}`);
  };
  const cryptoNames = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const from = n.moduleSpecifier.text;
      if (/^(node:)?(perf_hooks|timers|timers\/promises)$/.test(from)) hit(n, `import from ${from}`);
      if (/^(node:)?crypto$/.test(from) || /^@noble\/[\w-]+\/utils(\.js)?$/.test(from)) {
        const b = n.importClause?.namedBindings;
        if (b && ts.isNamedImports(b)) for (const e of b.elements) if (RANDOM_FUNCTIONS.has((e.propertyName ?? e.name).text) || (e.propertyName ?? e.name).text === 'webcrypto') hit(e, `import { ${(e.propertyName ?? e.name).text} } from ${from}`);
        if (b && ts.isNamespaceImport(b)) cryptoNames.add(b.name.text);
        if (n.importClause?.name) cryptoNames.add(n.importClause.name.text);
      }
    }
    if (ts.isPropertyAccessExpression(n)) {
      const obj = n.expression.getText(sf);
      const prop = n.name.text;
      const pair = `${obj}.${prop}`;
      if (['Date.now', 'performance.now', 'performance.timeOrigin', 'process.hrtime', 'process.uptime', 'Math.random', 'globalThis.crypto', 'globalThis.performance', 'globalThis.setTimeout', 'globalThis.setInterval', 'crypto.getRandomValues', 'crypto.randomUUID', 'crypto.subtle'].includes(pair)) hit(n, pair);
      else if ((cryptoNames.has(obj) || obj === 'crypto') && (RANDOM_FUNCTIONS.has(prop) || prop === 'webcrypto')) hit(n, pair);
    }
    if (ts.isNewExpression(n) && n.expression.getText(sf) === 'Date' && (n.arguments === undefined || n.arguments.length === 0)) hit(n, 'new Date()');
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      if (ts.isIdentifier(callee) && callee.text === 'Date') hit(n, 'Date()');
      if (ts.isIdentifier(callee) && (callee.text === 'setTimeout' || callee.text === 'setInterval')) hit(n, callee.text);
      if (ts.isIdentifier(callee) && RANDOM_FUNCTIONS.has(callee.text)) hit(n, `${callee.text}()`);
      if (ts.isPropertyAccessExpression(callee) && NOBLE_UNSEEDED.has(callee.name.text) && n.arguments.length === 0) hit(n, `${callee.getText(sf)}() without a seed`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return hits;
}

function sourceFiles(): Map<string, string> {
  const root = join(import.meta.dirname, '..', '..');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.set(relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  for (const d of SOURCE_FOLDERS) walk(join(root, d));
  return out;
}

describe('no host time or host randomness in simulated code', () => {
  const files = sourceFiles();

  it(`${SOURCE_FOLDERS.join('/, ')}/ use host time and host randomness only in ${HOST_ENTRY}`, () => {
    expect(files.size).toBeGreaterThan(100);
    const hits = [...files].filter(([f]) => f !== HOST_ENTRY).flatMap(([f, text]) => hostApiUses(f, text));
    expect(hits).toEqual([]);
  });

  it(`${HOST_ENTRY} is what the bridge and the command line call, and nothing else does`, () => {
    const exported = [...files.get(HOST_ENTRY)!.matchAll(/export function (\w+)/g)].map((m) => m[1]!);
    expect(exported).toEqual(['hostMonotonicMs', 'hostWallClockMs', 'hostRandomBytes', 'hostSleep', 'hostTimer']);
    // The entry itself reads the host: the scanner sees each API there (so the scan can find them).
    expect(hostApiUses(HOST_ENTRY, files.get(HOST_ENTRY)!).map((h) => h.replace(/^[^ ]+ /, '')).sort()).toEqual(['Date.now', 'import from node:perf_hooks', 'import { randomBytes } from node:crypto', 'performance.now', 'randomBytes()', 'setTimeout', 'setTimeout']);
    const callers = [...files].filter(([f, text]) => f !== HOST_ENTRY && new RegExp(`\\b(${exported.join('|')})\\b|bridge/realtime`).test(text)).map(([f]) => f).sort();
    expect(callers).toEqual([...HOST_CALLERS].sort());
  });

  it('the scanner finds every host-time and host-randomness API, and not their look-alikes in comments, strings or with arguments', () => {
    const bad = [
      'const t = Date.now();',
      'const d = new Date();',
      'const d = new Date;',
      'const s = Date();',
      'const t = performance.now();',
      "import { performance } from 'node:perf_hooks';",
      'const t = process.hrtime.bigint();',
      'const t = process.hrtime();',
      'const u = process.uptime();',
      'const r = Math.random();',
      "import { randomBytes } from 'node:crypto';",
      "import { randomUUID as id } from 'node:crypto';",
      "import { randomBytes } from '@noble/hashes/utils.js';",
      "import * as c from 'node:crypto';\nc.randomInt(9);",
      'crypto.getRandomValues(new Uint8Array(4));',
      'const x = globalThis.crypto;',
      'setTimeout(f, 5);',
      'setInterval(f, 5);',
      'const k = p256.utils.randomSecretKey();',
      'const k = ed25519.keygen();',
    ];
    for (const line of bad) expect(hostApiUses('x.ts', line).length, line).toBeGreaterThan(0);
    const fine = [
      '// Date.now() and Math.random() are never called here',
      "const s = 'performance.now() new Date()';",
      'const d = new Date(ms).toISOString();',
      'const k = p256.utils.randomSecretKey(seed);',
      'const t = this.device.clock.nowNs();',
      'const r = rng.u32();',
      'await new Promise((r) => setImmediate(r));',
    ];
    for (const line of fine) expect(hostApiUses('x.ts', line), line).toEqual([]);
  });
});
