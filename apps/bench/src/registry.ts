import type { AdapterFactory } from './adapter.js';
import type { AdapterAbout } from './adapters/about.js';

/** Every allocator the bench knows, in table order. */
export const ADAPTER_NAMES = ['ceiling', 'floor', 'thing', 'as-tlsf', 'dlmalloc', 'gc', 'hakmem', 'hakmem-debug'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** The two references every run prints (workloads.md), whatever `--alloc` says. */
export const REFERENCE_NAMES: readonly AdapterName[] = ['ceiling', 'floor'];

/** The row every ratio is taken against. */
export const BASELINE_NAME: AdapterName = 'hakmem';

export interface AdapterEntry {
  readonly create: AdapterFactory;
  readonly about: AdapterAbout;
}

/**
 * Loads one adapter module. Adapter modules import their peer only inside
 * `create`, so this never fails for a missing peer; `create` does.
 */
export async function loadAdapter(name: AdapterName): Promise<AdapterEntry> {
  switch (name) {
    case 'ceiling':
      return import('./adapters/ceiling.js');
    case 'floor':
      return import('./adapters/floor.js');
    case 'thing':
      return import('./adapters/thing.js');
    case 'as-tlsf':
      return import('./adapters/as-tlsf.js');
    case 'dlmalloc':
      return import('./adapters/dlmalloc.js');
    case 'gc':
      return import('./adapters/gc.js');
    case 'hakmem': {
      const m = await import('./adapters/hakmem.js');
      return { create: m.createRelease, about: m.about };
    }
    case 'hakmem-debug': {
      const m = await import('./adapters/hakmem.js');
      return { create: m.createDebug, about: m.about };
    }
  }
}

export function isAdapterName(name: string): name is AdapterName {
  return (ADAPTER_NAMES as readonly string[]).includes(name);
}
