import { HeapError } from '@hakmem/contracts';

/**
 * Typed-array views over a heap's memory that survive growth.
 *
 * Why this exists: growing a non-shared `WebAssembly.Memory` detaches its
 * buffer, and every typed array made over the old buffer drops to length 0;
 * reads give `undefined` and writes vanish without an error. The heap grows
 * the memory whenever it needs pages, and so may the user or a wasm module.
 * A shared memory never detaches, but a view made before another worker grew
 * it does not reach the new pages.
 *
 * The rule for users: keep pointers, not views. Take a view when you are
 * about to use it (`heap.view`, `heap.f64`), or keep one and re-take it when
 * `heap.epoch` has moved. Nothing here is on the malloc/free path: these are
 * separate methods, and the facade's own views are untouched by them.
 */

/** The typed-array constructors a view can be made with. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The array type a `TypedArrayConstructor` makes (`TypedArrayOf<Float64ArrayConstructor>` is `Float64Array`). */
export type TypedArrayOf<C extends TypedArrayConstructor> = C extends Int8ArrayConstructor
  ? Int8Array
  : C extends Uint8ClampedArrayConstructor
    ? Uint8ClampedArray
    : C extends Uint8ArrayConstructor
      ? Uint8Array
      : C extends Int16ArrayConstructor
        ? Int16Array
        : C extends Uint16ArrayConstructor
          ? Uint16Array
          : C extends Int32ArrayConstructor
            ? Int32Array
            : C extends Uint32ArrayConstructor
              ? Uint32Array
              : C extends Float32ArrayConstructor
                ? Float32Array
                : C extends Float64ArrayConstructor
                  ? Float64Array
                  : C extends BigInt64ArrayConstructor
                    ? BigInt64Array
                    : C extends BigUint64ArrayConstructor
                      ? BigUint64Array
                      : never;

/** What `mallocAs` and `callocAs` return: the block's pointer (free it with `free`) and a view of its elements. */
export interface TypedBlock<T> {
  /** The block: a pointer like `malloc`'s, to pass to `free`, `realloc`, wasm, or `view` later. */
  readonly ptr: number;
  /** Over exactly the elements asked for, in the memory's current buffer: stale after the memory grows. */
  readonly view: T;
}

const CONSTRUCTORS: ReadonlySet<unknown> = new Set<unknown>([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

/** Throws unless `type` is one of the built-in typed-array constructors. */
export function checkArrayType(type: unknown, what: string): asserts type is TypedArrayConstructor {
  if (!CONSTRUCTORS.has(type))
    throw new TypeError(`hakmem: ${what} takes a typed-array constructor (Uint8Array, Int32Array, Float64Array, BigInt64Array, ...), got ${typeof type === 'function' ? type.name || 'a function' : String(type)}`);
}

/** Throws unless `length` is an element count: an integer >= 0. */
export function checkLength(length: unknown, what: string): asserts length is number {
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
    throw new RangeError(`hakmem: ${what} length must be a non-negative integer (a count of elements), got ${String(length)}`);
}

/**
 * One heap's whole-memory views and its growth epoch. Holds only views and
 * the buffer they were made over; which buffer is current is read from the
 * memory at every call, so growth by anyone is seen.
 */
export class MemoryViews {
  private readonly memory: WebAssembly.Memory;
  private readonly shared: boolean;
  private buffer: ArrayBufferLike;
  private bytes: number;
  private count = 0;
  private u8View: Uint8Array | null = null;
  private i32View: Int32Array | null = null;
  private u32View: Uint32Array | null = null;
  private f32View: Float32Array | null = null;
  private f64View: Float64Array | null = null;

  constructor(memory: WebAssembly.Memory, shared: boolean) {
    this.memory = memory;
    this.shared = shared;
    this.buffer = memory.buffer;
    this.bytes = this.buffer.byteLength;
  }

  /**
   * The memory's current buffer; forgets the cached views (and moves the
   * epoch) when it is not the one they were made over. A shared memory hands
   * out a new buffer object after every `grow`, even `grow(0)`, over the same
   * memory: there only a new length means the views fall short.
   */
  private current(): ArrayBufferLike {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      if (!this.shared || b.byteLength !== this.bytes) {
        this.bytes = b.byteLength;
        this.count++;
        this.u8View = this.i32View = this.u32View = this.f32View = this.f64View = null;
      }
    }
    return b;
  }

  /**
   * A number that changes whenever views made before may be stale: the
   * memory grew (by the heap, the user, wasm, or another worker) since the
   * last look. In a shared memory it first calls `grow(0)`, which is how a
   * worker learns the length another worker gave the memory.
   */
  epoch(): number {
    if (this.shared) this.memory.grow(0);
    this.current();
    return this.count;
  }

  u8(): Uint8Array {
    const b = this.current();
    return this.u8View ?? (this.u8View = new Uint8Array(b));
  }

  i32(): Int32Array {
    const b = this.current();
    return this.i32View ?? (this.i32View = new Int32Array(b));
  }

  u32(): Uint32Array {
    const b = this.current();
    return this.u32View ?? (this.u32View = new Uint32Array(b));
  }

  f32(): Float32Array {
    const b = this.current();
    return this.f32View ?? (this.f32View = new Float32Array(b));
  }

  f64(): Float64Array {
    const b = this.current();
    return this.f64View ?? (this.f64View = new Float64Array(b));
  }

  /**
   * A new view of `length` elements at byte `ptr`, over the current buffer.
   * In a shared memory whose buffer, as this worker sees it, ends before the
   * range (another worker grew it), `grow(0)` brings the length up to date.
   */
  over<C extends TypedArrayConstructor>(type: C, ptr: number, length: number): TypedArrayOf<C> {
    let b = this.current();
    const end = ptr + length * type.BYTES_PER_ELEMENT;
    if (end > b.byteLength && this.shared) {
      this.memory.grow(0);
      b = this.current();
    }
    if (end > b.byteLength) throw new HeapError('CORRUPTION', `block [${ptr}, ${end}) lies past the end of the memory (${b.byteLength} bytes)`, ptr, 'frontGate');
    return new (type as unknown as new (b: ArrayBufferLike, at: number, n: number) => TypedArrayOf<C>)(b, ptr, length);
  }

  /**
   * `Allocator.view`: `usable` is `usableSize(ptr)`, which has already thrown
   * if `ptr` is not a live block; here the range must fit in the block.
   */
  ofBlock<C extends TypedArrayConstructor>(type: C, ptr: number, length: number, usable: number): TypedArrayOf<C> {
    if (ptr === 0) throw new HeapError('INVALID_POINTER', 'view of NULL (0): a malloc that returned 0, or a pointer never set', 0, 'frontGate');
    const bytes = length * type.BYTES_PER_ELEMENT;
    if (bytes > usable)
      throw new RangeError(`hakmem: view of ${length} × ${type.BYTES_PER_ELEMENT} bytes runs past the end of the block at ${ptr} (usable size ${usable} bytes)`);
    return this.over(type, ptr, length);
  }
}

/** Members the typed-view helpers add to the facade; `detach()` makes them throw like the rest. */
export const VIEW_METHODS = ['view', 'mallocAs', 'callocAs'] as const;
export const VIEW_GETTERS = ['epoch', 'u8', 'i32', 'u32', 'f32', 'f64'] as const;
