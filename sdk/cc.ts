/**
 * `cesim cc`: compiles C written against cesim's CE headers to a WebAssembly module that the
 * runtime (`cruntime/`) runs as a process of an emulated device.
 *
 * The toolchain is Debian's clang (wasm32-wasi target), lld (wasm-ld), wasi-libc, compiler-rt's
 * wasm32 builtins and binaryen's wasm-opt (for the Asyncify pass); `.ci/run` installs them.
 * Steps: clang compiles and links the user's sources with `sdk/lib/crt.c` against wasi-libc,
 * importing its memory (the runtime makes it the size of the device's address space), stack
 * first; wasm-opt then counts the C code's own work (`--log-execution`: an `env.log_execution`
 * call at each function entry and loop header, which the runtime charges to the device CPU) and
 * instruments the module for the blocking imports ({@link SUSPENDING_IMPORTS}); last, a
 * `cesim.abi` custom section marks it as built for cesim.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_SECTION, ABI_VERSION, IMPORT_MODULE, STACK_BYTES, SUSPENDING_IMPORTS } from './abi.js';

const here = dirname(fileURLToPath(import.meta.url));
// From the sources the headers sit beside this file; from the build (dist/sdk/) two levels up, in sdk/.
const sdkRoot = existsSync(join(here, 'include')) ? here : join(here, '..', '..', 'sdk');
/** The SDK's headers (`windows.h`, `winsock.h`, `security.h`, `sspi.h`, `schannel.h`, `wincrypt.h`). */
export const SDK_INCLUDE_DIR = join(sdkRoot, 'include');
/** The SDK's C runtime sources. */
export const SDK_LIB_DIR = join(sdkRoot, 'lib');

/** Where the tools were found. */
export interface Toolchain {
  clang: string;
  wasmOpt: string;
  /** `--sysroot` for wasi-libc (its headers in `include/wasm32-wasi`, its libraries in `lib/wasm32-wasi`). */
  sysroot: string;
}

/** The result of looking for the toolchain: the tools, or what is missing with the Debian packages that bring it. */
export type ToolchainLookup = { ok: true; toolchain: Toolchain } | { ok: false; missing: string[]; install: string };

const DEBIAN_PACKAGES = 'clang lld wasi-libc libclang-rt-14-dev-wasm32 binaryen';

function onPath(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

/** Finds clang, wasm-ld, wasm-opt, wasi-libc and the wasm32 builtins (env `CESIM_CLANG`, `CESIM_WASM_OPT`, `CESIM_WASI_SYSROOT` override). */
export function findToolchain(env: NodeJS.ProcessEnv = process.env): ToolchainLookup {
  const missing: string[] = [];
  const clang = env.CESIM_CLANG ?? onPath('clang');
  if (!clang) missing.push('clang');
  if (!onPath('wasm-ld')) missing.push('wasm-ld (lld)');
  const wasmOpt = env.CESIM_WASM_OPT ?? onPath('wasm-opt');
  if (!wasmOpt) missing.push('wasm-opt (binaryen)');
  const sysroots = env.CESIM_WASI_SYSROOT ? [env.CESIM_WASI_SYSROOT] : ['/usr', '/usr/share/wasi-sysroot', '/opt/wasi-sdk/share/wasi-sysroot'];
  const sysroot = sysroots.find((s) => existsSync(join(s, 'include/wasm32-wasi/stdio.h')) || existsSync(join(s, 'include/stdio.h')) && existsSync(join(s, 'lib/wasm32-wasi/libc.a')));
  if (!sysroot) missing.push('wasi-libc');
  if (clang) {
    const r = spawnSync(clang, ['--target=wasm32-wasi', '-print-libgcc-file-name', '-rtlib=compiler-rt'], { encoding: 'utf8' });
    const lib = r.stdout.trim();
    if (r.status !== 0 || !lib || !existsSync(lib)) missing.push('the wasm32 compiler-rt builtins (libclang-rt-dev-wasm32)');
  }
  if (missing.length > 0 || !clang || !wasmOpt || !sysroot) return { ok: false, missing, install: `apt-get install ${DEBIAN_PACKAGES}` };
  return { ok: true, toolchain: { clang, wasmOpt, sysroot } };
}

/** What to compile. */
export interface CompileOptions {
  /** C source files. */
  sources: string[];
  /** The module to write. */
  output: string;
  /** More include folders (`-I`). */
  includeDirs?: string[];
  /** Macros (`-D NAME` or `-D NAME=VALUE`). */
  defines?: string[];
  /** Optimisation level (`-O0`, `-O1`, `-O2`, `-O3`, `-Os`, `-Oz`; default `-O2`). */
  optimize?: string;
  /** Keep debug information (`-g`) besides the names section (kept always, for fault reports). */
  debug?: boolean;
  /** The toolchain (default: {@link findToolchain}). */
  toolchain?: Toolchain;
}

/** The result of a compile: the module written, or the compiler's diagnostics. */
export type CompileResult =
  | { ok: true; output: string; bytes: number; commands: string[][]; diagnostics: string }
  | { ok: false; stage: 'toolchain' | 'compile' | 'asyncify'; diagnostics: string; commands: string[][] };

/** Appends a custom section (id 0) to a module. */
export function appendCustomSection(module: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes, ...payload];
  const section = new Uint8Array([0, ...leb(body.length), ...body]);
  const out = new Uint8Array(module.length + section.length);
  out.set(module);
  out.set(section, module.length);
  return out;
}

/** Flags of every compile: the target, CE's Unicode and macros, the SDK's headers. */
function compileFlags(opts: CompileOptions, tc: Toolchain): string[] {
  const opt = opts.optimize ?? '-O2';
  if (!/^-O[0-3sz]$/.test(opt)) throw new RangeError(`optimisation level: expected -O0..-O3, -Os or -Oz, got ${opt}`);
  return [
    '--target=wasm32-wasi',
    `--sysroot=${tc.sysroot}`,
    opt,
    ...(opts.debug ? ['-g'] : []),
    // An undeclared function would become an unresolvable import: make it the error it is on CE.
    '-Werror=implicit-function-declaration',
    '-DUNICODE',
    '-D_UNICODE',
    '-D_WIN32_WCE=210',
    '-DUNDER_CE=210',
    '-D_WIN32',
    '-DWIN32',
    '-D__CESIM__=1',
    `-I${SDK_INCLUDE_DIR}`,
    ...(opts.includeDirs ?? []).map((d) => `-I${d}`),
    ...(opts.defines ?? []).map((d) => `-D${d}`),
  ];
}

/**
 * The clang command lines for `opts`: one compile (`-c`) per source and the SDK's runtime, then
 * the link. The link gets no `-O` flag: with one, clang would run wasm-opt itself and drop the
 * names section that fault reports and leak call sites use.
 */
export function clangCommands(opts: CompileOptions, tc: Toolchain, workDir: string, out: string): string[][] {
  const flags = compileFlags(opts, tc);
  const sources = [...opts.sources, join(SDK_LIB_DIR, 'crt.c')];
  const objects = sources.map((_, i) => join(workDir, `${i}.o`));
  const compiles = sources.map((src, i) => [tc.clang, ...flags, '-c', src, '-o', objects[i]!]);
  const link = [
    tc.clang,
    '--target=wasm32-wasi',
    `--sysroot=${tc.sysroot}`,
    ...objects,
    '-o',
    out,
    '-Wl,--import-memory',
    '-Wl,--stack-first',
    `-Wl,-z,stack-size=${STACK_BYTES}`,
    '-Wl,--export=__heap_base',
    '-Wl,--export=__data_end',
  ];
  return [...compiles, link];
}

/** Compiles `opts.sources` to `opts.output` (see the module comment for the steps). */
export function compile(opts: CompileOptions): CompileResult {
  const commands: string[][] = [];
  let tc = opts.toolchain;
  if (!tc) {
    const found = findToolchain();
    if (!found.ok) return { ok: false, stage: 'toolchain', diagnostics: `cesim cc needs ${found.missing.join(', ')}: ${found.install}`, commands };
    tc = found.toolchain;
  }
  const work = mkdtempSync(join(tmpdir(), 'cesim-cc-'));
  try {
    const linked = join(work, 'linked.wasm');
    let diagnostics = '';
    for (const cc of clangCommands(opts, tc, work, linked)) {
      commands.push(cc);
      const r1 = spawnSync(cc[0]!, cc.slice(1), { encoding: 'utf8' });
      diagnostics += r1.stderr ?? '';
      if (r1.status !== 0) return { ok: false, stage: 'compile', diagnostics: diagnostics || (r1.error?.message ?? 'clang failed'), commands };
    }
    const async = join(work, 'async.wasm');
    const imports = SUSPENDING_IMPORTS.map((n) => `${IMPORT_MODULE}.${n}`).join(',');
    const wo = [tc.wasmOpt, linked, '--log-execution', '--asyncify', `--pass-arg=asyncify-imports@${imports}`, opts.optimize === '-O0' ? '-O0' : '-O1', '-g', '-o', async];
    commands.push(wo);
    const r2 = spawnSync(wo[0]!, wo.slice(1), { encoding: 'utf8' });
    if (r2.status !== 0) return { ok: false, stage: 'asyncify', diagnostics: (r2.stderr || r2.error?.message) ?? 'wasm-opt failed', commands };
    const bytes = appendCustomSection(readFileSync(async), ABI_SECTION, new Uint8Array([ABI_VERSION]));
    writeFileSync(opts.output, bytes);
    return { ok: true, output: opts.output, bytes: statSync(opts.output).size, commands, diagnostics: diagnostics + r2.stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Where {@link compileCached} keeps its modules: `$CESIM_CC_CACHE`, else `<tmp>/cesim-cc-cache`. */
export function ccCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CESIM_CC_CACHE || join(tmpdir(), 'cesim-cc-cache');
}

/**
 * Compiles `sources` once and reuses the module while nothing that goes into it changes: the
 * key is a hash of the sources, the SDK's headers and C runtime, the options and the ABI version.
 * A scenario that names C sources (the `wasm` program's `module: "app.c"`) runs through this.
 */
export function compileCached(sources: string[], opts: Omit<CompileOptions, 'sources' | 'output'> = {}): CompileResult {
  const h = createHash('sha256');
  h.update(`abi ${ABI_VERSION}\0${JSON.stringify({ i: opts.includeDirs ?? [], d: opts.defines ?? [], o: opts.optimize ?? '-O2', g: opts.debug ?? false })}\0`);
  for (const src of sources) h.update(readFileSync(src)).update('\0');
  for (const dir of [SDK_INCLUDE_DIR, SDK_LIB_DIR]) for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f))).update('\0');
  const dir = ccCacheDir();
  const output = join(dir, `${h.digest('hex').slice(0, 32)}.wasm`);
  if (existsSync(output)) return { ok: true, output, bytes: statSync(output).size, commands: [], diagnostics: '' };
  mkdirSync(dir, { recursive: true });
  // Written beside and renamed into place, so a concurrent run never reads half a module.
  const partial = `${output}.${process.pid}.part`;
  const r = compile({ ...opts, sources, output: partial });
  if (!r.ok) return r;
  renameSync(partial, output);
  return { ...r, output };
}
