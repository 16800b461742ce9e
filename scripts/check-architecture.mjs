// The dependency rules of docs/architecture.md, checked over the real import graph (TypeScript's own
// parser, so comments and strings never count as imports) — `npm test` runs this first so the map
// stays true:
//   - only src/server/store/ and src/server/db/ build SQL (Kysely builders, sql``, raw pg queries);
//   - src/shared imports no project code outside src/shared and no Node built-in (the add-in bundles
//     it); small pure packages (entities) are allowed;
//   - src/addin imports nothing from src/server;
//   - browser code: src/ui (shared by the add-in and the web app) imports only src/ui and src/shared;
//     src/app imports only src/app, src/ui and src/shared; src/addin may import src/ui and src/shared;
//   - the server's layers point one way: http → domain → store → db. store/ imports only store/, db/,
//     shared/ and the leaf helpers (secrets, net); db/ imports only db/.
// Usage: node scripts/check-architecture.mjs   (exit 1 and one line per violation when broken)
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// ARCH_ROOT checks another tree (the check's own test gives it one with known violations).
const ROOT = process.env.ARCH_ROOT ? path.resolve(process.env.ARCH_ROOT) : path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SRC = path.join(ROOT, 'src');

/** Files the server's lowest layers may import besides their own folders: leaf helpers with no state. */
const LEAF_HELPERS = ['src/server/secrets.ts', 'src/server/net/', 'src/server/errors.ts'];

/** Kysely's query builders and raw-SQL entry points; any call of these is a query. */
const QUERY_CALLS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto', 'executeQuery']);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');
const under = (file, ...dirs) => dirs.some((d) => (d.endsWith('/') ? file.startsWith(d) : file === d));

/** Resolves a relative specifier to a repository path (".js" in imports names the ".ts" source). */
function resolve(from, spec) {
  if (!spec.startsWith('.')) return spec; // a package or node: builtin
  const base = path.resolve(path.dirname(from), spec);
  for (const cand of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base + '.ts', base + '.tsx', path.join(base, 'index.ts')]) {
    if (fs.existsSync(cand) && fs.statSync(cand).isFile()) return rel(cand);
  }
  return rel(base);
}

/** Every import/export-from/dynamic import of a file, and every query-building call in it. */
function scan(file) {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const imports = [];
  const queries = [];
  const line = (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? Boolean(node.importClause?.isTypeOnly) : node.isTypeOnly;
      imports.push({ spec: node.moduleSpecifier.text, line: line(node), typeOnly });
      if (ts.isImportDeclaration(node) && node.moduleSpecifier.text === 'kysely' && !typeOnly) {
        const named = node.importClause?.namedBindings;
        if (named && ts.isNamedImports(named) && named.elements.some((e) => !e.isTypeOnly && (e.propertyName ?? e.name).text === 'sql')) {
          queries.push({ what: "imports kysely's sql", line: line(node) });
        }
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      imports.push({ spec: node.arguments[0].text, line: line(node), typeOnly: false });
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && QUERY_CALLS.has(node.expression.name.text)) {
      queries.push({ what: `calls .${node.expression.name.text}()`, line: line(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, queries };
}

/** The rule an import breaks, or null. `to` is a repository path or a package name. */
function importViolation(from, to) {
  const local = to.startsWith('src/');
  if (under(from, 'src/shared/')) {
    if (local ? !under(to, 'src/shared/') : to.startsWith('node:')) return 'src/shared imports nothing outside src/shared but pure packages';
  }
  if (under(from, 'src/addin/') && local && under(to, 'src/server/')) return 'the add-in never imports server code';
  if (under(from, 'src/addin/') && local && under(to, 'src/app/')) return 'the add-in imports only src/addin, src/ui and src/shared';
  if (under(from, 'src/ui/') && local && !under(to, 'src/ui/', 'src/shared/')) return 'src/ui imports only src/ui and src/shared';
  if (under(from, 'src/app/') && local && !under(to, 'src/app/', 'src/ui/', 'src/shared/')) return 'the web app imports only src/app, src/ui and src/shared';
  if (!local) return null;
  if (under(from, 'src/server/db/') && !under(to, 'src/server/db/')) return 'db/ imports only db/';
  if (under(from, 'src/server/store/') && !under(to, 'src/server/store/', 'src/server/db/', 'src/shared/', ...LEAF_HELPERS)) {
    return 'store/ imports only store/, db/, shared/ and leaf helpers (http → domain → store → db)';
  }
  const domain = under(from, 'src/server/') && !under(from, 'src/server/http/', 'src/server/store/', 'src/server/db/', 'src/server/commands/', 'src/server/service.ts', 'src/server/main.ts', 'src/server/cli.ts');
  if (domain && under(to, 'src/server/http/')) return 'domain code never imports http/ (errors live in src/server/errors.ts)';
  return null;
}

const violations = [];
for (const file of walk(SRC)) {
  const from = rel(file);
  const { imports, queries } = scan(file);
  for (const imp of imports) {
    const why = importViolation(from, resolve(file, imp.spec));
    if (why) violations.push(`${from}:${imp.line} imports ${imp.spec}: ${why}`);
  }
  if (!under(from, 'src/server/store/', 'src/server/db/')) {
    for (const q of queries) violations.push(`${from}:${q.line} ${q.what}: only src/server/store/ and src/server/db/ run SQL`);
  }
}

if (violations.length) {
  process.stderr.write(`architecture check: ${violations.length} violation(s) of docs/architecture.md\n${violations.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('architecture check: ok\n');
