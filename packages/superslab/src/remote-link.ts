/** Word of a tiny block that links it on its slab's remote list; word 0 links the free list (see Superslab). */
export const REMOTE_LINK_WORD = 1;
