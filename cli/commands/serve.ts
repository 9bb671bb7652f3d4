import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand } from 'citty';
import { dataPaths, noLocalRunYet } from '../../local/data-dir.js';
import { UsageError } from '../errors.js';

/** `recs serve`: serverless.yml's HTTP API on 127.0.0.1 over the DynamoDB and S3 data a local run left in the data dir. */
export default defineCommand({
  meta: {
    name: 'serve',
    description:
      "Serve serverless.yml's HTTP API (GET /viewers/{viewerId}/offers, GET /reports/top-shows) locally over a run's data.",
  },
  args: {
    port: { type: 'string', description: 'port on 127.0.0.1 (0 picks a free one)', default: '3000' },
    'data-dir': { type: 'string', description: 'where `recs run` left its state', default: '.recs' },
    quiet: { type: 'boolean', description: 'no access log line per request on stderr' },
    iam: {
      type: 'boolean',
      description:
        "check the functions' AWS calls against the stack's IAM policies (--no-iam turns it off, with a warning)",
      default: true,
    },
  },
  async run({ args }) {
    const port = Number(args.port);
    if (!/^\d{1,5}$/.test(args.port) || port > 65_535)
      throw new UsageError(`--port must be 0-65535, got "${args.port}"`);
    const dataDir = resolve(args['data-dir']);
    if (!existsSync(dataPaths(dataDir).dynamodb)) {
      process.stderr.write(
        `recs serve: ${noLocalRunYet(dataDir)}; until then every viewer gets an empty list and there is no report\n`,
      );
    }
    if (args.iam === false)
      process.stderr.write(
        "recs serve: ⚠ IAM enforcement is off (--no-iam): calls are not checked against the stack's policies\n",
      );

    const { startLocalApi } = await import('../../local/local-api.js');
    const stopSignals = waitForStopSignal();
    try {
      const api = await startLocalApi({
        dataDir,
        port,
        iam: args.iam !== false,
        ...(args.quiet
          ? {}
          : {
              onRequest: ({ method, path, statusCode, durationMs }) =>
                process.stderr.write(`${method} ${path} ${statusCode} ${durationMs.toFixed(1)}ms\n`),
            }),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; pick another with --port`);
        throw error;
      });
      const dirFlag = args['data-dir'] === '.recs' ? '' : ` --data-dir ${args['data-dir']}`;
      process.stdout.write(`${api.url}\n`);
      process.stderr.write(
        [
          `recs serve: listening on ${api.url} (data: ${dataDir}); Ctrl-C stops.`,
          `  Routes (serverless.yml): ${api.routes.map((route) => `${route.method} ${route.path}`).join(', ')}`,
          '  Try:',
          `    TOKEN=$(recs token --viewer <viewerId>${dirFlag})`,
          `    curl -H "Authorization: Bearer $TOKEN" ${api.url}/viewers/<viewerId>/offers`,
          `  or a service token that reads any viewer: recs token --service${dirFlag}`,
          `  Report: curl -H "Authorization: Bearer $(recs token --service --scope reports/read${dirFlag})" ${api.url}/reports/top-shows`,
          '',
        ].join('\n'),
      );
      await stopSignals.stopped;
      process.stderr.write('recs serve: stopping\n');
      await api.stop();
    } finally {
      stopSignals.dispose();
    }
  },
});

/** Resolves on the first SIGINT/SIGTERM, and keeps swallowing repeats (bin/recs.js forwards the terminal's too) until disposed. */
function waitForStopSignal(): { stopped: Promise<void>; dispose(): void } {
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = () => resolveStopped();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
