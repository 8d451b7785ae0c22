/** Small formatting helpers for BENCHMARKS.md tables. */

/** A Markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** An integer with thousands separators. */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

/** A number with a fixed count of decimals. */
export function num(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** A ratio such as `0.83×`. */
export function ratio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a';
}

/** Bytes in KiB with one decimal. */
export function kib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a';
}

/** Bytes in MiB with one decimal. */
export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
}

/** A target's state as a table cell. */
export function verdict(met: boolean | null): string {
  return met === null ? 'not judged (quick run)' : met ? 'met' : 'not met';
}

/** A share (0..1) as a whole percentage. */
export function pct(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a';
}

/** Other processes' load on the server core and the load core, e.g. `3% / 0%`. */
export function otherLoadCell(load: { readonly serverCore: number; readonly loadCore: number }): string {
  return `${pct(load.serverCore)} / ${pct(load.loadCore)}`;
}
