// The dependency check (scripts/check-architecture.mjs) that `npm test` runs first: it passes on this
// tree and fails, naming file, line and rule, on a tree that breaks each rule.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/check-architecture.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-arch-'));
  dirs.push(root);
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, ARCH_ROOT: root }, encoding: 'utf8' });

describe('architecture check', () => {
  it('passes on this repository', () => {
    expect(() => execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('names every broken rule with file and line', () => {
    const root = tree({
      'src/server/store/a.ts': "import { x } from '../http/b.js';\nexport const y = x;\n",
      'src/server/http/b.ts': "export const x = (db: any) => db.selectFrom('users');\n",
      'src/server/tracking/c.ts': "import { sql } from 'kysely';\nimport { e } from '../http/errors.js';\nexport const q = sql`select 1`;\n",
      'src/server/http/errors.ts': 'export const e = 1;\n',
      'src/shared/d.ts': "import fs from 'node:fs';\nimport { z } from '../server/store/a.js';\nexport const w = [fs, z];\n",
      'src/addin/e.ts': "export const v = import('../server/http/b.js');\n",
      'src/server/db/f.ts': "import { y } from '../store/a.js';\nexport const u = y;\n",
      // A comment or a string that mentions a query is not one.
      'src/server/ok.ts': "// db.selectFrom('x') in a comment\nexport const s = \"insertInto('y')\";\n",
    });
    const r = run(root);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n').slice(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^src\/server\/store\/a\.ts:1 imports \.\.\/http\/b\.js: store\//),
        expect.stringMatching(/^src\/server\/http\/b\.ts:1 calls \.selectFrom\(\): only src\/server\/store/),
        expect.stringMatching(/^src\/server\/tracking\/c\.ts:1 imports kysely's sql/),
        expect.stringMatching(/^src\/server\/tracking\/c\.ts:2 imports \.\.\/http\/errors\.js: domain code never imports http/),
        expect.stringMatching(/^src\/shared\/d\.ts:1 imports node:fs: src\/shared/),
        expect.stringMatching(/^src\/shared\/d\.ts:2 imports \.\.\/server\/store\/a\.js: src\/shared/),
        expect.stringMatching(/^src\/addin\/e\.ts:1 imports \.\.\/server\/http\/b\.js: the add-in never imports server code/),
        expect.stringMatching(/^src\/server\/db\/f\.ts:1 imports \.\.\/store\/a\.js: db\/ imports only db\//),
      ]),
    );
    expect(lines).toHaveLength(8);
  });

  it('keeps shared browser code (src/ui) and the web app (src/app) off server and add-in code', () => {
    const root = tree({
      'src/ui/a.ts': "import { b } from '../addin/b.js';\nimport { s } from '../shared/s.js';\nexport const a = [b, s];\n",
      'src/ui/c.ts': "export const c = import('../app/page.js');\n",
      'src/addin/b.ts': 'export const b = 1;\n',
      'src/addin/api/client.ts': 'export const client = 1;\n',
      'src/shared/s.ts': 'export const s = 1;\n',
      'src/app/page.ts': "import { a } from '../ui/a.js';\nimport { client } from '../addin/api/client.js';\nimport { b } from '../addin/b.js';\nimport { x } from '../server/x.js';\nexport const p = [a, client, b, x];\n",
      'src/server/x.ts': 'export const x = 1;\n',
    });
    const r = run(root);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n').slice(1);
    expect(lines.sort()).toEqual([
      expect.stringMatching(/^src\/app\/page\.ts:2 imports \.\.\/addin\/api\/client\.js: the web app imports only/),
      expect.stringMatching(/^src\/app\/page\.ts:3 imports \.\.\/addin\/b\.js: the web app imports only/),
      expect.stringMatching(/^src\/app\/page\.ts:4 imports \.\.\/server\/x\.js: the web app imports only/),
      expect.stringMatching(/^src\/ui\/a\.ts:1 imports \.\.\/addin\/b\.js: src\/ui imports only src\/ui and src\/shared/),
      expect.stringMatching(/^src\/ui\/c\.ts:1 imports \.\.\/app\/page\.js: src\/ui imports only/),
    ]);
  });
});
