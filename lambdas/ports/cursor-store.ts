/** A named position (the next block to scan for deposits, …) and how many times it moved. */
export interface Cursor {
  readonly name: string;
  readonly position: string;
  readonly version: number;
  readonly at: Date;
}

/**
 * Cursors as appended entries: moving one appends version n+1 with a conditional put, so two
 * scanners racing on one cursor cannot both advance it, and every past position stays readable.
 */
export interface CursorStore {
  read(name: string): Promise<Cursor | undefined>;
  /** Appends the next position after `expected` (undefined for the first); ConflictError if someone moved it. */
  advance(name: string, expected: Cursor | undefined, position: string, at: Date): Promise<Cursor>;
}
