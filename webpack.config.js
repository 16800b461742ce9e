// Builds the Outlook add-in into dist/: the task pane (React + Fluent UI), the event-handler runtime
// (commands.html loading launchevent.js, one self-contained file that classic Outlook on Windows can
// also load alone), the web app (app.html) with its service worker (sw.js, served as /app/sw.js) and
// web app manifest (app.webmanifest), the icons, and manifest.xml with every URL under ADDIN_URL.
// Run through `npm run build`, which passes `env.addinUrl` from the server's configuration.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { EsbuildPlugin } from 'esbuild-loader';

const root = path.dirname(fileURLToPath(import.meta.url));
/** The base URL written in the source manifest.xml, replaced at build time. */
export const MANIFEST_DEV_URL = 'https://localhost:3443';

/** Files whose names other parties know (the manifest, the browser's service worker registration):
 *  fixed names, one self-contained file each, no shared chunks. */
const STANDALONE = new Set(['launchevent', 'sw']);

/** Whether a chunk is loaded by the web app alone (its runtime is the `app` entry's only). */
function onlyApp(chunk) {
  const runtime = chunk?.runtime;
  const names = typeof runtime === 'string' ? [runtime] : runtime ? [...runtime] : [];
  return names.length === 1 && names[0] === 'app';
}

/** The manifest for a deployment: every URL under `addinUrl`. */
export function manifestFor(content, addinUrl) {
  return content.replaceAll(MANIFEST_DEV_URL, addinUrl.replace(/\/+$/, ''));
}

export default (env = {}, argv = {}) => {
  const addinUrl = (env.addinUrl ?? MANIFEST_DEV_URL).replace(/\/+$/, '');
  return {
    mode: argv.mode ?? 'production',
    context: root,
    entry: {
      taskpane: './src/addin/taskpane/index.tsx',
      launchevent: './src/addin/commands/launchevent.ts',
      // The web app's service worker (Web Push), served as /app/sw.js.
      sw: './src/app/sw.ts',
      // The web app (/app), and the same app as the add-in's sign-in dialog (/app/addin-login).
      app: './src/app/index.tsx',
    },
    output: {
      path: path.join(root, 'dist'),
      filename: (data) => (STANDALONE.has(data.chunk.name) ? '[name].js' : data.chunk.name !== 'app' && onlyApp(data.chunk) ? 'app-[name].[contenthash:8].js' : '[name].[contenthash:8].js'),
      // Chunks only the web app loads are named app-…, so the add-in's budget can tell them apart.
      chunkFilename: (data) => (onlyApp(data.chunk) ? 'app-[name].[contenthash:8].js' : '[name].[contenthash:8].js'),
      publicPath: '',
      clean: true,
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js'],
      extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
    },
    module: {
      rules: [{ test: /\.tsx?$/, loader: 'esbuild-loader', options: { target: 'es2020', jsx: 'automatic' } }],
    },
    optimization: {
      minimizer: [
        // Classic Outlook on Windows runs launchevent.js in its own JavaScript-only engine: older
        // syntax there (no ?. or ??) costs nothing and removes a way to fail before a handler registers.
        new EsbuildPlugin({ target: 'es2017', legalComments: 'none', include: /^launchevent\.js$/ }),
        new EsbuildPlugin({ target: 'es2020', legalComments: 'none', exclude: /^launchevent\.js$/ }),
      ],
      // The event runtime and the service worker stay one file each without React. The pages share one
      // vendor chunk (fewer, larger files compress better); code loaded on demand stays apart.
      splitChunks: {
        chunks: (chunk) => !STANDALONE.has(chunk.name),
        cacheGroups: {
          // The add-in's pages only: the web app's dependencies must not grow the task pane's vendor file.
          vendor: { test: /[\\/]node_modules[\\/]/, name: 'vendor', chunks: (chunk) => !STANDALONE.has(chunk.name) && chunk.name !== 'app' && chunk.canBeInitial(), priority: 10 },
        },
      },
    },
    plugins: [
      new HtmlWebpackPlugin({ filename: 'taskpane.html', template: './src/addin/taskpane/taskpane.html', chunks: ['taskpane'] }),
      new HtmlWebpackPlugin({ filename: 'commands.html', template: './src/addin/commands/commands.html', chunks: ['launchevent'] }),
      // Served at /app and /app/* (deep paths), so its scripts are named from the root.
      new HtmlWebpackPlugin({ filename: 'app.html', template: './src/app/app.html', chunks: ['app'], publicPath: '/' }),
      new HtmlWebpackPlugin({ filename: 'addin-login.html', template: './src/app/addin-login.html', chunks: ['app'], publicPath: '/' }),
      new CopyWebpackPlugin({
        patterns: [
          { from: 'assets', to: 'assets' },
          { from: 'src/app/manifest.webmanifest', to: 'app.webmanifest' },
          { from: 'manifest.xml', to: 'manifest.xml', transform: (content) => manifestFor(content.toString(), addinUrl) },
        ],
      }),
    ],
    performance: { hints: false },
    devtool: 'source-map',
    stats: 'errors-warnings',
  };
};
