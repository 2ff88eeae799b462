/**
 * The SSPI state of one device (`device.service('sspi', …)`): the package modules registered in
 * the device registry and loaded on first use, the LSA process, each process's handle table and
 * context buffers, the call frames that the package support functions act for, and the leak
 * reports.
 */

import { listSecurityProvider, listedSecurityProviders, SECURITY_PROVIDERS_KEY, type BlockInfo, type Device, type LeakEntry, type Process } from '../device/index.js';
import { ContextLifecycle } from './lifecycle.js';
import { HandleTable } from './handles.js';
import {
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_BUFFER_TOO_SMALL,
} from './constants.js';
import {
  SECPKG_INTERFACE_VERSION,
  type LSA_SEC_HANDLE,
  type Out,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecpkgCallInfo,
  type SecpkgSupportFunctions,
  type SecurityPackageModule,
  type SecurityPackageModuleFactory,
} from './package.js';
import { SecBuffer, SecBufferDesc, SecPkgInfo } from './structures.js';
import { readBuffer, writeBuffer } from './buffers.js';
import { SEC_SUCCESS, toStatus } from './status.js';

/** The registry key under which packages are listed: one subkey per module, value `DllName` (the device's image writes it). */
export { SECURITY_PROVIDERS_KEY };
/** The LSA process's name. */
export const LSA_PROCESS_NAME = 'lsass.exe';
/** The pool that `ISC_REQ_ALLOCATE_MEMORY` tokens and package-info blocks come from. */
export const TOKEN_POOL = 'token';
/** Owner tag prefix of output tokens (`sspi.token.<Package>`). */
export const TOKEN_TAG = 'sspi.token';
/** Owner tag prefix of other `FreeContextBuffer` blocks (`sspi.ctxbuf.<Package>`). */
export const CONTEXT_BUFFER_TAG = 'sspi.ctxbuf';
/** Owner tag of `SecPkgInfo` blocks. */
export const PKGINFO_TAG = 'sspi.pkginfo';

// ------------------------------------------------------------------------------- modules

interface ModuleEntry {
  name: string;
  factory: SecurityPackageModuleFactory;
  builtIn: boolean;
}

const moduleTable = new Map<string, ModuleEntry>();

/** Options of `registerPackageModule`. */
export interface RegisterModuleOptions {
  /**
   * Listed in every device's registry on first use of Security.dll, whatever its profile says.
   * Prefer naming the DLL in the profile's `securityPackages` (or `AddSecurityPackage`).
   */
  builtIn?: boolean;
}

/**
 * Makes a package module known to cesim under its DLL name (global, like a DLL on the image's
 * file system). A device loads it when its registry lists that DLL: its profile's
 * `securityPackages` (Schannel's `schannel.dll` is there in the built-in profiles, and importing
 * `cesim/schannel` registers its module), or `AddSecurityPackage`.
 */
export function registerPackageModule(dllName: string, factory: SecurityPackageModuleFactory, opts: RegisterModuleOptions = {}): void {
  moduleTable.set(dllName.toLowerCase(), { name: dllName, factory, builtIn: opts.builtIn ?? false });
}

/** Removes a module from the global table (devices that loaded it keep their instance). */
export function unregisterPackageModule(dllName: string): boolean {
  return moduleTable.delete(dllName.toLowerCase());
}

/** The DLL names of the registered modules. */
export function registeredPackageModules(): string[] {
  return [...moduleTable.values()].map((m) => m.name);
}

// ------------------------------------------------------------------------------- objects

/** A pool block a package holds for an object, in the LSA process or the caller. */
export interface TrackedBlock {
  process: Process;
  addr: number;
}

/** What a credential or context handle names. */
export interface SspiObject {
  readonly kind: 'credential' | 'context';
  readonly pkg: LoadedPackage;
  lsaHandle: LSA_SEC_HANDLE;
  /** Handle words once issued. */
  dwLower: number;
  dwUpper: number;
  /** Package blocks (AllocateHeap) owned by this object and still live. */
  readonly blocks: Set<number>;
}

/** A credential handle's object. */
export interface CredentialObject extends SspiObject {
  readonly kind: 'credential';
}

/** A context handle's object. */
export interface ContextObject extends SspiObject {
  readonly kind: 'context';
  /** The credential the context was made with (its LSA handle; the credential may be freed since). */
  credLsaHandle: LSA_SEC_HANDLE;
  readonly fsm: ContextLifecycle;
  /** True once SpInitUserModeContext ran in the owning process. */
  mapped: boolean;
  /** Token/context buffers handed to the caller for this context and not yet freed. */
  readonly buffers: Set<number>;
}

/** A package loaded on a device. */
export interface LoadedPackage {
  /** Index in the device's package list: the `dwUpper` of its handles. */
  readonly index: number;
  readonly name: string;
  readonly info: SecPkgInfo;
  readonly lsa: SECPKG_FUNCTION_TABLE;
  readonly module: LoadedModule;
  /** Index of this package's table in the module's tables. */
  readonly tableIndex: number;
}

/** A module loaded on a device. */
export interface LoadedModule {
  readonly dllName: string;
  readonly module: SecurityPackageModule;
  /** User-mode tables per pid (null: the module has none or they failed to initialise). */
  readonly userByPid: Map<number, SECPKG_USER_FUNCTION_TABLE[] | null>;
}

/** A block handed to a caller that `FreeContextBuffer` releases. */
export interface ContextBufferRecord {
  readonly addr: number;
  readonly pkgName: string;
  /** The context it was made for, if any. */
  owner: ContextObject | null;
}

/** Bytes of one handle-table entry on a 32-bit device (dwLower, dwUpper, package, object). */
export const HANDLE_ENTRY_BYTES = 16;

/** One process's SSPI state. */
export class ProcessState {
  /** Handle table (credentials and contexts). */
  readonly handles: HandleTable<CredentialObject | ContextObject>;
  /** Blocks the caller must release with FreeContextBuffer, by address. */
  readonly contextBuffers = new Map<number, ContextBufferRecord>();
  /** Packages whose `SpInstanceInit` ran in this process. */
  readonly instanceInit = new Set<number>();
  /** A process state with handles of table id `tableId`. */
  constructor(readonly process: Process, tableId: number) {
    // Each open handle costs Security.dll an entry in the process: dwLower, dwUpper, the package
    // and the object pointer (4 × 4 bytes on a 32-bit device), in the process's general pool.
    this.handles = new HandleTable(tableId, {
      alloc: (kind) => process.poolAlloc('general', HANDLE_ENTRY_BYTES, `sspi.handle.${kind}`),
      free: (addr) => void process.poolFree(addr),
    });
  }
}

// ------------------------------------------------------------------------------- reports

/** What is still held when an object or process goes away. */
export interface SspiLeakReport {
  /** The call that ended the owner. */
  event: 'DeleteSecurityContext' | 'FreeCredentialsHandle' | 'ProcessDetach' | 'FailedContextCall';
  pid: number;
  processName: string;
  /** What went away, e.g. `context 0x04010000/0 (TwoLeg)`. */
  owner: string;
  /** Package blocks the owner still held after the package released it: a package leak. */
  packageBlocks: LeakEntry[];
  /** `FreeContextBuffer` blocks made for the owner that the caller has not freed yet. */
  outstandingBuffers: LeakEntry[];
  /** Virtual time. */
  timeNs: number;
}

// ------------------------------------------------------------------------------- frames

/** The call the support functions act for. */
export interface CallFrame {
  readonly caller: Process;
  readonly ps: ProcessState;
  readonly call: string;
  lsaMode: boolean;
  pkg: LoadedPackage | null;
  /** Object AllocateHeap blocks belong to (null: `pending`, moved to a new context on success). */
  owner: SspiObject | null;
  readonly pending: Set<number>;
  /** ALLOCATE_MEMORY in effect for output tokens. */
  allocateTokens: boolean;
  /** Addresses WriteOutputToken allocated in this call. */
  readonly tokenBlocks: number[];
  /** Everything allocated in this call, released if the call throws. */
  readonly scope: TrackedBlock[];
  /** First failure of WriteOutputToken in this call (0: none). */
  tokenFailure: number;
}

/** Thrown inside the dispatcher when memory runs out; the guard maps it to SEC_E_INSUFFICIENT_MEMORY. */
export class SspiOutOfMemory extends Error {
  /** An out-of-memory condition. */
  constructor(what: string) {
    super(`out of memory: ${what}`);
    this.name = 'SspiOutOfMemory';
  }
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The SSPI state of one device. */
export class SspiState {
  /** Loaded packages, by index (`dwUpper`). */
  readonly packages: LoadedPackage[] = [];
  /** Modules loaded, by lower-cased DLL name. */
  readonly modules = new Map<string, LoadedModule>();
  /** DLL names listed in the registry that could not be loaded, with why. */
  readonly loadErrors: { dllName: string; reason: string }[] = [];
  /** Reports emitted so far. */
  readonly reports: SspiLeakReport[] = [];
  /** Report listeners. */
  readonly listeners = new Set<(r: SspiLeakReport) => void>();
  /** SSPI calls served. */
  callCount = 0;
  private readonly procs = new Map<number, ProcessState>();
  private nextTableId = 0;
  private lsaProc: Process | null = null;
  private loaded = false;
  private readonly frames: CallFrame[] = [];
  /** Package block owner by address (null: package-global). */
  private readonly heapOwner = new Map<number, SspiObject | null>();
  /** The support functions handed to every package. */
  readonly support: SecpkgSupportFunctions;

  /** The state of `device` (use `sspiState(device)`). */
  constructor(readonly device: Device) {
    this.support = this.makeSupport();
  }

  /** The LSA process, started on first use. */
  get lsa(): Process {
    if (this.lsaProc === null || this.lsaProc.exited) this.lsaProc = this.device.createProcess(LSA_PROCESS_NAME);
    return this.lsaProc;
  }

  /** A process's state, made on first use. */
  proc(process: Process): ProcessState {
    let ps = this.procs.get(process.pid);
    if (!ps) {
      ps = new ProcessState(process, (this.nextTableId++ % 63) + 1);
      this.procs.set(process.pid, ps);
    }
    return ps;
  }

  /** Forgets a process's state (after `SspiProcessDetach`). */
  dropProc(process: Process): void {
    this.procs.delete(process.pid);
  }

  /** The current call frame, or null. */
  get frame(): CallFrame | null {
    return this.frames.length ? this.frames[this.frames.length - 1]! : null;
  }

  /** Runs `fn` as a new call frame for `caller`. */
  withFrame<T>(caller: Process, call: string, fn: (f: CallFrame) => T): T {
    const f: CallFrame = {
      caller,
      ps: this.proc(caller),
      call,
      lsaMode: false,
      pkg: null,
      owner: null,
      pending: new Set(),
      allocateTokens: false,
      tokenBlocks: [],
      scope: [],
      tokenFailure: 0,
    };
    this.frames.push(f);
    this.callCount++;
    try {
      return fn(f);
    } finally {
      this.frames.pop();
    }
  }

  /** Runs an LSA-mode function in the LSA process (charged there). */
  runLsa<T>(f: CallFrame, fn: () => T): T {
    const prev = f.lsaMode;
    f.lsaMode = true;
    try {
      return this.device.runAs(this.lsa, fn);
    } finally {
      f.lsaMode = prev;
    }
  }

  /** Runs a user-mode function in the caller's process. */
  runUser<T>(f: CallFrame, fn: () => T): T {
    const prev = f.lsaMode;
    f.lsaMode = false;
    try {
      return this.device.runAs(f.caller, fn);
    } finally {
      f.lsaMode = prev;
    }
  }

  // --------------------------------------------------------------------------- slots

  /**
   * Calls an LSA-mode slot of a package; a NULL slot is `SEC_E_UNSUPPORTED_FUNCTION`. This and
   * `callUser` are the one place that decides it.
   */
  callLsa<K extends LsaSlot>(f: CallFrame, pkg: LoadedPackage, name: K, ...args: Parameters<NonNullable<SECPKG_FUNCTION_TABLE[K]>>): number {
    const fn = pkg.lsa[name];
    if (typeof fn !== 'function') return SEC_E_UNSUPPORTED_FUNCTION;
    f.pkg = pkg;
    return this.runLsa(f, () => toStatus((fn as (...a: unknown[]) => unknown).apply(pkg.lsa, args)));
  }

  /** Whether a package fills an LSA-mode slot. */
  hasLsa(pkg: LoadedPackage, name: LsaSlot): boolean {
    return typeof pkg.lsa[name] === 'function';
  }

  /** Calls a user-mode slot in the caller's process; NULL slot or no user-mode table → UNSUPPORTED. */
  callUser<K extends UserSlot>(f: CallFrame, pkg: LoadedPackage, name: K, ...args: Parameters<NonNullable<SECPKG_USER_FUNCTION_TABLE[K]>>): number {
    const table = this.userTable(f, pkg);
    const fn = table?.[name];
    if (!table || typeof fn !== 'function') return SEC_E_UNSUPPORTED_FUNCTION;
    f.pkg = pkg;
    return this.runUser(f, () => toStatus((fn as (...a: unknown[]) => unknown).apply(table, args)));
  }

  /** Whether a package's user-mode table fills a slot in the caller (initialising it if needed). */
  hasUser(f: CallFrame, pkg: LoadedPackage, name: UserSlot): boolean {
    const table = this.userTable(f, pkg);
    return !!table && typeof table[name] === 'function';
  }

  /**
   * The user-mode table of `pkg` in the caller's process: `SpUserModeInitialize` once per process
   * and module, `SpInstanceInit` once per process and package (User-Mode-Initialization.txt).
   */
  userTable(f: CallFrame, pkg: LoadedPackage): SECPKG_USER_FUNCTION_TABLE | null {
    const mod = pkg.module;
    const pid = f.caller.pid;
    let tables = mod.userByPid.get(pid);
    if (tables === undefined) {
      tables = null;
      const init = mod.module.SpUserModeInitialize;
      if (typeof init === 'function') {
        const ver: Out<number> = { value: 0 };
        const out: Out<SECPKG_USER_FUNCTION_TABLE[]> = { value: [] };
        const count: Out<number> = { value: 0 };
        const st = this.runUser(f, () => toStatus(init.call(mod.module, SECPKG_INTERFACE_VERSION, ver, out, count)));
        if (SEC_SUCCESS(st) && Array.isArray(out.value)) tables = out.value;
      }
      mod.userByPid.set(pid, tables);
    }
    const t = tables?.[pkg.tableIndex] ?? null;
    if (!t) return null;
    if (!f.ps.instanceInit.has(pkg.index)) {
      if (typeof t.SpInstanceInit === 'function') {
        const prevPkg = f.pkg;
        f.pkg = pkg;
        const st = this.runUser(f, () => toStatus(t.SpInstanceInit!(SECPKG_INTERFACE_VERSION, this.support, { value: null })));
        f.pkg = prevPkg;
        if (!SEC_SUCCESS(st)) return null;
      }
      f.ps.instanceInit.add(pkg.index);
    }
    return t;
  }

  // --------------------------------------------------------------------------- packages

  /** Loads the packages the registry lists (once): built-in modules are listed on first use. */
  ensureLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    const reg = this.device.registry;
    // The device's image listed its packages (its profile's `securityPackages`) when it was
    // built; modules registered as `builtIn` are added unless the registry already names them.
    reg.createKey(SECURITY_PROVIDERS_KEY);
    const listed = new Set(listedSecurityProviders(reg).map((d) => d.toLowerCase()));
    for (const m of moduleTable.values()) if (m.builtIn && !listed.has(m.name.toLowerCase())) listSecurityProvider(reg, m.name);
    for (const dll of listedSecurityProviders(reg)) this.loadModule(dll);
  }

  /** Loads one module's packages (no-op when already loaded). Returns a status. */
  loadModule(dllName: string): number {
    const key = dllName.toLowerCase();
    if (this.modules.has(key)) return SEC_E_OK;
    const entry = moduleTable.get(key);
    if (!entry) {
      this.loadErrors.push({ dllName, reason: 'no package module registered under this name in this host process (import the cesim module that provides it, or registerPackageModule)' });
      return SEC_E_SECPKG_NOT_FOUND;
    }
    try {
      return this.withFrame(this.lsa, 'SpLsaModeInitialize', (f) =>
        this.device.withCall('SpLsaModeInitialize', () => {
          const module = entry.factory();
          const ver: Out<number> = { value: 0 };
          const tables: Out<SECPKG_FUNCTION_TABLE[]> = { value: [] };
          const count: Out<number> = { value: 0 };
          const st = this.runLsa(f, () => toStatus(module.SpLsaModeInitialize(SECPKG_INTERFACE_VERSION, ver, tables, count)));
          if (!SEC_SUCCESS(st) || !Array.isArray(tables.value)) {
            this.loadErrors.push({ dllName, reason: `SpLsaModeInitialize returned 0x${st.toString(16)}` });
            return SEC_E_SECPKG_NOT_FOUND;
          }
          const mod: LoadedModule = { dllName: entry.name, module, userByPid: new Map() };
          this.modules.set(key, mod);
          const n = Math.min(tables.value.length, count.value || tables.value.length);
          for (let i = 0; i < n; i++) {
            const lsa = tables.value[i]!;
            const info = new SecPkgInfo();
            const index = this.packages.length;
            const pkgStub: LoadedPackage = { index, name: '', info, lsa, module: mod, tableIndex: i };
            f.pkg = pkgStub;
            if (typeof lsa.SpInitialize === 'function') {
              const s = this.runLsa(f, () =>
                toStatus(lsa.SpInitialize!(index, { MachineState: 0, SetupMode: 0, DomainName: this.device.name }, this.support)),
              );
              if (!SEC_SUCCESS(s)) {
                this.loadErrors.push({ dllName, reason: `SpInitialize of table ${i} returned 0x${s.toString(16)}` });
                continue;
              }
            }
            const g = this.runLsa(f, () => toStatus(lsa.SpGetInfo(info)));
            if (!SEC_SUCCESS(g) || typeof info.Name !== 'string' || info.Name === '') {
              this.loadErrors.push({ dllName, reason: `SpGetInfo of table ${i} failed` });
              continue;
            }
            this.packages.push({ ...pkgStub, name: info.Name });
          }
          return SEC_E_OK;
        }),
      );
    } catch (e) {
      this.loadErrors.push({ dllName, reason: e instanceof Error ? e.message : String(e) });
      return SEC_E_SECPKG_NOT_FOUND;
    }
  }

  /** The package named `name` (case-insensitive, check 2/3), or null. */
  findPackage(name: string): LoadedPackage | null {
    this.ensureLoaded();
    const n = name.toLowerCase();
    return this.packages.find((p) => p.name.toLowerCase() === n) ?? null;
  }

  // --------------------------------------------------------------------------- objects

  /** Makes a context object. */
  newContext(pkg: LoadedPackage, lsaHandle: LSA_SEC_HANDLE, credLsaHandle: LSA_SEC_HANDLE): ContextObject {
    return {
      kind: 'context',
      pkg,
      lsaHandle,
      credLsaHandle,
      dwLower: 0,
      dwUpper: 0,
      blocks: new Set(),
      fsm: new ContextLifecycle(),
      mapped: false,
      buffers: new Set(),
    };
  }

  /** Makes a credential object. */
  newCredential(pkg: LoadedPackage, lsaHandle: LSA_SEC_HANDLE): CredentialObject {
    return { kind: 'credential', pkg, lsaHandle, dwLower: 0, dwUpper: 0, blocks: new Set() };
  }

  /** Moves a frame's pending package blocks to `owner`. */
  adopt(f: CallFrame, owner: SspiObject): void {
    for (const a of f.pending) {
      owner.blocks.add(a);
      this.heapOwner.set(a, owner);
    }
    f.pending.clear();
  }

  /** Names an object for reports. */
  describe(o: SspiObject): string {
    return `${o.kind} ${hex(o.dwLower)}/${o.dwUpper} (${o.pkg.name})`;
  }

  private entry(addr: number): LeakEntry | null {
    const b: BlockInfo | null = this.device.blockOf(addr);
    if (!b) return null;
    return { ...b, processName: this.device.process(b.owner.pid)?.name ?? `pid ${b.owner.pid}` };
  }

  /** Builds, keeps and emits a report of what `o` still holds. */
  report(event: SspiLeakReport['event'], ps: ProcessState, o: SspiObject | null, ownerName?: string, extraBuffers: number[] = []): SspiLeakReport {
    const packageBlocks: LeakEntry[] = [];
    const outstandingBuffers: LeakEntry[] = [];
    if (o) {
      for (const a of o.blocks) {
        const e = this.entry(a);
        if (e) packageBlocks.push(e);
      }
      if (o.kind === 'context') {
        for (const a of (o as ContextObject).buffers) {
          const e = ps.contextBuffers.has(a) ? this.entry(a) : null;
          if (e) outstandingBuffers.push(e);
        }
      }
    }
    for (const a of extraBuffers) {
      const e = this.entry(a);
      if (e) outstandingBuffers.push(e);
    }
    const r: SspiLeakReport = {
      event,
      pid: ps.process.pid,
      processName: ps.process.name,
      owner: ownerName ?? (o ? this.describe(o) : `process ${ps.process.name}`),
      packageBlocks,
      outstandingBuffers,
      timeNs: this.device.clock.nowNs(),
    };
    this.reports.push(r);
    for (const l of this.listeners) {
      try {
        l(r);
      } catch {
        // A listener's exception must not reach an SSPI caller.
      }
    }
    return r;
  }

  // --------------------------------------------------------------------------- memory

  /** Allocates a FreeContextBuffer block in the caller's token pool (0 when out of memory). */
  allocContextBuffer(f: CallFrame, size: number, tag: string, owner: ContextObject | null): number {
    const addr = f.caller.poolAlloc(TOKEN_POOL, size, tag);
    if (addr === 0) return 0;
    f.scope.push({ process: f.caller, addr });
    f.ps.contextBuffers.set(addr, { addr, pkgName: f.pkg?.name ?? '', owner });
    if (owner) owner.buffers.add(addr);
    return addr;
  }

  /** Releases a FreeContextBuffer block (dispatcher side: rollback of a failed call). */
  releaseContextBuffer(ps: ProcessState, addr: number): void {
    const rec = ps.contextBuffers.get(addr);
    if (!rec) return;
    ps.contextBuffers.delete(addr);
    rec.owner?.buffers.delete(addr);
    ps.process.poolFree(addr);
  }

  /** Forgets a package block (freed by the package, or rolled back). */
  forgetBlock(addr: number): void {
    const o = this.heapOwner.get(addr);
    if (o) o.blocks.delete(addr);
    this.heapOwner.delete(addr);
    for (const f of this.frames) f.pending.delete(addr);
  }

  /** Releases everything a throwing call allocated. */
  rollback(f: CallFrame): void {
    for (let i = f.scope.length - 1; i >= 0; i--) {
      const { process, addr } = f.scope[i]!;
      if (!process.blockOf(addr)) continue;
      if (f.ps.contextBuffers.has(addr)) this.releaseContextBuffer(f.ps, addr);
      else {
        this.forgetBlock(addr);
        process.poolFree(addr);
      }
    }
    f.scope.length = 0;
  }

  // --------------------------------------------------------------------------- support

  private need(): CallFrame {
    const f = this.frame;
    if (!f) throw new Error('SSPI support function called outside an SSPI call');
    return f;
  }

  private makeSupport(): SecpkgSupportFunctions {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const st = this;
    return {
      get device() {
        return st.device;
      },
      get lsaProcess() {
        return st.lsa;
      },
      GetCallInfo(): SecpkgCallInfo | null {
        const f = st.frame;
        if (!f) return null;
        return {
          ProcessId: f.caller.pid,
          ThreadId: f.caller.pid,
          Attributes: 0,
          CallCount: st.callCount,
          process: f.caller,
          call: f.call,
          lsaMode: f.lsaMode,
        };
      },
      ReadBuffer(buffer: SecBuffer): Uint8Array {
        return readBuffer(st.need().caller, buffer);
      },
      WriteBuffer(buffer: SecBuffer, data: Uint8Array, offset = 0): void {
        writeBuffer(st.need().caller, buffer, data, offset);
      },
      CopyFromClientBuffer(address: number, length: number): Uint8Array {
        return st.need().caller.read(address, length);
      },
      CopyToClientBuffer(address: number, data: Uint8Array): void {
        st.need().caller.write(address, data);
      },
      WriteOutputToken(desc: SecBufferDesc, index: number, data: Uint8Array): number {
        return st.writeOutputToken(st.need(), desc, index, data);
      },
      AllocateClientBuffer(size: number): number {
        const f = st.need();
        const owner = f.owner && f.owner.kind === 'context' ? (f.owner as ContextObject) : null;
        return st.allocContextBuffer(f, size, `${CONTEXT_BUFFER_TAG}.${f.pkg?.name ?? 'unknown'}`, owner);
      },
      FreeClientBuffer(address: number): boolean {
        const f = st.need();
        if (!f.ps.contextBuffers.has(address)) return false;
        st.releaseContextBuffer(f.ps, address);
        return true;
      },
      AllocateHeap(size: number, tag: string, pool = 'general'): number {
        const f = st.need();
        const proc = f.lsaMode ? st.lsa : f.caller;
        const addr = proc.poolAlloc(pool, size, `${f.pkg?.name ?? 'sspi'}.${tag}`);
        if (addr === 0) return 0;
        f.scope.push({ process: proc, addr });
        if (f.owner) {
          f.owner.blocks.add(addr);
          st.heapOwner.set(addr, f.owner);
        } else if (f.call === 'SpLsaModeInitialize') {
          st.heapOwner.set(addr, null);
        } else {
          f.pending.add(addr);
        }
        return addr;
      },
      FreeHeap(address: number): boolean {
        const b = st.device.blockOf(address);
        const proc = b ? st.device.process(b.owner.pid) : st.need().caller;
        st.forgetBlock(address);
        return (proc ?? st.need().caller).poolFree(address);
      },
      CurrentProcess(): Process {
        const f = st.need();
        return f.lsaMode ? st.lsa : f.caller;
      },
    };
  }

  /** `WriteOutputToken`: the ALLOCATE_MEMORY rule (see `SecpkgSupportFunctions`). */
  writeOutputToken(f: CallFrame, desc: SecBufferDesc, index: number, data: Uint8Array): number {
    if (!(desc instanceof SecBufferDesc) || !Number.isInteger(index) || index < 0 || index >= desc.cBuffers) {
      return this.tokenFail(f, SEC_E_INTERNAL_ERROR);
    }
    const b = desc.pBuffers[index]!;
    if (f.allocateTokens) {
      // Replace a token this call already placed in the same buffer.
      if (b.pvBuffer !== 0 && f.tokenBlocks.includes(b.pvBuffer)) {
        f.tokenBlocks.splice(f.tokenBlocks.indexOf(b.pvBuffer), 1);
        this.releaseContextBuffer(f.ps, b.pvBuffer);
      }
      b.pvBuffer = 0;
      b.cbBuffer = 0;
      if (data.length === 0) return SEC_E_OK;
      const owner = f.owner && f.owner.kind === 'context' ? (f.owner as ContextObject) : null;
      const addr = this.allocContextBuffer(f, data.length, `${TOKEN_TAG}.${f.pkg?.name ?? 'unknown'}`, owner);
      if (addr === 0) return this.tokenFail(f, SEC_E_INSUFFICIENT_MEMORY);
      f.caller.write(addr, data);
      f.tokenBlocks.push(addr);
      b.pvBuffer = addr;
      b.cbBuffer = data.length;
      return SEC_E_OK;
    }
    if (data.length > b.cbBuffer) return this.tokenFail(f, f.pkg?.lsa.OutputTooSmallStatus ?? SEC_E_BUFFER_TOO_SMALL);
    if (data.length > 0 && b.pvBuffer === 0) return this.tokenFail(f, SEC_E_INTERNAL_ERROR);
    if (data.length > 0) f.caller.write(b.pvBuffer, data);
    b.cbBuffer = data.length;
    return SEC_E_OK;
  }

  private tokenFail(f: CallFrame, status: number): number {
    if (f.tokenFailure === 0) f.tokenFailure = status;
    return status;
  }
}

/** Names of LSA-mode slots that are functions. */
export type LsaSlot = Exclude<keyof SECPKG_FUNCTION_TABLE, 'OutputTooSmallStatus'>;
/** Names of user-mode slots. */
export type UserSlot = keyof SECPKG_USER_FUNCTION_TABLE;

/** The SSPI state of a device (made on first use). */
export function sspiState(device: Device): SspiState {
  return device.service('sspi', () => new SspiState(device));
}

/**
 * Lists a package module in a device's registry (`HKLM\Comm\SecurityProviders\<NAME>`,
 * `DllName`) and, if the device's SSPI is already running, loads it now. The module must be
 * registered with `registerPackageModule`. Returns `SEC_E_OK` or `SEC_E_SECPKG_NOT_FOUND`.
 */
export function AddSecurityPackage(device: Device, dllName: string): number {
  if (!moduleTable.has(dllName.toLowerCase())) return SEC_E_SECPKG_NOT_FOUND;
  const st = sspiState(device);
  if (!device.registry.keyExists(SECURITY_PROVIDERS_KEY)) {
    // First use: the image's built-in packages come first, as on a fresh device.
    st.ensureLoaded();
  }
  listSecurityProvider(device.registry, dllName);
  st.ensureLoaded();
  return st.loadModule(dllName);
}

/** Every report of what an object or process still held, on `device` so far. */
export function getSspiReports(device: Device): readonly SspiLeakReport[] {
  return sspiState(device).reports;
}

/** Calls `cb` with each new report; returns the unsubscribe function. */
export function onSspiReport(device: Device, cb: (r: SspiLeakReport) => void): () => void {
  const st = sspiState(device);
  st.listeners.add(cb);
  return () => st.listeners.delete(cb);
}
