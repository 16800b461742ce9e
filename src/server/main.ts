// Process entry of the bundle: run the CLI and turn unexpected failures into one clear line.
import fs from 'node:fs';
import { keepHeapsSmall } from './heap-size.js';

// Before any of the server's code loads, so the CLI is imported below, not above.
keepHeapsSmall();

// A .env file in the working directory fills in variables the environment does not set.
if (fs.existsSync('.env')) process.loadEnvFile('.env');

const { main } = await import('./cli.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`mailbeacon: ${err.message}\n`);
    if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
