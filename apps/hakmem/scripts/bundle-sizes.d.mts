/** The entry points `bundleApp` measures: `hakmem`, `hakmem/release`, `hakmem/debug`. */
export declare const ENTRIES: readonly string[];
/** The minified (unless `minify: false`) app bundle of `createAllocator(); malloc(8)` through `specifier`. */
export declare function bundleApp(specifier: string, opts?: { minify?: boolean }): Promise<string>;
/** Bytes of `text`, and of it gzipped at level 9. */
export declare function sizeOf(text: string): { minified: number; gzip: number };
/** Per box package folder: string literals only its debug build holds. */
export declare function debugOnlyStrings(): Record<string, string[]>;
