/**
 * The contract between a module `cesim cc` builds and the runtime that runs it (`cruntime/`):
 * the import module, the imports that may block (and so are instrumented by Asyncify), the
 * memory layout choices made at link time.
 */

/** The WebAssembly import module of every function the device provides. */
export const IMPORT_MODULE = 'cesim';

/**
 * Imports that may block the C process in virtual time. `cesim cc` runs binaryen's Asyncify
 * pass over the module with exactly these, so the runtime can suspend the module inside one of
 * them while the loop runs the rest of the device and the network, and resume it later.
 */
export const SUSPENDING_IMPORTS: readonly string[] = ['Sleep', 'connect', 'accept', 'send', 'recv', 'select', 'closesocket', 'shutdown'];

/**
 * The C stack: 64 KB, a CE 2.10 thread's default stack reservation. Linked first
 * (`--stack-first`), at [0, 64 KB), so an overflow runs below address 0 and traps instead of
 * corrupting the data above it.
 */
export const STACK_BYTES = 0x10000;

/** The custom section that marks a module as built by `cesim cc` (its value is the ABI version). */
export const ABI_SECTION = 'cesim.abi';

/** ABI version written to {@link ABI_SECTION}. */
export const ABI_VERSION = 1;
