export { instantiate, instantiateSync, wasiImports, HAKMEM_IMPORT_MODULE, type InstantiateOptions, type HakmemInstance, type WasiLike, type WasmBytes } from './instantiate.js';
export { memoryImportLimits, functionNames, type MemoryLimits } from './wasm-binary.js';
