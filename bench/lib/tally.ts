/** Counts by name, with snapshots so that a phase (the setup) can be taken off the totals. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** A frozen copy of the counts now. */
  snapshot(): ReadonlyMap<string, number> {
    return new Map(this.counts);
  }

  /** Counts since `before` (a snapshot of this tally), names that did not move left out; sorted by name. */
  since(before: ReadonlyMap<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.counts.keys()].sort()) {
      const delta = (this.counts.get(name) ?? 0) - (before.get(name) ?? 0);
      if (delta !== 0) out[name] = delta;
    }
    return out;
  }
}

/** Sum of the counts whose name passes `keep`. */
export function sumOf(counts: Readonly<Record<string, number>>, keep: (name: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((total, [name, count]) => (keep(name) ? total + count : total), 0);
}

/** Nearest-rank percentile (p in 0..1) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
