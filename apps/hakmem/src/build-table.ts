import type { BoxName, Variant } from '@hakmem/contracts';
import type { BoxImplementations } from './box-contracts.js';

/**
 * The built-in builds an entry point carries, per box. `hakmem` carries both
 * builds of every box; `hakmem/release` and `hakmem/debug` carry one, so a
 * bundler that follows them never sees the other build's code.
 */
export type BuildTable = { readonly [K in BoxName]: Readonly<Partial<Record<Variant, BoxImplementations[K]>>> };

/**
 * The build of `box` for `variant` in `table`; a build the entry point does
 * not carry is a RangeError naming the entry that has it.
 */
export function pickFrom<K extends BoxName>(table: BuildTable, entry: string, box: K, variant: Variant): BoxImplementations[K] {
  const build = table[box][variant];
  if (build === undefined)
    throw new RangeError(
      `hakmem: ${entry} carries only the ${variant === 'debug' ? 'release' : 'debug'} builds of its boxes, and ${box} asked for its ${variant} build; import 'hakmem' (both builds) or 'hakmem/${variant}'`,
    );
  return build as BoxImplementations[K];
}
