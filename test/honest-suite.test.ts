/**
 * The suite is honest about its tools: every suite that needs an outside tool (openssl, GnuTLS,
 * tshark, Chromium, cesim cc's clang/wasm-ld/wasi-libc/wasm-opt, the python NTLM peers, Samba's
 * ntlm_auth) is gated through test/support/peers.ts (`required`, `requireTool`, `requirePython`,
 * `requireFile`), which throws under CI, so a missing tool FAILS the run there instead of
 * skipping it. This file scans test/ for the ad-hoc gates that used to skip silently.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const testDir = join(root, 'test');
/** The one file that reads `CI` and probes tools. */
const GATE = 'test/support/peers.ts';
/** This file quotes the patterns it looks for. */
const SELF = 'test/honest-suite.test.ts';

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Names bound to a gate: `const X = required…(…)` / `requireTool(…)` / …, or `X = A && B` of such names. */
function gateNames(files: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const text of files.values()) {
    for (const m of text.matchAll(/(?:export\s+)?const\s+(\w+)\s*=\s*(require(?:d|Tool|Python|File))\(/g)) names.add(m[1]!);
  }
  // Conjunctions of gates (HAVE_GSS_NTLMSSP = requirePython(…) && requireFile(…) starts with one).
  return names;
}

/** The text inside the parentheses that open at `open`. */
function parenthesised(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/**
 * The ad-hoc skips in one file: `.skip(`/`.todo(`/`.only(`, `CI` read outside the gate, a tool
 * probed outside the gate (`toolAvailable`, `spawnSync(…'version')`, `existsSync('/usr/…')`,
 * `findToolchain().ok` not passed to `required`), and `skipIf`/`runIf` on a condition that is
 * not a gate name.
 */
export function adHocSkips(file: string, text: string, gates: Set<string>): string[] {
  const hits: string[] = [];
  const lines = text.split('\n');
  const at = (index: number): number => text.slice(0, index).split('\n').length;
  const say = (line: number, why: string): void => void hits.push(`${file}:${line}: ${why}: ${lines[line - 1]!.trim()}`);
  for (const m of text.matchAll(/\b(?:describe|it|test|suite|bench)(?:\.\w+)*\.(skip|todo|only)\s*\(/g)) say(at(m.index), `.${m[1]}()`);
  if (file === GATE) return hits;
  for (const m of text.matchAll(/process\.env\.CI\b|process\.env\[['"]CI['"]\]/g)) say(at(m.index), 'reads CI outside test/support/peers.ts');
  // A feature probe of a tool already gated (`HAVE_GNUTLS && toolAvailable('gnutls-cli', [… --priority …])`) is not a gate.
  for (const m of text.matchAll(/\btoolAvailable\s*\(/g)) {
    const before = lines[at(m.index) - 1]!.slice(0, m.index - text.lastIndexOf('\n', m.index) - 1);
    if (![...before.matchAll(/[A-Za-z_$][\w$]*/g)].some((x) => gates.has(x[0]))) say(at(m.index), 'probes a tool without the CI gate');
  }
  for (const m of text.matchAll(/\b(?:spawnSync|execFileSync|execSync)\s*\(\s*['"][\w./-]+['"]\s*,\s*\[\s*['"]-{0,2}(?:version|V)['"]/g)) say(at(m.index), 'probes a tool without the CI gate');
  for (const m of text.matchAll(/\bexistsSync\s*\(\s*['"]\/usr\//g)) say(at(m.index), 'probes a tool without the CI gate');
  for (const m of text.matchAll(/\b\w+\.ok\b/g)) {
    const line = lines[at(m.index) - 1]!;
    if (/findToolchain|\btc\.ok\b/.test(line) && !/required\(/.test(line) && /\b(?:if|return|\?|skipIf|runIf)\b/.test(line) && !/throw new Error/.test(line)) say(at(m.index), 'gates on the toolchain without the CI gate');
  }
  for (const m of text.matchAll(/\.(skipIf|runIf)\s*\(/g)) {
    const cond = parenthesised(text, m.index + m[0].length - 1);
    const ids = [...cond.matchAll(/[A-Za-z_$][\w$]*/g)].map((x) => x[0]);
    const bad = ids.filter((id) => !gates.has(id));
    if (ids.length === 0 || bad.length > 0) say(at(m.index), `.${m[1]}(${cond}) is not a gate from test/support/peers.ts`);
  }
  return hits;
}

describe('an honest suite: tool-dependent suites fail under CI when the tool is missing', () => {
  const files = new Map(walk(testDir).map((p) => [relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8')]));
  const gates = gateNames(files);

  it('test/ holds no ad-hoc skip: every tool gate goes through test/support/peers.ts', () => {
    const hits = [...files].filter(([f]) => f !== SELF).flatMap(([f, text]) => adHocSkips(f, text, gates));
    expect(hits).toEqual([]);
  });

  it('the gates the suites use are there (openssl, GnuTLS, tshark, Chromium, cesim cc, the NTLM peers)', () => {
    for (const g of ['RUN_TSHARK_SUITES', 'RUN_CHROMIUM_SUITES', 'HAVE_GNUTLS', 'HAVE_CC', 'HAVE_NTLM_AUTH', 'HAVE_GSS_NTLMSSP', 'opensslAvailable', 'hasOpenssl', 'runIt']) expect(gates).toContain(g);
  });

  it('the scan finds each kind of ad-hoc skip (it can fail)', () => {
    const g = new Set(['HAVE_X']);
    const bad = [
      "describe.skip('a', () => {});",
      "it.todo('b');",
      "const runIt = has || process.env.CI === 'true';",
      "const has = toolAvailable('openssl');",
      "const other = HAVE_Y && toolAvailable('openssl');",
      "const has = spawnSync('openssl', ['version']).status === 0;",
      "const ok = existsSync('/usr/bin/chromium');",
      "if (!tc.ok) return;",
      "describe.skipIf(!hasOpenssl)('c', () => {});",
      "describe.runIf(HAVE_X || other)('d', () => {});",
    ];
    for (const line of bad) expect(adHocSkips('test/x.test.ts', line, g), line).toHaveLength(1);
    expect(adHocSkips('test/x.test.ts', "describe.skipIf(!HAVE_X)('e', () => {});\nif (!tc.ok) throw new Error('x');\nconst p = HAVE_X && toolAvailable('gnutls-cli', ['-l']);", g)).toEqual([]);
  });

  it('under CI the gate throws for a missing tool; elsewhere it answers false (test/support/peers.ts)', async () => {
    const { required, requireTool } = await import('./support/peers.js');
    const saved = process.env.CI;
    try {
      for (const ci of ['1', 'true']) {
        process.env.CI = ci;
        expect(() => required(false, 'no-such-tool', 'apt-get install nothing')).toThrow(/no-such-tool is required under CI/);
        expect(() => requireTool('cesim-no-such-tool-xyz')).toThrow(/required under CI/);
        expect(required(true, 'present', 'x')).toBe(true);
      }
      for (const ci of [undefined, '0', 'false']) {
        if (ci === undefined) delete process.env.CI;
        else process.env.CI = ci;
        expect(required(false, 'no-such-tool', 'apt-get install nothing')).toBe(false);
        expect(requireTool('cesim-no-such-tool-xyz')).toBe(false);
      }
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
