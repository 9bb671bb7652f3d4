import { UsageError } from '../errors.js';

/**
 * The values of every `--hp key=value` (or `--hp=key=value`) in rawArgs, as raw hyperparameters: the model's own
 * schema (model/hyperparameters.ts) validates them, exactly as it validates the training job's. citty keeps only
 * the last of a repeated flag, so they are read here.
 */
export function parseHpFlags(rawArgs: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? '';
    let pair: string | undefined;
    if (arg === '--hp') pair = rawArgs[++i];
    else if (arg.startsWith('--hp=')) pair = arg.slice('--hp='.length);
    else continue;
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) throw new UsageError(`--hp expects key=value (got ${JSON.stringify(pair ?? '')})`);
    raw[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return raw;
}

/** A HyperparameterError from model/ as a usage error naming the flag. */
export function asUsageError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'HyperparameterError') {
    return new UsageError(error.message.replace('hyperparameter "', 'flag "--hp '));
  }
  return error;
}
