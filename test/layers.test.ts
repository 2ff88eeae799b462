/**
 * Layers point one way (emulator → cruntime → sdk; cruntime → schannel → sspi → device → common), each module is reached only
 * through its index.ts, and only schannel/crypto/ imports the crypto libraries.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const MODULES = ['common', 'device', 'sspi', 'schannel', 'ntlm', 'negotiate', 'sdk', 'cruntime', 'emulator'] as const;
const MAY_USE: Record<(typeof MODULES)[number], string[]> = {
  common: [],
  device: ['common'],
  sspi: ['device', 'common'],
  schannel: ['sspi', 'device', 'common'],
  // NTLM and Negotiate reach each other and Schannel only through the SSPI dispatcher.
  ntlm: ['sspi', 'device', 'common'],
  negotiate: ['sspi', 'device', 'common'],
  // The C SDK (headers, C runtime, `cesim cc`) stands alone; the C runtime runs its modules on a device.
  sdk: ['common'],
  cruntime: ['sdk', 'schannel', 'sspi', 'device', 'common'],
  emulator: ['cruntime', 'sdk', 'schannel', 'ntlm', 'negotiate', 'sspi', 'device', 'common'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const imports = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);

describe('module layering', () => {
  for (const mod of MODULES) {
    it(`${mod}/ imports only ${MAY_USE[mod].join(', ') || 'nothing of cesim'}, through index.ts`, () => {
      const bad: string[] = [];
      for (const f of files(join(root, mod))) {
        for (const spec of imports(f)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(root, resolve(dirname(f), spec));
          const other = target.split('/')[0]!;
          if (other === mod || !MODULES.includes(other as (typeof MODULES)[number])) continue;
          if (!MAY_USE[mod].includes(other)) bad.push(`${relative(root, f)} → ${spec} (layer)`);
          else if (target !== `${other}/index.js`) bad.push(`${relative(root, f)} → ${spec} (not the module's index.ts)`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
  it('every top-level folder with an index.ts is a listed layer', () => {
    const found = readdirSync(root).filter((n) => n !== 'node_modules' && !n.startsWith('.') && statSync(join(root, n)).isDirectory() && existsSync(join(root, n, 'index.ts')));
    expect(found.sort()).toEqual([...MODULES].sort());
  });
  it('only schannel/crypto/, ntlm/crypto/ (and the device\'s seeded random stream) import the crypto libraries', () => {
    const bad: string[] = [];
    for (const mod of MODULES) {
      for (const f of files(join(root, mod))) {
        const rel = relative(root, f);
        // device/random.ts is the device's own random source (a seeded ChaCha20 keystream), below
        // every layer that could use the crypto interface; nothing there is TLS crypto.
        if (rel.startsWith('schannel/crypto/') || rel.startsWith('ntlm/crypto/') || rel === 'device/random.ts') continue;
        for (const spec of imports(f)) if (/^(@noble\/|micro-rsa-dsa-dh|js-md4|des\.js|crc-32)/.test(spec)) bad.push(`${relative(root, f)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
