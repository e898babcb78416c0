export * from './layout.js';
export * from './size-classes.js';
export * from './heap-error.js';
export * from './boxes.js';
export * from './walk.js';
export * from './routes.js';
export type { SlabOccupancy, SpanOccupancy } from './occupancy.js';
