// Packages most servers seldom or never use (IMAP, webhooks, mail parsing, certificate generation,
// the common-password list) are loaded when first used, not at start-up: each one loaded costs the
// main isolate megabytes of heap for as long as the process runs (README, Benchmarks: peak RSS).
// Calls through this are opaque to the bundler, so those packages load from node_modules.
import { createRequire } from 'node:module';

export const loadLater = createRequire(import.meta.url);
