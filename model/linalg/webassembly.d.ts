// The slice of the WebAssembly JS API that sweep.ts uses. Node 20 has it at run time, but neither @types/node 20 nor
// the ES libs declare it (lib.dom does, and would bring the whole DOM into model/).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: SharedArrayBuffer;
  }
}
