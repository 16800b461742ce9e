// `npm run build`: the backend bundle (esbuild) and the add-in (webpack, production mode).
//   --server      only the backend
//   --if-needed   skip what is already up to date (npm start and npm test use this)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SERVER_OUT, buildServer, newestMtime, serverIsStale } from './build-server.mjs';

const args = new Set(process.argv.slice(2));
const ifNeeded = args.has('--if-needed');
const log = (msg) => process.stderr.write(`[build] ${msg}\n`);

if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));

async function addinUrl() {
  const { loadConfig } = await import(path.join(SERVER_OUT, 'config.js'));
  try {
    return loadConfig().addinUrl;
  } catch (e) {
    log(e.message);
    process.exit(2);
  }
}

const ADDIN_DIST = path.join(ROOT, 'dist');
const ADDIN_INFO = path.join(ADDIN_DIST, 'build-info.json');
const ADDIN_SOURCES = ['src/addin', 'src/ui', 'src/app', 'src/shared', 'assets', 'manifest.xml', 'webpack.config.js', 'package-lock.json'].map((p) => path.join(ROOT, p));

function addinIsStale(url) {
  if (!fs.existsSync(ADDIN_INFO)) return true;
  const info = JSON.parse(fs.readFileSync(ADDIN_INFO, 'utf8'));
  return info.addinUrl !== url || newestMtime(ADDIN_SOURCES) > fs.statSync(ADDIN_INFO).mtimeMs;
}

async function buildAddin(url) {
  const { default: webpack } = await import('webpack');
  const { default: makeConfig } = await import(path.join(ROOT, 'webpack.config.js'));
  const config = makeConfig({ addinUrl: url }, { mode: 'production' });
  let last = -10;
  config.plugins.push(
    new webpack.ProgressPlugin((fraction, message) => {
      const pct = Math.floor(fraction * 100);
      if (pct >= last + 10 || fraction === 1) {
        last = pct;
        log(`add-in ${pct}% ${message}`);
      }
    }),
  );
  const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
  if (stats.hasErrors()) {
    process.stderr.write(stats.toString('errors-only') + '\n');
    throw new Error('the add-in build failed; see the errors above');
  }
  fs.writeFileSync(ADDIN_INFO, JSON.stringify({ addinUrl: url, builtAt: new Date().toISOString() }) + '\n');
}

const started = Date.now();
if (!ifNeeded || serverIsStale()) {
  log('backend → build/server');
  await buildServer();
}
if (!args.has('--server')) {
  const url = await addinUrl();
  if (!ifNeeded || addinIsStale(url)) {
    log(`add-in → dist/ (manifest URLs under ${url})`);
    await buildAddin(url);
  } else {
    log('add-in is up to date');
  }
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
