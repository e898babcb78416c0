/**
 * The layout constants and size-class tables, on their own entry point so
 * that every package can bundle them in: esbuild then inlines the constants
 * as literals in hot paths (an imported binding costs a load per use). Only
 * plain values live here; HeapError stays in the shared `.` entry so that
 * `instanceof` works across boxes.
 */
export * from './layout.js';
export * from './size-classes.js';
