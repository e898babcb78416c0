// Makes sure the C tests have clang, lld, wasi-libc and the wasm32 builtins:
// the ones HAKMEM_CLANG / HAKMEM_WASI_SYSROOT name, or Debian's, installed
// now when this machine can (root on Debian, as on CI). Anything else stops
// with the command that fixes it.
import { ensureToolchain } from '../dist/toolchain.js';

try {
  ensureToolchain();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
