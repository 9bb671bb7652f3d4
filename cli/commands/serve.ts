import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand } from 'citty';
import { noLocalRunYet } from '../../local/data-dir.js';
import { UsageError } from '../errors.js';

// The same templates serverless.yml gives the offers function, so local deep links look like deployed ones.
const LOCAL_DEEP_LINK_TEMPLATES = JSON.stringify({
  hulu: 'https://www.hulu.com/watch/{showId}',
  youtube: 'https://www.youtube.com/watch?v={showId}',
  appletv: 'https://tv.apple.com/show/{showId}',
  own: 'https://watch.example.com/shows/{showId}',
});

/** `recs serve`: the HTTP API on 127.0.0.1 over the DynamoDB data a local run left in the data dir. */
export default defineCommand({
  meta: {
    name: 'serve',
    description: "Serve the HTTP API (GET /viewers/{viewerId}/offers, GET /reports/latest) locally over a run's data.",
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
    const dynamoDir = join(dataDir, 'dynamodb');
    if (!existsSync(dynamoDir)) {
      process.stderr.write(`recs serve: ${noLocalRunYet(dataDir)}; until then every viewer gets an empty list\n`);
    }

    const [{ startDynamo }, { applyLocalAwsEnv }, { LocalHttpApi, defaultLocalRoutes }, jwt, experiments] =
      await Promise.all([
        import('../../local/standins/dynamodb.js'),
        import('../../local/standins/aws-env.js'),
        import('../../local/http-server.js'),
        import('../../local/jwt-keys.js'),
        import('../../local/experiment-file.js'),
      ]);
    // The stack's policies, read afresh from serverless.yml and resources/: each route's function signs as itself.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const [{ LocalIam }, { runWithEnv }] = await Promise.all([
      import('../../local/iam/local-iam.js'),
      import('../../local/iam/scoped-env.js'),
    ]);
    const iam = args.iam === false ? undefined : await LocalIam.load({ root });
    if (!iam)
      process.stderr.write(
        "recs serve: ⚠ IAM enforcement is off (--no-iam): calls are not checked against the stack's policies\n",
      );
    const runAs = <T>(functionName: string, invocation: () => Promise<T>): Promise<T> => {
      const principal = iam?.functionPrincipal(functionName);
      return iam && principal && iam.stack.principals.has(principal)
        ? runWithEnv(iam.envFor(principal), invocation)
        : invocation();
    };
    const dynamo = await startDynamo(dynamoDir, iam);
    const stopSignals = waitForStopSignal();
    try {
      // Before the handlers are imported: they build their SDK clients, which read these, at import.
      applyLocalAwsEnv({ dynamodb: dynamo.endpoint });
      process.env.TABLE_NAME ??= 'recommendations';
      process.env.DEEP_LINK_TEMPLATES ??= LOCAL_DEEP_LINK_TEMPLATES;
      // The local stage's experiment (`recs experiment start`), as stage params give it to the offers Lambda.
      const { experimentEnv } = await import('../../functions/_shared/experiment.js');
      Object.assign(process.env, experimentEnv(experiments.readLocalExperiment(dataDir)));

      const key = await jwt.loadOrCreateSigningKey(dataDir);
      const api = new LocalHttpApi({
        authorizer: jwt.localAuthorizerSettings(key),
        runAs,
        // /reports/latest opens the warehouse per request (one at a time), never while serve starts: PGlite must
        // not have a folder open twice, so do not run `recs run` on the same data dir while serving reports.
        routes: await defaultLocalRoutes({ dataDir }),
        ...(args.quiet
          ? {}
          : {
              onRequest: ({ method, path, statusCode, durationMs }) =>
                process.stderr.write(`${method} ${path} ${statusCode} ${durationMs.toFixed(1)}ms\n`),
            }),
      });
      const url = await api.listen(port).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; pick another with --port`);
        throw error;
      });
      const dirFlag = args['data-dir'] === '.recs' ? '' : ` --data-dir ${args['data-dir']}`;
      process.stdout.write(`${url}\n`);
      process.stderr.write(
        [
          `recs serve: listening on ${url} (data: ${dataDir}); Ctrl-C stops.`,
          '  Try:',
          `    TOKEN=$(recs token --viewer <viewerId>${dirFlag})`,
          `    curl -H "Authorization: Bearer $TOKEN" ${url}/viewers/<viewerId>/offers`,
          `  or a service token that reads any viewer: recs token --service${dirFlag}`,
          `  Report: curl -H "Authorization: Bearer $(recs token --service --scope reports/read${dirFlag})" ${url}/reports/latest`,
          '',
        ].join('\n'),
      );
      await stopSignals.stopped;
      process.stderr.write('recs serve: stopping\n');
      await api.close();
    } finally {
      await dynamo.stop();
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
