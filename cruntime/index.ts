/**
 * cesim's C runtime: runs a WebAssembly module built by `cesim cc` as a process of an emulated
 * device, its pointers device addresses, its imports bound to the device's heap and clock,
 * Security.dll, Winsock and wincrypt. This file is the module's only public face.
 */
export {
  runWasmProcess,
  loadWasmModule,
  cCallSite,
  IMAGE_BASE,
  ASYNCIFY_BYTES,
  MALLOC_TAG,
  LOCALALLOC_TAG,
  HEAPALLOC_TAG,
  CALL_PRIMITIVE,
  type WasmExit,
  type WasmRunOptions,
} from './process.js';
export { CERT_CONTEXT_TAG } from './wincrypt.js';
export { BadPointer, CMemory } from './cmem.js';
export type { WasmHost, WasmSocket } from './host.js';
