/**
 * A WebAssembly module built by `cesim cc`, run unchanged as a process of an emulated device.
 *
 * Address space: the module's linear memory *is* the process's view of device addresses, so a
 * C pointer is a device address. The memory is made as large as the device's mapped space
 * (up to the end of the pools at 0x4200_0000 and above, about 1 GB of host address space that
 * the host commits only where touched) and never grows. Inside it:
 *
 * | device address | what | device region |
 * | --- | --- | --- |
 * | 0x0000_0000–0x0000_0FFF | NULL page | unmapped (a device read there faults) |
 * | 0x0000_1000–0x0000_FFFF | C stack (64 KB, grows down; an overflow runs below 0 and traps) | `image:NAME#PID` |
 * | 0x0001_0000–`__heap_base` | C static data and bss | `image:NAME#PID` |
 * | `__heap_base`+ | the Asyncify save area (the runtime's, not the firmware's) | unmapped |
 * | slot base + 0x0010_0000 | the process heap (LocalAlloc, HeapAlloc, malloc) | `heap:NAME#PID` |
 * | 0x4200_0000+ | the device's fixed pools (token, general, io), shared with every process | `pool:NAME` |
 *
 * The heap and pool regions keep their device addresses; while the process runs their bytes are
 * windows of the linear memory (`Region.attach`), so a token block that ISC allocates is read by
 * C at the very pointer ISC wrote into its `SecBuffer`, and `FreeContextBuffer(ptr)` returns that
 * block. Guard bytes, owner tags, leak reports and forced failures are those of the device: C
 * allocations go through `LocalAlloc`. C's own loads and stores are not checked against the
 * device's regions (WebAssembly checks only the bounds of the memory): an overflow is found
 * where the device finds one, at the free or at exit by the guard bytes, as a debug heap would.
 *
 * Limits: one WebAssembly process per device at a time (the pools can be windows of one
 * memory only); no threads (`CreateThread` is not provided).
 *
 * CPU: each call into the device is charged as `win32.call` (300 cycles) plus what it does; the C
 * code's own work between calls is counted by binaryen's `--log-execution` pass, which `cesim cc`
 * runs: every function entry and loop iteration calls `env.log_execution`, and the blocks counted
 * are charged as {@link CODE_PRIMITIVE} (a modelled cost per block) before each call into the
 * device and at exit. A module built without the pass runs uncounted.
 */
import { Region, fileTimeToSystemTime, systemTimeToFileTime, DeviceFaultError, type DeviceFaultKind } from '../device/index.js';
import { ABI_SECTION, IMPORT_MODULE, STACK_BYTES, SUSPENDING_IMPORTS } from '../sdk/index.js';
import { AsyncifyDriver, type HostFunction } from './asyncify.js';
import { BadPointer, CMemory } from './cmem.js';
import type { WasmHost } from './host.js';
import { sspiImports } from './sspi-bridge.js';
import { CertRegistry } from './wincrypt.js';
import { winsockImports } from './winsock.js';

/** Device address where the image region starts (below it: the NULL page). */
export const IMAGE_BASE = 0x1000;
/** Bytes of the Asyncify save area (the frames of the deepest blocking call chain). */
export const ASYNCIFY_BYTES = 0x10000;
/** WebAssembly page size. */
const PAGE = 0x10000;
/** Owner tag of `malloc`/`calloc`/`realloc` blocks. */
export const MALLOC_TAG = 'c.malloc';
/** Owner tag of the argv block the C start-up code allocates (freed by the runtime at exit). */
export const ARGV_TAG = 'c.crt.argv';
/** Owner tag of `LocalAlloc` blocks from C. */
export const LOCALALLOC_TAG = 'c.LocalAlloc';
/** Owner tag of `HeapAlloc` blocks from C. */
export const HEAPALLOC_TAG = 'c.HeapAlloc';
/** The primitive each call from C into the device is charged as. */
export const CALL_PRIMITIVE = 'win32.call';
/**
 * The primitive the C code's own work is charged as: one "byte" of it is one block executed (a
 * function entry or a loop iteration, as counted by binaryen's `--log-execution` instrumentation).
 */
export const CODE_PRIMITIVE = 'c.code';
/** The import binaryen's `--log-execution` pass calls at each function entry and loop header. */
const LOG_EXECUTION = 'log_execution';

const LMEM_MOVEABLE = 0x0002;
const LMEM_ZEROINIT = 0x0040;
const HEAP_ZERO_MEMORY = 0x0008;
const ERROR_NOT_ENOUGH_MEMORY = 8;
const ERROR_INVALID_PARAMETER = 87;
/** Windows' exit codes for a process killed by an exception. */
const STATUS_ACCESS_VIOLATION = 0xc0000005;
const STATUS_STACK_OVERFLOW = 0xc00000fd;
const STATUS_ILLEGAL_INSTRUCTION = 0xc000001d;
const STATUS_BREAKPOINT = 0x80000003;

/** WASI errno values (wasi_snapshot_preview1). */
const WASI_ESUCCESS = 0;
const WASI_EBADF = 8;
const WASI_ENOSYS = 52;
const WASI_ESPIPE = 70;
const WASI_FILETYPE_CHARACTER_DEVICE = 2;

/** How a C process ended. */
export interface WasmExit {
  /** `main`'s return value, `exit()`'s or `ExitProcess`'s argument, or the exception code of a fault. */
  exitCode: number;
  /** The fault that killed it (also in `device.faults`), or null. */
  fault: { kind: DeviceFaultKind; where: string; detail: string } | null;
  /** Lines the process wrote to its console (stdout, stderr, OutputDebugString). */
  console: string[];
  /** Calls into the device (each charged as {@link CALL_PRIMITIVE}). */
  calls: number;
  /** Blocks of the C code's own work counted and charged as {@link CODE_PRIMITIVE}. */
  blocks: number;
  /** Times the process blocked in a call (suspended by Asyncify). */
  suspensions: number;
  /** Bytes of the image region (stack, data, bss) the process held. */
  imageBytes: number;
}

/** Options of {@link runWasmProcess}. */
export interface WasmRunOptions {
  /** argv (argv[0] included; default `[process name]`). */
  args?: string[];
  /** Called with each console line as it is written. */
  onConsole?: (line: string) => void;
}

class ExitSignal {
  constructor(readonly code: number) {}
}

const FRAME = /at (?:[^\s(]*\.)?([^\s(.]+) \(wasm:\/\/wasm\/[^)]*:wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)/;
/** The C runtime's own functions: a call site is the first frame outside them. */
const CRT_FUNCTIONS = new Set(['malloc', 'calloc', 'realloc', 'free', 'aligned_alloc', 'posix_memalign', 'memalign', 'strdup', 'strndup', 'gethostbyname']);

/** wasi-libc renames `main`: `main(void)` is `__original_main`, `main(argc, argv)` is `__main_argc_argv`. */
const C_NAMES: Record<string, string> = { __original_main: 'main', __main_argc_argv: 'main' };

/** The C function and module offset of the innermost C frame of `stack` outside the C runtime, e.g. `main+0x1f3`. */
export function cCallSite(stack: string | undefined): string | null {
  if (!stack) return null;
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (m && !CRT_FUNCTIONS.has(m[1]!)) return `${C_NAMES[m[1]!] ?? m[1]}+${m[3]}`;
  }
  return null;
}

function captureSite(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return cCallSite(stack);
}

/** Compiles a module's bytes (checking it was built by `cesim cc`). */
export function loadWasmModule(bytes: Uint8Array): WebAssembly.Module {
  const m = new WebAssembly.Module(bytes);
  if (WebAssembly.Module.customSections(m, ABI_SECTION).length === 0) {
    throw new Error(`not a cesim module (no ${ABI_SECTION} section): build it with cesim cc`);
  }
  return m;
}

/**
 * Runs `module`'s `_start` as `host.process` until it exits, traps or faults. The caller exits
 * the process afterwards (its leak report then covers what C left allocated).
 */
export async function runWasmProcess(host: WasmHost, module: WebAssembly.Module | Uint8Array, opts: WasmRunOptions = {}): Promise<WasmExit> {
  const { device, process } = host;
  const mod = module instanceof WebAssembly.Module ? module : loadWasmModule(module);
  const active = device.service('cruntime.active', () => ({ pid: 0 }));
  if (active.pid !== 0) throw new Error(`device ${device.name}: a WebAssembly process (pid ${active.pid}) is running already; cesim runs one per device`);

  // ---- the address space
  const heapRegion = process.heap.region;
  const pools = [...device.pools.values()].map((p) => p.region);
  let end = heapRegion.base + heapRegion.size;
  for (const r of pools) end = Math.max(end, r.base + r.size);
  const pages = Math.ceil(end / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const cm = new CMemory(memory);
  const mem = (): CMemory => cm;

  const console: string[] = [];
  const lineBuf = new Map<number, string>();
  const emitLine = (fd: number, line: string): void => {
    console.push(line);
    opts.onConsole?.(line);
    host.trace('c.console', { fd, line });
  };
  const writeText = (fd: number, text: string): void => {
    const parts = ((lineBuf.get(fd) ?? '') + text).split('\n');
    lineBuf.set(fd, parts.pop()!);
    for (const p of parts) emitLine(fd, p);
  };
  const flushText = (): void => {
    for (const [fd, rest] of lineBuf) if (rest) emitLine(fd, rest);
    lineBuf.clear();
  };

  let calls = 0;
  /** Blocks the C code ran since the last charge (function entries and loop iterations). */
  let blocks = 0;
  let blocksTotal = 0;
  const chargeCode = (): void => {
    if (blocks === 0) return;
    const n = blocks;
    blocks = 0;
    blocksTotal += n;
    device.runAs(process, () => device.cpu.charge(CODE_PRIMITIVE, n));
  };
  const charge = (): void => {
    calls++;
    chargeCode();
    device.runAs(process, () => device.cpu.charge(CALL_PRIMITIVE));
  };

  const certs = new CertRegistry(process, device);
  const startup: number[] = [];
  const setLastError = (e: number): void => {
    process.lastError = e;
  };

  // ---- coredll
  const heapAlloc = (flags: number, n: number, tag: string, call: string): number => device.withCall(call, () => process.LocalAlloc(flags, n >>> 0, tag));
  const heapFree = (p: number, call: string): number => device.withCall(call, () => process.LocalFree(p >>> 0));
  const reallocate = (p: number, n: number, zero: boolean, tag: string, call: string): number => {
    const blk = process.blockOf(p);
    if (!blk || blk.pool !== 'heap') {
      device.recordFault('bad-free', process.pid, p, `${call}: 0x${(p >>> 0).toString(16)} is not a heap block`);
      process.lastError = ERROR_INVALID_PARAMETER;
      return 0;
    }
    const q = heapAlloc(zero ? LMEM_ZEROINIT : 0, n, blk.owner.tag === tag ? tag : blk.owner.tag, call);
    if (q === 0) return 0;
    cm.u8.copyWithin(q, p, p + Math.min(blk.size, n));
    heapFree(p, call);
    return q;
  };
  const systemTime = (p: number, ft: bigint): void => {
    const st = fileTimeToSystemTime(ft);
    const f = [st.wYear, st.wMonth, st.wDayOfWeek, st.wDay, st.wHour, st.wMinute, st.wSecond, st.wMilliseconds];
    f.forEach((v, i) => cm.setU16(p + 2 * i, v));
  };
  const guardBool = (fn: () => number): number => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BadPointer) {
        process.lastError = ERROR_INVALID_PARAMETER;
        return 0;
      }
      throw e;
    }
  };
  const kernel: Record<string, HostFunction> = {
    LocalAlloc: (flags, n) => heapAlloc(flags, n, LOCALALLOC_TAG, 'LocalAlloc'),
    LocalFree: (p) => heapFree(p, 'LocalFree'),
    LocalSize: (p) => process.LocalSize(p >>> 0),
    LocalReAlloc: (p, n, flags) => {
      const blk = process.blockOf(p >>> 0);
      if (blk && blk.pool === 'heap' && n <= blk.blockSize) return p;
      if ((flags & LMEM_MOVEABLE) === 0) {
        process.lastError = ERROR_NOT_ENOUGH_MEMORY;
        return 0;
      }
      return reallocate(p >>> 0, n >>> 0, (flags & LMEM_ZEROINIT) !== 0, LOCALALLOC_TAG, 'LocalReAlloc');
    },
    GetProcessHeap: () => heapRegion.base,
    HeapAlloc: (_h, flags, n) => heapAlloc((flags & HEAP_ZERO_MEMORY) !== 0 ? LMEM_ZEROINIT : 0, n, HEAPALLOC_TAG, 'HeapAlloc'),
    HeapFree: (_h, _flags, p) => (heapFree(p, 'HeapFree') === 0 ? 1 : 0),
    HeapSize: (_h, _flags, p) => {
      const b = process.blockOf(p >>> 0);
      return b && b.pool === 'heap' ? b.size : 0xffffffff;
    },
    __cesim_malloc: (n, zero) => {
      // wasi-libc's start-up code allocates argv before main; the loader frees it at exit.
      if (captureSite()?.startsWith('__main_void+')) {
        const a = heapAlloc(zero ? LMEM_ZEROINIT : 0, n, ARGV_TAG, 'malloc');
        if (a !== 0) startup.push(a);
        return a;
      }
      return heapAlloc(zero ? LMEM_ZEROINIT : 0, n, MALLOC_TAG, 'malloc');
    },
    __cesim_free: (p) => {
      if (p === 0) return;
      // A start-up block the C runtime frees itself (its argv set-up failing half way) is no
      // longer the loader's to free at exit.
      const i = startup.indexOf(p >>> 0);
      if (i >= 0) startup.splice(i, 1);
      heapFree(p, 'free');
    },
    __cesim_realloc: (p, n) => {
      if (p === 0) return heapAlloc(0, n, MALLOC_TAG, 'realloc');
      if (n === 0) {
        heapFree(p, 'realloc');
        return 0;
      }
      return reallocate(p >>> 0, n >>> 0, false, MALLOC_TAG, 'realloc');
    },
    __cesim_usable_size: (p) => process.LocalSize(p >>> 0),
    GetLastError: () => process.lastError,
    SetLastError: (e) => {
      process.lastError = e >>> 0;
    },
    Sleep: (ms) => host.sleep((ms >>> 0) * 1e6).then(() => 0),
    GetTickCount: () => device.clock.getTickCount() >>> 0,
    GetSystemTime: (p) => {
      guardBool(() => (systemTime(p, device.clock.getSystemTimeAsFileTime()), 1));
    },
    GetLocalTime: (p) => {
      guardBool(() => (systemTime(p, device.clock.getLocalTimeAsFileTime()), 1));
    },
    GetSystemTimeAsFileTime: (p) => {
      guardBool(() => {
        const ft = device.clock.getSystemTimeAsFileTime();
        cm.setU32(p, Number(ft & 0xffffffffn));
        cm.setU32(p + 4, Number(ft >> 32n));
        return 1;
      });
    },
    FileTimeToSystemTime: (pft, pst) =>
      guardBool(() => {
        const ft = (BigInt(cm.u32(pft + 4)) << 32n) | BigInt(cm.u32(pft));
        if (ft >= 0x8000000000000000n) return 0;
        cm.check(pst, 16);
        systemTime(pst, ft);
        return 1;
      }),
    SystemTimeToFileTime: (pst, pft) =>
      guardBool(() => {
        const f = Array.from({ length: 8 }, (_, i) => cm.u16(pst + 2 * i));
        const [wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds] = f as [number, number, number, number, number, number, number, number];
        if (wMonth < 1 || wMonth > 12 || wDay < 1 || wDay > 31 || wHour > 23 || wMinute > 59 || wSecond > 59 || wMilliseconds > 999 || wYear < 1601) {
          process.lastError = ERROR_INVALID_PARAMETER;
          return 0;
        }
        const ft = systemTimeToFileTime({ wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds });
        cm.setU32(pft, Number(ft & 0xffffffffn));
        cm.setU32(pft + 4, Number(ft >> 32n));
        return 1;
      }),
    OutputDebugStringW: (p) => {
      try {
        writeText(3, cm.wide(p, 65536) ?? '');
      } catch (e) {
        if (!(e instanceof BadPointer)) throw e;
      }
    },
    ExitProcess: (code) => {
      throw new ExitSignal(code >>> 0);
    },
    GetCurrentProcessId: () => process.pid,
    DebugBreak: () => {
      throw new WebAssembly.RuntimeError('DebugBreak');
    },
  };

  // ---- WASI (wasi-libc's system interface: the console, args, clocks, random, exit)
  const args = opts.args ?? [process.name];
  const argBytes = args.map((a) => new TextEncoder().encode(`${a}\0`));
  const decoder = new TextDecoder();
  const wasi: Record<string, HostFunction> = {
    args_sizes_get: (pc, ps) => {
      cm.setU32(pc, args.length);
      cm.setU32(ps, argBytes.reduce((n, b) => n + b.length, 0));
      return WASI_ESUCCESS;
    },
    args_get: (pArgv, pBuf) => {
      let at = pBuf;
      argBytes.forEach((b, i) => {
        cm.setU32(pArgv + 4 * i, at);
        cm.write(at, b);
        at += b.length;
      });
      return WASI_ESUCCESS;
    },
    environ_sizes_get: (pc, ps) => {
      cm.setU32(pc, 0);
      cm.setU32(ps, 0);
      return WASI_ESUCCESS;
    },
    environ_get: () => WASI_ESUCCESS,
    fd_write: (fd, iovs, n, pWritten) => {
      if (fd !== 1 && fd !== 2) return WASI_EBADF;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const p = cm.u32(iovs + 8 * i);
        const len = cm.u32(iovs + 8 * i + 4);
        writeText(fd, decoder.decode(cm.bytes(p, len)));
        total += len;
      }
      cm.setU32(pWritten, total);
      return WASI_ESUCCESS;
    },
    fd_read: (fd, _iovs, _n, pRead) => {
      if (fd !== 0) return WASI_EBADF;
      cm.setU32(pRead, 0); // the device has no console input: end of file
      return WASI_ESUCCESS;
    },
    fd_close: (fd) => (fd <= 2 ? WASI_ESUCCESS : WASI_EBADF),
    fd_seek: (fd) => (fd <= 2 ? WASI_ESPIPE : WASI_EBADF),
    fd_fdstat_get: (fd, p) => {
      if (fd > 2) return WASI_EBADF;
      cm.u8.fill(0, p, p + 24);
      cm.u8[p] = WASI_FILETYPE_CHARACTER_DEVICE;
      return WASI_ESUCCESS;
    },
    fd_prestat_get: () => WASI_EBADF,
    fd_prestat_dir_name: () => WASI_EBADF,
    clock_time_get: (id, _precision, pTime) => {
      // 0 realtime (the device's FILETIME as Unix ns), else monotonic (ns since the device booted).
      const ns = id === 0 ? (device.clock.getSystemTimeAsFileTime() - 116444736000000000n) * 100n : BigInt(Math.floor(device.clock.nowNs()));
      cm.check(pTime, 8);
      cm.dv.setBigUint64(pTime, ns, true);
      return WASI_ESUCCESS;
    },
    clock_res_get: (_id, p) => {
      cm.check(p, 8);
      cm.dv.setBigUint64(p, 1000n, true);
      return WASI_ESUCCESS;
    },
    random_get: (p, n) => {
      cm.write(p, device.rng.bytes(n >>> 0));
      return WASI_ESUCCESS;
    },
    sched_yield: () => WASI_ESUCCESS,
    proc_exit: (code) => {
      throw new ExitSignal(code >>> 0);
    },
  };

  // ---- bind every import the module names
  const driver = new AsyncifyDriver(() => cm.dv, ASYNCIFY_BYTES);
  const providers: Record<string, HostFunction> = {
    ...kernel,
    ...(winsockImports(host, mem) as Record<string, HostFunction>),
    ...(sspiImports(process, mem, certs) as Record<string, HostFunction>),
    ...(certs.imports(mem, setLastError) as Record<string, HostFunction>),
  };
  const suspending = new Set(SUSPENDING_IMPORTS);
  const importObject: Record<string, Record<string, WebAssembly.ExportValue>> = { env: { memory }, [IMPORT_MODULE]: {}, wasi_snapshot_preview1: {} };
  const unresolved: string[] = [];
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind === 'memory') {
      if (imp.module !== 'env' || imp.name !== 'memory') unresolved.push(`${imp.module}.${imp.name}`);
      continue;
    }
    if (imp.kind !== 'function') {
      unresolved.push(`${imp.module}.${imp.name}`);
      continue;
    }
    if (imp.module === 'env' && imp.name === LOG_EXECUTION) {
      importObject.env![LOG_EXECUTION] = () => {
        blocks++;
      };
      continue;
    }
    if (imp.module === IMPORT_MODULE) {
      const f = providers[imp.name];
      if (!f) {
        unresolved.push(`${imp.module}.${imp.name}`);
        continue;
      }
      const counted: HostFunction = (...a) => {
        charge();
        return f(...a);
      };
      importObject[IMPORT_MODULE]![imp.name] = suspending.has(imp.name)
        ? driver.wrap(counted)
        : (...a: number[]) => {
            const r = counted(...a);
            if (r instanceof Promise) throw new Error(`${imp.name} blocked but is not a suspending import`);
            return r;
          };
    } else if (imp.module === 'wasi_snapshot_preview1') {
      const f = wasi[imp.name];
      importObject.wasi_snapshot_preview1![imp.name] = f ? (f as WebAssembly.ExportValue) : () => WASI_ENOSYS;
    } else unresolved.push(`${imp.module}.${imp.name}`);
  }
  if (unresolved.length > 0) throw new Error(`the module imports what cesim does not provide: ${unresolved.join(', ')}`);

  const instance = new WebAssembly.Instance(mod, importObject);
  const exp = instance.exports;
  const heapBase = exp.__heap_base instanceof WebAssembly.Global ? (exp.__heap_base.value as number) : 0;
  if (heapBase < STACK_BYTES) throw new Error('the module exports no __heap_base: build it with cesim cc');
  const imageEnd = Math.ceil(heapBase / 16) * 16;
  const asyncifyAt = imageEnd;
  if (asyncifyAt + ASYNCIFY_BYTES > heapRegion.base) throw new Error(`the module's data (${imageEnd} bytes) runs into the process heap at 0x${heapRegion.base.toString(16)}`);
  driver.dataAddr = asyncifyAt;
  driver.bind(exp);

  // The stack, data and bss become the image region; the heap and pools become windows of memory.
  const image = new Region(`image:${process.name}#${process.pid}`, IMAGE_BASE, imageEnd - IMAGE_BASE, 'image', false);
  image.pid = process.pid;
  image.attach(new Uint8Array(memory.buffer, IMAGE_BASE, image.size));
  device.memory.map(image);
  heapRegion.attach(new Uint8Array(memory.buffer, heapRegion.base, heapRegion.size));
  for (const r of pools) r.attach(new Uint8Array(memory.buffer, r.base, r.size));
  active.pid = process.pid;
  process.callSite = captureSite;

  let exitCode = 0;
  let fault: WasmExit['fault'] = null;
  try {
    const start = exp._start;
    if (typeof start !== 'function') throw new Error('the module has no _start: build it with cesim cc');
    device.runAs(process, () => undefined);
    await driver.call(start as (...a: number[]) => unknown);
  } catch (e) {
    if (e instanceof ExitSignal) exitCode = e.code;
    else if (e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/i.test(e.message)) || e instanceof DeviceFaultError) {
      const where = cCallSite(e.stack) ?? '(no C frame)';
      if (e instanceof DeviceFaultError) {
        fault = { kind: e.fault.kind, where, detail: e.fault.detail };
        exitCode = STATUS_ACCESS_VIOLATION;
      } else {
        const msg = e.message;
        const kind: DeviceFaultKind = /out of bounds/i.test(msg) ? 'unmapped-access' : /call stack/i.test(msg) ? 'stack-overflow' : 'trap';
        const detail = `${msg} in ${where}`;
        device.recordFault(kind, process.pid, 0, detail);
        fault = { kind, where, detail };
        exitCode = kind === 'unmapped-access' ? STATUS_ACCESS_VIOLATION : kind === 'stack-overflow' ? STATUS_STACK_OVERFLOW : msg === 'DebugBreak' ? STATUS_BREAKPOINT : STATUS_ILLEGAL_INSTRUCTION;
      }
    } else throw e;
  } finally {
    chargeCode();
    flushText();
    process.callSite = null;
    for (const a of startup) heapFree(a, 'ExitProcess');
    active.pid = 0;
    for (const r of pools) r.detach();
    heapRegion.detach();
    device.memory.unmap(image);
  }
  return { exitCode, fault, console, calls, blocks: blocksTotal, suspensions: driver.suspensions, imageBytes: image.size };
}
