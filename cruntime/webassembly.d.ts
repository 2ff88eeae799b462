/**
 * The part of the WebAssembly JavaScript API the runtime uses (Node 20 has all of it; the
 * project's `lib` is ES2022, which does not describe it, and DOM's typings would bring the rest
 * of the browser in). Names and shapes as in the WebAssembly JS API specification.
 */
declare global {
  namespace WebAssembly {
    type ImportExportKind = 'function' | 'table' | 'memory' | 'global' | 'tag';
    interface ModuleImportDescriptor {
      module: string;
      name: string;
      kind: ImportExportKind;
    }
    interface ModuleExportDescriptor {
      name: string;
      kind: ImportExportKind;
    }
    class Module {
      constructor(bytes: ArrayBufferView | ArrayBuffer);
      static imports(module: Module): ModuleImportDescriptor[];
      static exports(module: Module): ModuleExportDescriptor[];
      static customSections(module: Module, sectionName: string): ArrayBuffer[];
    }
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    class Global {
      constructor(descriptor: { value: string; mutable?: boolean }, v?: unknown);
      value: unknown;
    }
    class Table {
      readonly length: number;
    }
    type ExportValue = ((...args: never[]) => unknown) | Global | Memory | Table;
    type Exports = Record<string, ExportValue>;
    class Instance {
      constructor(module: Module, importObject?: Record<string, Record<string, ExportValue>>);
      readonly exports: Exports;
    }
    class RuntimeError extends Error {}
    class CompileError extends Error {}
    class LinkError extends Error {}
  }
}
export {};
