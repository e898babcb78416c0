import { FREE_DOUBLE, FREE_INVALID, FREE_OK } from '@hakmem/contracts';
import { spanStartOf } from '@hakmem/contracts/layout';
import { MidAce } from './mid-ace.js';

// The names the facade still uses until it switches to the issue-11 members;
// each goes then (see the package README, "Deprecated").

/** @deprecated: removed when the facade switches to `FREE_OK` from @hakmem/contracts. */
export const MID_FREE_OK = FREE_OK;
/** @deprecated: removed when the facade switches to `FREE_DOUBLE` from @hakmem/contracts. */
export const MID_FREE_DOUBLE = FREE_DOUBLE;
/** @deprecated: removed when the facade switches to `FREE_INVALID` from @hakmem/contracts. */
export const MID_FREE_INVALID = FREE_INVALID;

/** @deprecated: removed when the facade switches to `spanStartOf` from @hakmem/contracts/layout. First byte of the span holding `ptr`, from its page word's distance field. */
export const spanStart = spanStartOf;

/** @deprecated: removed when the facade switches to `MidAce` (the box serves nothing large). */
export const MidLargeAce = MidAce;
/** @deprecated: removed when the facade switches to `MidAce`. */
export type MidLargeAce = MidAce;
