/** What an adapter says about itself for the report: the peer it wraps and how it is set up. */
export interface AdapterAbout {
  /** npm package the peer comes from, or null for the benchmark's own references. */
  readonly peer: string | null;
  /** The options chosen and why, one line. */
  readonly options: string;
}
