/**
 * `cesim cc file.c … -o app.wasm [-I DIR] [-D NAME[=V]] [-O0|-O1|-O2|-O3|-Os|-Oz] [-g]`: compiles C
 * written against cesim's CE headers to a module `cesim run` runs as a device process. Exits 0
 * when the module was written, 1 on a compile error (clang's diagnostics on stderr), 2 on bad
 * usage or a missing toolchain (the message says what to install).
 */
import { compile, findToolchain, type CompileOptions } from '../../sdk/index.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

const HELP = `Usage: cesim cc FILE.c … -o APP.wasm [-I DIR] [-D NAME[=VALUE]] [-O0|-O1|-O2|-O3|-Os|-Oz] [-g]

Compiles C written against cesim's Windows CE headers (windows.h, winsock.h, security.h/sspi.h,
schannel.h, wincrypt.h) to a WebAssembly module that runs as a process of an emulated device:
  cesim run --program APP.wasm           (the default two-device network, as the client)
  { "program": "wasm", "params": { "module": "APP.wasm" } }   (in a scenario)
Needs Debian's clang, lld, wasi-libc, libclang-rt-14-dev-wasm32 and binaryen.
`;

/** Parses `cesim cc`'s command line. */
export function parseCcArgs(argv: readonly string[]): CompileOptions | 'help' {
  const o: CompileOptions = { sources: [], output: '', includeDirs: [], defines: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (flag: string): string => {
      if (a.length > flag.length) return a.slice(flag.length);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`cc: ${flag} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') return 'help';
    else if (a.startsWith('-o')) o.output = value('-o');
    else if (a.startsWith('-I')) o.includeDirs!.push(value('-I'));
    else if (a.startsWith('-D')) o.defines!.push(value('-D'));
    else if (/^-O[0-3sz]$/.test(a)) o.optimize = a;
    else if (a === '-g') o.debug = true;
    else if (a.startsWith('-')) throw new UsageError(`cc: unknown option ${a}`);
    else if (/\.c$/i.test(a)) o.sources.push(a);
    else throw new UsageError(`cc: ${a}: expected a .c source`);
  }
  if (o.sources.length === 0) throw new UsageError('cc: no C source given');
  if (!o.output) throw new UsageError('cc: no output given (-o APP.wasm)');
  return o;
}

/** `cesim cc`. */
export async function ccCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const opts = parseCcArgs(argv);
  if (opts === 'help') {
    io.stdout(HELP);
    return 0;
  }
  const tc = findToolchain();
  if (!tc.ok) {
    io.stderr(`cesim cc: needs ${tc.missing.join(', ')}; install with: ${tc.install}\n`);
    return 2;
  }
  const r = compile({ ...opts, toolchain: tc.toolchain });
  if (r.diagnostics) io.stderr(r.diagnostics.endsWith('\n') ? r.diagnostics : `${r.diagnostics}\n`);
  if (!r.ok) {
    io.stderr(`cesim cc: ${r.stage} failed\n`);
    return 1;
  }
  io.stdout(`${r.output}: ${r.bytes} bytes\n`);
  return 0;
}
