import { defineCommand, runMain } from 'citty';
import { UsageError } from './errors.js';

// Subcommands load lazily so `recs token` does not pay for the stand-ins `recs run` needs.
const main = defineCommand({
  meta: { name: 'recs', description: 'Show-recommendation pipeline: run it locally, serve it, evaluate the model.' },
  subCommands: {
    bench: () => import('./commands/bench.js').then((m) => m.default),
    serve: () => import('./commands/serve.js').then((m) => m.default),
    token: () => import('./commands/token.js').then((m) => m.default),
  },
});

const verbose = process.argv.includes('--verbose');

// citty prints usage errors itself; anything else reaching here is reported as one line (stack with --verbose).
process.on('unhandledRejection', (error) => report(error));

function report(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`recs: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}

await runMain(main).catch(report);
