export { instantiate, instantiateSync, wasiImports, HAKMEM_IMPORT_MODULE, type InstantiateOptions, type HakmemInstance, type WasiLike } from './instantiate.js';
export { memoryImportLimits, functionNames, type MemoryLimits } from './wasm-binary.js';
