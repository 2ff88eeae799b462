/**
 * cesim's C SDK: the CE-style headers (`sdk/include/`), the small C runtime (`sdk/lib/`), the
 * `cesim cc` compiler driver and the module ABI shared with the runtime (`cruntime/`). This
 * file is the module's only public face.
 */
export { compile, compileCached, ccCacheDir, findToolchain, clangCommands, appendCustomSection, SDK_INCLUDE_DIR, SDK_LIB_DIR, type CompileOptions, type CompileResult, type Toolchain, type ToolchainLookup } from './cc.js';
export { IMPORT_MODULE, SUSPENDING_IMPORTS, STACK_BYTES, ABI_SECTION, ABI_VERSION } from './abi.js';
