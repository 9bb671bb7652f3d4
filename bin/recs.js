#!/usr/bin/env node
// Entry point of the `recs` command. It re-executes itself once with the flags the local stand-ins need
// (s3rver's paginated listings fail without the legacy OpenSSL provider on Node 20), then loads the
// TypeScript CLI through tsx so nobody has to build before running.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FLAG = '--openssl-legacy-provider';

if (!process.execArgv.includes(FLAG)) {
  const child = spawn(process.execPath, [FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
