export { LinearMemory } from './linear-memory.js';
export { PageLayer, planGeometry, alignUp, type HeapGeometry } from './page-layer.js';
export { breakLockOf, lockWord, unlockWord } from './lock.js';
export { pushRemote, drainRemoteInto } from './block-list.js';
export { fillWords, fillBytes, findChangedWord, findChangedByte, writeGuard, guardBreach } from './poison.js';
export { OwnerLists } from './owner-lists.js';
export { blockScanner, scannerOf, wasmScanAvailable, type BlockScanner } from './block-scan.js';
