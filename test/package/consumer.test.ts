/**
 * cesim as its users install it: `npm pack` the package (which builds `dist/` through `prepare`),
 * install the tarball into an empty project with no network (`npm ci --offline`: the tarball
 * and, for cesim's own dependencies, the npm cache that the repository's `npm ci` filled, pinned
 * by a lock file made from this repository's), and use it as a Node project and a TypeScript
 * project would. The package is built and installed once for the whole file.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cesim } from '../cli/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  engines: Record<string, string>;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
};
const MODULES = ['device', 'sspi', 'schannel', 'ntlm', 'negotiate', 'emulator'] as const;
/** Each test runs child processes (npx, node, tsc); on a busy 2-core machine they take a while. */
const SLOW = 300_000;

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [k: string]: unknown;
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  integrity: string;
  files: { path: string; size: number }[];
}

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  // No npm_config_* from the `npm test` that may be running this: the consumer's npm reads only its own settings (and the cache).
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k) || k === 'npm_config_cache'));
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}${r.error ? ` (${r.error.message})` : ''}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/**
 * The lock entries of `names` and everything they depend on, found as Node finds them (the
 * nearest `node_modules/<name>` above the requiring package), from this repository's lock.
 */
function closure(lock: Record<string, LockEntry>, names: string[]): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  const visit = (from: string, name: string, optional: boolean): void => {
    let dir = from;
    for (;;) {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock[key]) {
        if (out.has(key)) return;
        const e = lock[key]!;
        out.set(key, e);
        for (const d of Object.keys(e.dependencies ?? {})) visit(key, d, false);
        for (const d of Object.keys(e.optionalDependencies ?? {})) visit(key, d, true);
        return;
      }
      if (!dir) {
        if (optional) return; // an optional dependency for another platform
        throw new Error(`package-lock.json has no entry for ${name} (needed by ${from || 'cesim'})`);
      }
      const i = dir.lastIndexOf('/node_modules/');
      dir = i < 0 ? '' : dir.slice(0, i);
    }
  };
  for (const n of names) visit('', n, false);
  return out;
}

let project = '';
let pack: PackResult;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'cesim-consumer-'));
  // `npm pack` runs `prepare`, which builds dist/.
  const packed = JSON.parse(must(run('npm', ['pack', '--json', '--pack-destination', project], root, 400_000), 'npm pack')) as PackResult[];
  pack = packed[0]!;

  const lock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const typesNode = lock['node_modules/@types/node']!;
  const consumer = {
    name: 'cesim-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { cesim: `file:${pack.filename}` },
    devDependencies: { '@types/node': typesNode.version! },
  };
  const packages: Record<string, LockEntry> = {
    '': { name: consumer.name, version: consumer.version, dependencies: consumer.dependencies, devDependencies: consumer.devDependencies },
    'node_modules/cesim': {
      version: rootPkg.version,
      resolved: `file:${pack.filename}`,
      integrity: pack.integrity,
      license: 'MIT',
      dependencies: rootPkg.dependencies,
      bin: rootPkg.bin,
      engines: rootPkg.engines,
    },
  };
  const strip = (e: LockEntry): LockEntry => {
    const { dev: _d, devOptional: _o, peer: _p, ...rest } = e;
    return rest;
  };
  for (const [k, e] of closure(lock, Object.keys(rootPkg.dependencies))) packages[k] = strip(e);
  for (const [k, e] of closure(lock, ['@types/node'])) if (!packages[k]) packages[k] = { ...strip(e), dev: true };
  writeFileSync(join(project, 'package.json'), JSON.stringify(consumer, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: consumer.name, version: consumer.version, lockfileVersion: 3, requires: true, packages }, null, 2));
  must(run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project), 'npm ci --offline in the consumer project (the npm cache must hold what the repository\'s npm ci fetched)');
}, 600_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const node = (args: string[]): SpawnSyncReturns<string> => run(process.execPath, args, project, 120_000);
const npx = (args: string[]): SpawnSyncReturns<string> => run('npx', ['--no', '--', 'cesim', ...args], project, 180_000);

describe('the packed tarball', () => {
  it('ships the build, the command, the scenarios and the docs; no tests and no TypeScript sources', () => {
    const paths = pack.files.map((f) => f.path);
    for (const m of MODULES) {
      for (const f of ['index.js', 'index.js.map', 'index.d.ts', 'index.d.ts.map']) expect(paths).toContain(`dist/${m}/${f}`);
    }
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'bin/cesim.mjs', 'scenarios/default.json', 'scenarios/schema.json', 'scenarios/pki/ec-root.pem']));
    // sdk/include and sdk/lib: the C SDK's headers and C runtime, which `cesim cc` compiles with.
    // examples/c: the C examples, which the built-in c-webclient scenario compiles.
    const stray = paths.filter((p) => !/^(dist|bin|scenarios|docs|sdk\/include|sdk\/lib|examples\/c)\//.test(p) && !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(p));
    expect(stray).toEqual([]);
    expect(paths.filter((p) => /(^|\/)test\/|\.test\.|\.tsbuildinfo$|^docs\/api\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.[cm]?ts$/.test(p) && !/\.d\.[cm]?ts$/.test(p))).toEqual([]);
    // What the README reports (and the reviewer asked for): figures of this tarball.
    console.log(`cesim tarball: ${pack.filename}, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${pack.entryCount} files`);
  }, SLOW);

  it('installs without tsx: nothing in the installed package needs a TypeScript loader', () => {
    expect(existsSync(join(project, 'node_modules', 'cesim', 'dist', 'sspi', 'index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
  }, SLOW);
});

describe('plain Node ESM', () => {
  it.each(MODULES)('imports cesim/%s', (m) => {
    const probe: Record<(typeof MODULES)[number], string> = {
      device: `typeof m.Device === 'function' && typeof m.getProfile('ce210-handheld').ramBytes === 'number'`,
      sspi: `typeof m.InitSecurityInterface === 'function' && m.SEC_I_CONTINUE_NEEDED === 0x00090312 && m.UNISP_NAME.length > 0`,
      schannel: `typeof m.createSchannelModule === 'function' && m.SCHANNEL_DLL === 'schannel.dll'`,
      ntlm: `typeof m.addNtlmAccount === 'function' && m.NTLM_DLL === 'ntlmssp.dll' && m.NTLMSP_NAME === 'NTLM'`,
      negotiate: `typeof m.createNegotiateModule === 'function' && m.NEGOTIATE_DLL === 'spnego.dll' && m.NEGOSSP_NAME === 'Negotiate'`,
      emulator: `typeof m.Simulation === 'function'`,
    };
    const r = node(['--input-type=module', '-e', `const m = await import('cesim/${m}'); console.log(${probe[m]} ? 'ok' : 'bad')`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  }, SLOW);

  it('a new device from a built-in profile lists Schannel and NTLM with no registration call', () => {
    const script = [
      "import { Device, getProfile } from 'cesim/device';",
      "import { InitSecurityInterface, readSecPkgInfo } from 'cesim/sspi';",
      "import 'cesim/schannel';",
      "import 'cesim/ntlm';",
      "import 'cesim/negotiate';",
      "const p = new Device(getProfile('ce210-handheld')).createProcess('enum.exe');",
      'const sspi = InitSecurityInterface(p);',
      'const n = { value: 0 }, list = { value: 0 };',
      'const st = sspi.EnumerateSecurityPackages(n, list);',
      'console.log(st, Array.from({ length: n.value }, (_, i) => readSecPkgInfo(p, list.value, i).Name).join(","));',
    ].join('\n');
    const r = node(['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0 Microsoft Unified Security Protocol Provider,Schannel,NTLM,Negotiate');
  }, SLOW);

  it("runs the README's Schannel example, type-stripped, against the installed package", () => {
    const source = readFileSync(join(root, 'examples', 'schannel.ts'), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    mkdirSync(join(project, 'examples'), { recursive: true });
    writeFileSync(join(project, 'examples', 'schannel.mjs'), js);
    const r = node([join(project, 'examples', 'schannel.mjs')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const re of [/InitializeSecurityContext → SEC_E_OK .*attrs 0x811c/, /AcceptSecurityContext {5}→ SEC_E_OK/, /negotiated TLS_AES_128_GCM_SHA256/, /DecryptMessage {12}→ SEC_E_OK "GET \/index\.html/, /token 0 B .*general 0 B .*io 0 B/]) {
      expect(r.stdout).toMatch(re);
    }
  }, SLOW);

  it("CommonJS require('cesim/sspi') works where Node loads ES modules from require, and says why where it does not", () => {
    writeFileSync(join(project, 'req.cjs'), "const s = require('cesim/sspi'); console.log(typeof s.InitSecurityInterface, s.SEC_E_OK);\n");
    const r = node([join(project, 'req.cjs')]);
    const features = process.features as { require_module?: boolean };
    if (features.require_module) {
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe('function 0');
    } else {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/ERR_REQUIRE_ESM|ES Module/i);
    }
  }, SLOW);
});

describe('TypeScript consumers', () => {
  it('a strict project type-checks against the declarations (and a wrong type is caught)', () => {
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'src', 'schannel-example.ts'), readFileSync(join(root, 'examples', 'schannel.ts'), 'utf8'));
    writeFileSync(
      join(project, 'src', 'consumer.ts'),
      [
        "import { Device, getProfile, type DeviceProfile, type Process } from 'cesim/device';",
        "import { InitSecurityInterface, readSecPkgInfo, SecPkgInfo, SEC_E_OK, statusName, type SECURITY_STATUS, type SecurityFunctionTableW } from 'cesim/sspi';",
        "import { SCHANNEL_DLL, validateSchannelCred } from 'cesim/schannel';",
        "import { Simulation, type RunResult } from 'cesim/emulator';",
        '',
        "const profile: DeviceProfile = getProfile('ce210-tight');",
        'const device = new Device(profile, { seed: 7 });',
        "const p: Process = device.createProcess('app.exe');",
        'const sspi: SecurityFunctionTableW = InitSecurityInterface(p);',
        'const count = { value: 0 };',
        'const list = { value: 0 };',
        'const st: SECURITY_STATUS = sspi.EnumerateSecurityPackages(count, list);',
        'const infos: SecPkgInfo[] = Array.from({ length: count.value }, (_, i) => readSecPkgInfo(p, list.value, i));',
        'const name: string = statusName(st);',
        'const dll: string = SCHANNEL_DLL;',
        'const sim = new Simulation({ seed: 1 });',
        'const done: Promise<RunResult> = sim.run();',
        'void [name, dll, done, validateSchannelCred, infos];',
        '// @ts-expect-error: SEC_E_OK is a number; if the declarations were `any` this line would not be an error',
        'const wrong: string = SEC_E_OK;',
        'void wrong;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], noEmit: true, skipLibCheck: false }, include: ['src'] }),
    );
    const r = node([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, 'tsconfig.json')]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, SLOW);
});

describe('the cesim command from the package', () => {
  it('npx cesim --help and --version', () => {
    const h = npx(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^Usage: cesim <command>/);
    const v = npx(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toBe(`cesim ${rootPkg.version}\n`);
  }, SLOW);

  it('npx cesim run runs the default scenario with plain Node, with the trace hash of the sources', async () => {
    const r = npx(['run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fromSource = await cesim('run');
    const hash = (s: string) => /Trace hash ([0-9a-f]{64})/.exec(s)?.[1];
    expect(hash(r.stdout)).toBeDefined();
    expect(hash(r.stdout)).toBe(hash(fromSource.stdout));
  }, SLOW);

  it('npx cesim campaign starts its workers from the compiled JavaScript', () => {
    const r = npx(['campaign', 'echo-lossy', '--seeds', '1..2', '--workers', '2', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { runs: number; exceptions: number };
    expect(doc.runs).toBe(2);
    expect(doc.exceptions).toBe(0);
  }, SLOW);

  it('npx cesim advise starts its workers from the compiled JavaScript', () => {
    const r = npx(['advise', 'echo-lossy', '--seeds', '1..2', '--workers', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { seeds: number[]; groups: { runs: number }[] };
    expect(doc.groups.map((g) => g.runs)).toEqual([2, 2]);
  }, SLOW);

  it('a JavaScript scenario module runs; a TypeScript one without tsx says how to get it', () => {
    const scenario = readFileSync(join(project, 'node_modules', 'cesim', 'scenarios', 'echo-lossy.json'), 'utf8');
    writeFileSync(join(project, 'scenario.mjs'), `export default ${scenario};\n`);
    const js = npx(['run', './scenario.mjs']);
    expect(js.status).toBe(0);
    expect(js.stdout).toMatch(/PASS/);
    writeFileSync(join(project, 'scenario.ts'), `const s: Record<string, unknown> = ${scenario};\nexport default s;\n`);
    const tsr = npx(['run', './scenario.ts']);
    expect(tsr.status).not.toBe(0);
    expect(tsr.stderr).toMatch(/scenario\.ts is a TypeScript scenario module .*npm install --save-dev tsx/);
  }, SLOW);
});
