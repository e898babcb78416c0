/** Number formatting shared by the text tables and the HTML report. */

/** 152300000 -> "152.3 M". */
export function rate(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e8 ? 0 : 1)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)} k`;
  return x.toFixed(0);
}

/** 0.8123 -> "0.81×". */
export function ratio(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return `${x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}

/** 8192 -> "8 KiB", 1040 -> "1040 B" (a workload size is shown exactly), 3.5e9 -> "3.3 GiB". */
export function bytes(x: number): string {
  for (const [unit, name] of [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']] as const) {
    if (x >= unit && x % unit === 0) return `${x / unit} ${name}`;
  }
  if (x < 2 ** 20) return `${x} B`;
  return x >= 2 ** 30 ? `${(x / 2 ** 30).toFixed(1)} GiB` : `${(x / 2 ** 20).toFixed(1)} MiB`;
}

export function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** A change factor as a signed percentage (1.33 → "+33%", 0.8 → "-20%"), or — when unknown. */
export function pct(x: number | null): string {
  return x === null ? '—' : `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(0)}%`;
}
