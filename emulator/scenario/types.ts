/**
 * The scenario model: devices (profile, address, processes and the programs they run, forced
 * allocation failures), links, scheduled faults, a virtual-time limit and assertions. JSON
 * scenarios have exactly this shape (documented in `scenarios/schema.json`); TypeScript
 * scenario modules may also give a program as a function or a program definition.
 */
import type { DeviceProfile } from '../../device/index.js';
import type { ProgramDefinition, ProgramOutcome, ProgramRunContext } from '../programs/index.js';

/** A custom firmware task in a TypeScript scenario: gets the run context, returns its outcome (or anything). */
export type CustomProgram = (rc: ProgramRunContext) => Promise<ProgramOutcome | unknown>;

/** One process on a device and the program it runs. */
export interface ProcessSpec {
  /** Process name (default `<program>.exe`). */
  name?: string;
  /** A built-in program's name; in a TypeScript scenario also a definition or a function. */
  program: string | ProgramDefinition | CustomProgram;
  /** The program's parameters. */
  params?: Record<string, unknown>;
  /** Start time, virtual ms (default 0). */
  startMs?: number;
  /** In a device group: replica i starts `i × staggerMs` later (default 0). */
  staggerMs?: number;
}

/** A forced allocation failure rule on a device (exactly one of `nth`, `atCall`, `probability`, `match`). */
export interface FailureSpec {
  /** Fail the nth matching allocation (1-based). */
  nth?: number;
  /** Fail the allocation whose global call number on the device is this. */
  atCall?: number;
  /** Fail each matching allocation with this probability (seeded). */
  probability?: number;
  /** Fail every matching allocation. */
  match?: boolean;
  /** Owner tag pattern (glob, e.g. `schannel.*`). */
  tag?: string;
  /** Pool name (`heap` for LocalAlloc). */
  pool?: string;
  /** API call name pattern (e.g. `AcceptSecurityContext*`). */
  call?: string;
  /** How many allocations to fail once triggered. */
  times?: number;
}

/** One device, or a group of `count` identical devices. */
export interface DeviceSpec {
  /** Device name; a group's members are `<name>-1` … `<name>-<count>`. */
  name: string;
  /** A built-in profile's name or a profile object (validated like `loadProfile`, `extends` allowed). */
  profile: string | Record<string, unknown> | DeviceProfile;
  /** IPv4 address; a group's members count up from it. */
  address: string;
  /** Number of identical devices (default 1). */
  count?: number;
  /** Check modelled stack use. */
  stackCheck?: boolean;
  /**
   * The record_size_limit (RFC 8449) the device's Schannel asks its peers for, written to the
   * registry value `HKLM\\Comm\\SecurityProviders\\SCHANNEL\\RecordSizeLimit` (64..16385).
   */
  recordSizeLimit?: number;
  processes?: ProcessSpec[];
  failures?: FailureSpec[];
}

/** A link between two devices (or groups: every pair is linked). Times in virtual ms. */
export interface LinkSpec {
  between: [string, string];
  latencyMs?: number;
  bandwidthBps?: number;
  mtu?: number;
  loss?: number;
  reorder?: number;
  reorderDelayMs?: number;
  duplicate?: number;
  corrupt?: number;
  jitterMs?: number;
  queueBytes?: number;
}

/** A scheduled network fault. */
export type FaultSpec =
  | { kind: 'drop'; from: string; to: string; n: number }
  | { kind: 'cut'; between: [string, string]; atMs: number; durationMs?: number }
  | { kind: 'partition'; from: string; to: string; atMs: number; durationMs?: number };

/**
 * A memory budget (docs/memory-diagnostics.md): a scenario assertion, or one entry of a
 * `cesim run --budget FILE`; both are checked by `evaluateBudget` in `budget.ts`. `device`
 * limits it to a device or group (default every device).
 */
export type MemoryBudgetSpec = { name?: string; device?: string } & (
  /** Every process heap's peak (bytes requested) is under `bytes`. */
  | { kind: 'heap-peak-under'; bytes: number }
  /** The pool's (or `heap`'s) largest free block never fell to `bytes` or below. */
  | { kind: 'largest-free-block-over'; pool: string; bytes: number }
  /** The pool's fragmentation `1 − largest/free` stayed under `max` (0..1). */
  | { kind: 'fragmentation-under'; pool: string; max: number }
  /** Every thread's modelled stack high-water mark is under `bytes`. */
  | { kind: 'stack-peak-under'; bytes: number }
  /** No allocation failed while the free total would have served it. */
  | { kind: 'no-fragmentation-failures' }
  /** No pool, heap, stack or owner peak above a committed baseline run (`--write-baseline`), within `tolerancePct`. */
  | { kind: 'peak-not-above-baseline'; file: string; tolerancePct?: number }
);

/** A check on the finished run. `device` names a device or a group; omitted: every device. */
export type AssertionSpec =
  | ({ name?: string } & (
      | { kind: 'completes' }
      | { kind: 'handshake-within'; ms: number; device?: string; process?: string }
      | { kind: 'pool-peak-under'; device: string; pool: string; bytes: number }
      | { kind: 'no-leaks'; device?: string }
      | { kind: 'no-faults'; device?: string }
      | { kind: 'status'; device: string; process?: string; status: string | string[] }
    ))
  | MemoryBudgetSpec;

/** One assertion's verdict. */
export interface AssertionResult {
  name: string;
  passed: boolean;
  detail: string;
  /** Set on a memory budget's verdict (a scenario's budget assertion or `--budget`): a campaign counts these apart. */
  budget?: true;
}

/** A scenario. */
export interface Scenario {
  name: string;
  description?: string;
  /** Root seed (default 1). */
  seed?: number | string;
  /** Virtual-time limit, ms (default 600000: ten virtual minutes). */
  timeLimitMs?: number;
  devices: DeviceSpec[];
  links?: LinkSpec[];
  faults?: FaultSpec[];
  assertions?: AssertionSpec[];
}

/** A loaded scenario: the model, where relative file paths are resolved from, and where it came from. */
export interface LoadedScenario {
  scenario: Scenario;
  /** Folder that relative paths (certificates) are resolved against. */
  baseDir: string;
  /** `builtin:<name>`, or the file path. */
  source: string;
}
