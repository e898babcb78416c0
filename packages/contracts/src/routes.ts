/**
 * The front gate's vocabulary: which box serves a size, and which box owns a
 * page. The facade asks the front gate (`routeOfSize`, `routeOfWord`) and
 * dispatches on these; nothing else decides where a size or a page goes.
 */

/** No box: a free, metadata or reserved page. */
export const ROUTE_NONE = 0;
/** The superslab (tiny blocks): an active slab's page, or a SuperSlab's unused slab. */
export const ROUTE_TINY = 1;
/** The mid box: a span's page, or a mid page run's head. */
export const ROUTE_MID = 2;
/** BigCache: a large run's head. */
export const ROUTE_LARGE = 3;
/** A page inside a run: it belongs to the run head before it, never to a box by itself. */
export const ROUTE_RUN_BODY = 4;

export type Route = typeof ROUTE_NONE | typeof ROUTE_TINY | typeof ROUTE_MID | typeof ROUTE_LARGE | typeof ROUTE_RUN_BODY;
