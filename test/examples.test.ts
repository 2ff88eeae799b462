/**
 * The README's examples are files in examples/: each README block equals its file, and each
 * file runs and prints what the README says it shows.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function run(file: string): string {
  const r = spawnSync(process.execPath, ['--conditions=cesim-source', '--import', 'tsx', join(root, file)], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const expected: Record<string, RegExp[]> = {
  'examples/device.ts': [/foreign free ok\? false → foreign-free/, /forced failure → 0/, /virtual time 267\.\d ms/, /held: token 300 demo\.token InitializeSecurityContextW/, /exit report: 2 blocks/],
  'examples/loop.ts': [/stopped: idle/, /client received 40960 bytes/, /trace hash [0-9a-f]{16}/],
  'examples/schannel.ts': [/InitializeSecurityContext → SEC_E_OK .*attrs 0x811c/, /AcceptSecurityContext {5}→ SEC_E_OK/, /negotiated TLS_AES_128_GCM_SHA256/, /DecryptMessage {12}→ SEC_E_OK "GET \/index\.html/, /token 0 B .*general 0 B .*io 0 B/],
  'examples/custom-package.ts': [/status: 590610, token: 'HELLO', leaks: 0/],
};

describe('README examples', () => {
  for (const [file, patterns] of Object.entries(expected)) {
    it(`${file} is in the README verbatim and runs`, () => {
      const code = readFileSync(join(root, file), 'utf8').trimEnd();
      const marker = `<!-- example: ${file} -->\n\`\`\`ts\n`;
      const at = readme.indexOf(marker);
      expect(at, `README has no block for ${file}`).toBeGreaterThanOrEqual(0);
      const block = readme.slice(at + marker.length, readme.indexOf('\n```', at + marker.length));
      expect(block).toBe(code);
      const out = run(file);
      for (const p of patterns) expect(out).toMatch(p);
    });
  }
  it('docs/sspi-custom-package.md holds examples/custom-package.ts verbatim', () => {
    const doc = readFileSync(join(root, 'docs', 'sspi-custom-package.md'), 'utf8');
    expect(doc).toContain(readFileSync(join(root, 'examples', 'custom-package.ts'), 'utf8').trim());
  });
  it('the same seed gives the same trace hash (examples/loop.ts twice)', () => {
    expect(run('examples/loop.ts')).toBe(run('examples/loop.ts'));
  });
});
