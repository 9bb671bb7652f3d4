import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { optMlPaths } from './paths.js';
import { loadServeConfig, serve } from './serve.js';
import { train } from './train.js';

// SageMaker runs the image as `docker run <image> train` or `… serve`; the local runtime runs this file the same way.
const command = process.argv[2];
const paths = optMlPaths();

if (!isMainThread) {
  // A worker thread started from the bundle (linalg/parallel-*.ts, serve-pool.ts): its module already picked up the job.
} else if (command === 'train') {
  try {
    await train(paths, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`${JSON.stringify({ level: 'ERROR', message: 'training failed', reason })}\n`);
    await mkdir(dirname(paths.failure), { recursive: true });
    await writeFile(paths.failure, `${reason}\n`);
    process.exitCode = 1;
  }
} else if (command === 'serve') {
  const config = loadServeConfig();
  const { server, pool } = await serve(paths.model, config);
  process.stdout.write(
    `${JSON.stringify({ level: 'INFO', message: 'serving', port: config.SAGEMAKER_BIND_TO_PORT, threads: pool.threads })}\n`,
  );
  // SageMaker stops containers with SIGTERM; finish in-flight requests, then exit.
  process.once('SIGTERM', () => server.close(() => void pool.close()));
} else {
  process.stderr.write('usage: main.ts train|serve\n');
  process.exitCode = 2;
}
