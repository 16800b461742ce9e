// `npm run bench [-- name …]`: runs benchmarks and prints one table. Each figure is printed next to a
// baseline measured in the same run, and their ratio, so machines of different speed compare.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.replace('.bench.mjs', ''))
  .sort();
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !available.includes(a));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from: ${available.join(', ')}.`);
  process.exit(2);
}
const names = asked.length ? asked : available;
const rows = [];
for (const name of names) {
  process.stderr.write(`\n[bench] ${name} …\n`);
  const mod = await import(pathToFileURL(path.join(here, `${name}.bench.mjs`)).href);
  const started = Date.now();
  const out = await mod.run({ log: (m) => process.stderr.write(`[bench:${name}] ${m}\n`) });
  rows.push(...out.map((r) => ({ bench: name, ...r })));
  process.stderr.write(`[bench] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const fmt = (v) => (v === undefined || v === null ? '' : typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v));
const table = [
  ['bench', 'figure', 'value', 'baseline', 'ratio', 'target', 'met'],
  ...rows.map((r) => [r.bench, r.figure, `${fmt(r.value)} ${r.unit ?? ''}`.trim(), r.baseline === undefined ? '' : `${fmt(r.baseline)} ${r.unit ?? ''}`.trim(), fmt(r.ratio), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO']),
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
const line = (row) => '| ' + row.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
console.log(`\nMailbeacon benchmarks — ${new Date().toISOString().slice(0, 10)}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}\n`);
console.log(line(table[0]));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table.slice(1)) console.log(line(row));
