/*
 * cesim_import.h - how the SDK's headers declare the functions the emulated device provides.
 *
 * Each Win32 function cesim models is a WebAssembly import from the module "cesim"; the runtime
 * (cruntime/) binds it to the device, Security.dll or Winsock of the process that runs the
 * module. Written for cesim.
 */
#ifndef CESIM_IMPORT_H
#define CESIM_IMPORT_H

#if !defined(__wasm32__)
#error "cesim's SDK targets wasm32 (ILP32, as the VR4121): compile with `cesim cc`"
#endif

#define CESIM_IMPORT(name) __attribute__((import_module("cesim"), import_name(#name)))
/* The link-time symbol of an import whose C name wasi-libc also defines (send, recv, socket…):
   the import keeps its Winsock name, the symbol does not meet libc's. */
#define CESIM_SYMBOL(name) __asm__("__cesim_ws_" #name)

#ifdef __cplusplus
#define CESIM_EXTERN_C extern "C"
#else
#define CESIM_EXTERN_C
#endif

#endif /* CESIM_IMPORT_H */
