/** Small statistics for paired benchmark rounds. */

/** The value at quantile `q` (0–1), linearly interpolated. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

/** A median with its spread. */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly q1: number
  readonly q3: number
  readonly n: number
}

export const summarize = (values: ReadonlyArray<number>): Summary => ({
  median: median(values),
  min: values.length === 0 ? Number.NaN : Math.min(...values),
  max: values.length === 0 ? Number.NaN : Math.max(...values),
  q1: quantile(values, 0.25),
  q3: quantile(values, 0.75),
  n: values.length
})

/** Per-round ratios `a[i] / b[i]` of two variants measured in the same rounds. */
export const pairedRatios = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> =>
  a.slice(0, Math.min(a.length, b.length)).map((x, i) => x / b[i]!)

/** `1.23` → `1.23`, with enough digits for small and large values. */
export const fmt = (value: number, digits = 2): string =>
  !Number.isFinite(value) ? "n/a" : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits)

/** `2.10 (1.95–2.40)` */
export const fmtSummary = (s: Summary, digits = 2): string =>
  s.n <= 1 ? fmt(s.median, digits) : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
