#!/usr/bin/env node
// The `mailbeacon` command. Runs the bundled backend, rebuilding it first when the source is newer.
import { buildServer, serverIsStale, SERVER_OUT } from '../scripts/build-server.mjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

if (serverIsStale()) await buildServer();
await import(pathToFileURL(path.join(SERVER_OUT, 'main.js')).href);
