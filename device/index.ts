/**
 * cesim's device runtime: the resource-constrained Windows CE 2.10 device that the SSPI and
 * Schannel layers run on. This file is the module's only public face.
 */
export * from './types.js';
export {
  Device,
  Process,
  LMEM_FIXED,
  LMEM_ZEROINIT,
  LPTR,
  LMEM_MOVEABLE,
  ERROR_SUCCESS,
  ERROR_INVALID_HANDLE,
  ERROR_NOT_ENOUGH_MEMORY,
  ERROR_INVALID_PARAMETER,
  MAX_PROCESSES,
  SLOT_BYTES,
  HEAP_SLOT_OFFSET,
  POOL_AREA_BASE,
  NO_CALL,
  type DeviceOptions,
  type ProcessOptions,
} from './device.js';
export { DeviceFaultError, DeviceMemory, Region, type RegionClient, type RegionKind } from './memory.js';
export { FixedPool, GUARD_BYTE, GUARD_BYTES, fragmentation } from './pool.js';
export {
  DemandRecorder,
  advisePool,
  advisePools,
  advisedProfileJson,
  replay,
  shadowProfile,
  type AdviseOptions,
  type AdvisedBucket,
  type DeviceDemand,
  type PoolAdvice,
  type PoolDemand,
  type ReplayResult,
} from './advisor.js';
export {
  MemoryDiagnostics,
  type AllocRecord,
  type BucketUse,
  type FragmentationFailure,
  type FreeSample,
  type FreeSeries,
  type MemoryDiagnosticsOptions,
  type MemoryDiagnosticsReport,
  type OwnerWaste,
} from './diagnostics.js';
export { HEAP_GRANULARITY, HEAP_HEADER_BYTES } from './heap.js';
export { CpuModel } from './cpu.js';
export { DeviceClock, FILETIME_UNIX_EPOCH, fileTimeToSystemTime, systemTimeToFileTime } from './clock.js';
export {
  DeviceRegistry,
  REG_SZ,
  REG_BINARY,
  REG_DWORD,
  REG_MULTI_SZ,
  SECURITY_PROVIDERS_KEY,
  securityProviderKey,
  listSecurityProvider,
  listedSecurityProviders,
  type RegValue,
} from './registry.js';
export { AllocationFailures, type FailureMatch, type FailureOptions, type FailureRule } from './failures.js';
export { SeededRandom, seedBytes, type Seed } from './random.js';
export { BUILTIN_PROFILES, CE_IMAGE_SECURITY_PACKAGES, getProfile, loadProfile, profileFromFile, ProfileError } from './profiles.js';
