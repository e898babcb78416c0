import { describe, expect, it } from 'vitest';
import { attachAllocator, createAllocator, type AllocatorOptions } from '../src/index.js';
import { closestName } from '../src/closest-name.js';

/** What `createAllocator(options)` threw: its class and message. */
function rejection(options: unknown): { type: string; message: string } {
  try {
    createAllocator(options as AllocatorOptions);
  } catch (e) {
    return { type: (e as Error).constructor.name, message: (e as Error).message };
  }
  throw new Error(`createAllocator(${JSON.stringify(options)}) was accepted`);
}

describe('options: unknown keys', () => {
  it.each([
    ['maxbytes', 'maxBytes'],
    ['maxByte', 'maxBytes'],
    ['MaxBytes', 'maxBytes'],
    ['heapbase', 'heapBase'],
    ['initalBytes', 'initialBytes'],
    ['varaint', 'variant'],
    ['share', 'shared'],
    ['box', 'boxes'],
    ['memroy', 'memory'],
  ])('%s is a TypeError that suggests %s', (key, meant) => {
    const r = rejection({ [key]: 1 });
    expect(r.type).toBe('TypeError');
    expect(r.message).toContain(`unknown option '${key}'`);
    expect(r.message).toContain(`did you mean ${meant}?`);
  });

  it('a key like no option names none, and lists every option', () => {
    const r = rejection({ colour: 'blue' });
    expect(r.type).toBe('TypeError');
    expect(r.message).not.toContain('did you mean');
    for (const name of ['variant', 'boxes', 'memory', 'heapBase', 'initialBytes', 'maxBytes', 'shared']) expect(r.message).toContain(name);
  });

  it('an unknown key is refused even when its value is undefined (a typo is a typo)', () => {
    expect(rejection({ maxbytes: undefined }).message).toContain('did you mean maxBytes?');
  });

  it('a known key set to undefined is the default', () => {
    const heap = createAllocator({ variant: undefined, maxBytes: undefined, shared: undefined, heapBase: undefined, initialBytes: undefined, memory: undefined, boxes: undefined });
    expect(heap.variant).toBe('release');
    expect(heap.malloc(8)).not.toBe(0);
  });

  it('an unknown box name is a TypeError that suggests the box', () => {
    const r = rejection({ boxes: { tlssll: 'debug' } });
    expect(r.type).toBe('TypeError');
    expect(r.message).toContain("unknown box 'tlssll'");
    expect(r.message).toContain('did you mean tlsSll?');
    expect(rejection({ boxes: { bigCache: 'debug' } }).message).toContain('did you mean bigcache?');
  });

  it('attachAllocator takes only variant', () => {
    const heap = createAllocator({ shared: true, initialBytes: 1 << 20 });
    const handle = heap.share();
    expect(() => attachAllocator(handle, { maxBytes: 1 } as never)).toThrow(TypeError);
    expect(() => attachAllocator(handle, { maxBytes: 1 } as never)).toThrow(/unknown attachAllocator option 'maxBytes'.*only variant/);
    expect(() => attachAllocator(handle, { variant: 'fast' } as never)).toThrow(/variant must be 'release' or 'debug', got 'fast'/);
    expect(() => attachAllocator(handle, 'debug' as never)).toThrow(TypeError);
    const again = attachAllocator(handle, { variant: 'release' });
    again.free(again.malloc(8));
    again.detach();
  });
});

describe('options: types and ranges, each message saying what is allowed', () => {
  const cases: [string, unknown, 'TypeError' | 'RangeError', RegExp][] = [
    ['options not an object', 42, 'TypeError', /takes an options object \(or nothing\), got 42/],
    ['options an array', [], 'TypeError', /options object.*got an array/],
    ['options null', null, 'TypeError', /got null/],
    ['variant', { variant: 'fast' }, 'TypeError', /variant must be 'release' or 'debug', got 'fast'/],
    ['variant of another type', { variant: 1 }, 'TypeError', /variant must be 'release' or 'debug', got 1/],
    ['boxes not an object', { boxes: 'debug' }, 'TypeError', /boxes must be an object from box names \(tlsSll, .*midLargeAce\) to 'release', 'debug' or an implementation, got 'debug'/],
    ['boxes an array', { boxes: ['debug'] }, 'TypeError', /boxes must be an object.*got an array/],
    ['a box value that is a number', { boxes: { bigcache: 42 } }, 'TypeError', /boxes\.bigcache must be 'release', 'debug' or an implementation object/],
    ['a box value that is null', { boxes: { superslab: null } }, 'TypeError', /boxes\.superslab must be 'release', 'debug' or an implementation object, got null/],
    ['a box implementation missing members', { boxes: { bigcache: {} } }, 'TypeError', /boxes\.bigcache: /],
    ['memory not a Memory', { memory: new ArrayBuffer(8) }, 'TypeError', /memory must be a WebAssembly\.Memory, got an object \(ArrayBuffer\)/],
    ['shared not a boolean', { shared: 'yes' }, 'TypeError', /shared must be true or false, got 'yes'/],
    ['shared: true over a non-shared memory', { shared: true, memory: new WebAssembly.Memory({ initial: 1 }) }, 'TypeError', /shared: true needs a shared memory/],
    ['a shared memory without shared: true', { memory: new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true }) }, 'TypeError', /this memory is shared; pass shared: true/],
    ['heapBase a string', { heapBase: '0' }, 'TypeError', /heapBase must be a number of bytes, got '0'/],
    ['heapBase negative', { heapBase: -1 }, 'RangeError', /heapBase must be an integer from 0 to 4294967295 .*got -1/],
    ['heapBase fractional', { heapBase: 0.5 }, 'RangeError', /heapBase must be an integer/],
    ['heapBase at 4 GiB', { heapBase: 2 ** 32 }, 'RangeError', /heapBase must be an integer from 0 to 4294967295/],
    ['heapBase NaN', { heapBase: NaN }, 'RangeError', /got NaN/],
    ['maxBytes a bigint', { maxBytes: 10n }, 'TypeError', /maxBytes must be a number of bytes, got 10n \(a bigint\)/],
    ['maxBytes negative', { maxBytes: -1 }, 'RangeError', /maxBytes must be a non-negative integer, got -1/],
    ['maxBytes fractional', { maxBytes: 1.5 }, 'RangeError', /maxBytes must be a non-negative integer, got 1\.5/],
    ['maxBytes Infinity', { maxBytes: Infinity }, 'RangeError', /maxBytes must be a non-negative integer, got Infinity/],
    ['maxBytes too small for the metadata', { maxBytes: 1000 }, 'RangeError', /maxBytes 1000 .*needs (at least|more than) \d+ bytes/],
    ['initialBytes a string', { initialBytes: '1MB' }, 'TypeError', /initialBytes must be a number of bytes, got '1MB'/],
    ['initialBytes negative', { initialBytes: -4 }, 'RangeError', /initialBytes must be an integer from 0 to maxBytes/],
    ['initialBytes above maxBytes', { initialBytes: 10 << 20, maxBytes: 1 << 20 }, 'RangeError', /initialBytes must be an integer from 0 to maxBytes \(1048576\), got 10485760/],
  ];
  it.each(cases)('%s', (_what, options, type, message) => {
    const r = rejection(options);
    expect(r.type).toBe(type);
    expect(r.message).toMatch(message);
    expect(r.message.startsWith('hakmem: ')).toBe(true);
  });

  it('the values that are allowed are accepted', () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 512 });
    const heap = createAllocator({ memory, heapBase: 4096, initialBytes: 0, maxBytes: 8 << 20, variant: 'debug', boxes: { bigcache: 'release' } });
    expect(heap.variant).toBe('debug');
    expect(heap.stats().boxVariants.bigcache).toBe('release');
    const p = heap.malloc(100);
    expect(p).toBeGreaterThanOrEqual(4096 + 65536);
    heap.free(p);
    const shared = createAllocator({ shared: true, memory: new WebAssembly.Memory({ initial: 40, maximum: 200, shared: true }) });
    shared.free(shared.malloc(24));
  });
});

describe('closestName', () => {
  const known = ['variant', 'boxes', 'memory', 'heapBase', 'initialBytes', 'maxBytes', 'shared'];
  it('finds a near name, ignoring case, and nothing for a name far from all', () => {
    expect(closestName('MAXBYTES', known)).toBe('maxBytes');
    expect(closestName('intialBytes', known)).toBe('initialBytes');
    expect(closestName('hepaBase', known)).toBe('heapBase');
    expect(closestName('x', known)).toBeUndefined();
    expect(closestName('threads', known)).toBeUndefined();
  });
});
