// Where the package's own files are, whether we run from the bundle (build/) or from source (tests).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'mailbeacon') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Cannot find the mailbeacon package root above ' + start);
    dir = up;
  }
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The built add-in (webpack output). */
export const ADDIN_DIST = path.join(ROOT, 'dist');
