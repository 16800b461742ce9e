// Multi-row statements in a few fixed sizes. The SQLite connection keeps prepared statements by their
// text (db/index.ts), and a batch of n rows as one statement had a text of its own for every n: each
// was prepared anew, held thousands of parameters, and left its native memory behind until the garbage
// collector happened to free its handle (README, Benchmarks: peak RSS). Runs of 64, 16, 4 and 1 rows
// repeat their text, so they stay prepared.
const SIZES = [64, 16, 4, 1];

/** Calls `write` with consecutive runs of `rows` of the fixed sizes, in order; answers what they answered, in order. */
export async function inFixedRuns<T, R>(rows: T[], write: (run: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; ) {
    const size = SIZES.find((n) => n <= rows.length - i)!;
    for (const r of await write(rows.slice(i, i + size))) out.push(r);
    i += size;
  }
  return out;
}
