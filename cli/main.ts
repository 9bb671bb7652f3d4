import { stripVTControlCharacters } from 'node:util';
import { type CommandDef, defineCommand, runCommand, showUsage } from 'citty';
import { UsageError } from './errors.js';

// Subcommands load lazily so `recs token` does not pay for the stand-ins `recs run` needs.
const main = defineCommand({
  meta: { name: 'recs', description: 'Show-recommendation pipeline: run it locally, serve it, evaluate the model.' },
  subCommands: {
    bench: () => import('./commands/bench.js').then((m) => m.default),
    report: () => import('./commands/report.js').then((m) => m.default),
    serve: () => import('./commands/serve.js').then((m) => m.default),
    token: () => import('./commands/token.js').then((m) => m.default),
    run: () => import('./commands/run.js').then((m) => m.default),
    redrive: () => import('./commands/redrive.js').then((m) => m.default),
    executions: () => import('./commands/executions.js').then((m) => m.default),
    evaluate: () => import('./commands/evaluate.js').then((m) => m.default),
    'iam-audit': () => import('./commands/iam-audit.js').then((m) => m.default),
    tune: () => import('./commands/tune.js').then((m) => m.default),
    experiment: () => import('./commands/experiment.js').then((m) => m.default),
    plan: () => import('./commands/plan.js').then((m) => m.default),
  },
});

const verbose = process.argv.includes('--verbose');

// Errors are caught only here: one line on stderr (the stack with --verbose) and an exit code, never
// process.exit(), so stand-ins shut down in `finally` blocks and output flushes (STYLE.md, CLI).
process.on('unhandledRejection', (error) => report(error));

function report(error: unknown): void {
  const message = withFix(error instanceof Error ? error.message : String(error), error);
  process.stderr.write(`recs: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  // citty's own CLIError is a usage problem too (unknown command, missing argument).
  const isUsage = error instanceof UsageError || (error instanceof Error && error.name === 'CLIError');
  process.exitCode = isUsage ? 2 : 1;
}

// citty's own usage errors (unknown command, missing argument) say what is wrong but not what to do.
function withFix(message: string, error: unknown): string {
  if (!(error instanceof Error) || error.name !== 'CLIError') return message;
  const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  const isKnown = command !== undefined && command in (main.subCommands ?? {});
  return `${stripVTControlCharacters(message)}: \`recs ${isKnown ? `${command} ` : ''}--help\` shows the usage`;
}

/** The subcommand named by the first positional argument, for `recs <cmd> --help`. */
async function helpTarget(rawArgs: readonly string[]): Promise<CommandDef | undefined> {
  const name = rawArgs.find((arg) => !arg.startsWith('-'));
  const subCommands = main.subCommands as Record<string, () => Promise<CommandDef>> | undefined;
  const load = name ? subCommands?.[name] : undefined;
  return load ? await load() : undefined;
}

async function cli(rawArgs: string[]): Promise<void> {
  if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) {
    const sub = await helpTarget(rawArgs);
    await (sub ? showUsage(sub, main as CommandDef) : showUsage(main as CommandDef));
    return;
  }
  await runCommand(main, { rawArgs });
}

await cli(process.argv.slice(2)).catch(report);
