/**
 * The two things @hakmem/wasm reads from a module's bytes that the
 * WebAssembly JS API does not give: the limits of an imported memory (Node 20
 * has no type reflection) and the function names of the "name" custom
 * section (for the build check). A minimal reader of the binary format
 * (https://webassembly.github.io/spec/core/binary/modules.html): sections,
 * LEB128 integers, names; nothing is validated beyond what is read.
 */

export interface MemoryLimits {
  initial: number;
  maximum?: number;
  shared: boolean;
}

const SECTION_CUSTOM = 0;
const SECTION_IMPORT = 2;
const IMPORT_KIND_MEMORY = 2;
const NAME_SUBSECTION_FUNCTIONS = 1;
const IMPORT_KIND_FUNCTION = 0;
const IMPORT_KIND_TABLE = 1;
const IMPORT_KIND_GLOBAL = 3;
/** Limits flags: bit 0 says a maximum follows, bit 1 that the memory is shared. */
const LIMITS_HAS_MAX = 1;
const LIMITS_SHARED = 2;
/** The module header: "\0asm", then a 4-byte version. */
const MAGIC = '\0asm';
const HEADER_BYTES = 8;
// LEB128: seven payload bits a byte, the high bit says more follow; a u32 takes at most five bytes.
const LEB_BITS = 7;
const LEB_PAYLOAD = 0x7f;
const LEB_MORE = 0x80;
const LEB_U32_MAX_SHIFT = 35;

class Reader {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    pos = 0,
    readonly end = b.length,
  ) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.end) throw new RangeError('@hakmem/wasm: truncated wasm module');
    return this.b[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result += (x & LEB_PAYLOAD) * 2 ** shift;
      if ((x & LEB_MORE) === 0) return result;
      shift += LEB_BITS;
      if (shift > LEB_U32_MAX_SHIFT) throw new RangeError('@hakmem/wasm: bad LEB128 in wasm module');
    }
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function asBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
}

/** Calls `visit(id, reader)` for every section; the reader spans the section's payload. */
function sections(bytes: Uint8Array, visit: (id: number, r: Reader) => boolean | void): void {
  if (bytes.length < HEADER_BYTES || Array.from(MAGIC).some((c, i) => bytes[i] !== c.charCodeAt(0)))
    throw new TypeError('@hakmem/wasm: not a WebAssembly module (no \\0asm header)');
  const r = new Reader(bytes, HEADER_BYTES);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    if (visit(id, new Reader(bytes, start, start + size)) === true) return;
    r.pos = start + size;
  }
}

function limits(r: Reader): MemoryLimits {
  const flags = r.byte();
  const initial = r.u32();
  const out: MemoryLimits = { initial, shared: (flags & LIMITS_SHARED) !== 0 };
  if ((flags & LIMITS_HAS_MAX) !== 0) out.maximum = r.u32();
  return out;
}

/** The limits of the module's imported memory, or null when it imports none. */
export function memoryImportLimits(source: ArrayBuffer | ArrayBufferView): MemoryLimits | null {
  let found: MemoryLimits | null = null;
  sections(asBytes(source), (id, r) => {
    if (id !== SECTION_IMPORT) return false;
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === IMPORT_KIND_MEMORY) {
        found = limits(r);
        return true;
      }
      // function: type index; table: reftype + limits; global: valtype + mutability.
      if (kind === IMPORT_KIND_FUNCTION) r.u32();
      else if (kind === IMPORT_KIND_TABLE) {
        r.byte();
        limits(r);
      } else if (kind === IMPORT_KIND_GLOBAL) {
        r.byte();
        r.byte();
      } else throw new TypeError(`@hakmem/wasm: unknown import kind ${kind}`);
    }
    return true;
  });
  return found;
}

/** The function names of the module's "name" section (empty when it has none, e.g. after --strip-all). */
export function functionNames(source: ArrayBuffer | ArrayBufferView): string[] {
  const names: string[] = [];
  sections(asBytes(source), (id, r) => {
    if (id !== SECTION_CUSTOM || r.name() !== 'name') return false;
    while (r.pos < r.end) {
      const sub = r.byte();
      const size = r.u32();
      const next = r.pos + size;
      if (sub === NAME_SUBSECTION_FUNCTIONS) {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          r.u32();
          names.push(r.name());
        }
      }
      r.pos = next;
    }
    return true;
  });
  return names;
}
