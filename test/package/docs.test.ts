/**
 * `npm run docs`: Typedoc renders the API reference of the package's modules, with their doc
 * comments, from `typedoc.json` (here into a temporary folder instead of docs/api/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'cesim-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const text = (file: string): string => readFileSync(join(out, file), 'utf8').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');

describe('npm run docs', () => {
  it('renders device, sspi, schannel, ntlm, negotiate and emulator with their doc comments, with no Typedoc errors', () => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Found 0 errors/);
    for (const m of ['device', 'sspi', 'schannel', 'ntlm', 'negotiate', 'emulator']) expect(existsSync(join(out, 'modules', `${m}.html`))).toBe(true);
    // Doc comments of exports, as written in the sources.
    expect(text('functions/sspi.InitSecurityInterface.html')).toContain('the function table bound to process');
    expect(text('variables/device.CE_IMAGE_SECURITY_PACKAGES.html')).toContain('Schannel ships in every such image');
    expect(text('functions/ntlm.addNtlmAccount.html')).toContain('Adds or replaces a local account of the device');
    expect(text('classes/emulator.Simulation.html')).toContain('One deterministic simulation run');
  });
});
