/** A fenced ```ts block of a README, with the heading it sits under. */
export interface ReadmeExample {
  code: string;
  line: number;
  heading: string;
}

/** The fenced ```ts blocks of a Markdown text, each with the nearest heading above it. */
export function extractExamples(markdown: string): ReadmeExample[];

/** Points imports of exactly `pkg` at `pkg/debug`. */
export function useDebugBuild(code: string, pkg: string): string;

/**
 * Runs every ```ts block under `heading` (default "Usage") of the README as a
 * module inside its package; resolves to how many ran, rejects on the first
 * failure or when there is none.
 */
export function runReadmeExamples(readmePath: string, options?: { heading?: string; debugBuildOf?: string }): Promise<number>;
