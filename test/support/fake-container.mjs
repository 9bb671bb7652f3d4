// A stand-in recommender image for tests of the SageMaker job lifecycle: real processes with the /opt/ml
// layout, whose behaviour the `behaviour` hyperparameter picks (ok | fail | hang). `serve` echoes each line
// upper-cased.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const root = process.env.SM_OPT_ML_ROOT;
const mode = process.argv[2];

if (mode === 'train') {
  const hyper = JSON.parse(readFileSync(join(root, 'input/config/hyperparameters.json'), 'utf8'));
  const behaviour = hyper.behaviour ?? 'ok';
  if (behaviour === 'fail') {
    mkdirSync(join(root, 'output'), { recursive: true });
    writeFileSync(join(root, 'output/failure'), 'ValueError: too few viewers to train (3 < 10)\n');
    process.exit(1);
  }
  if (behaviour === 'hang') setInterval(() => undefined, 1000);
  else {
    writeFileSync(join(root, 'model/model.json'), JSON.stringify({ trained: true }));
    console.log('validation:ndcg@10=0.41');
  }
} else if (mode === 'serve') {
  // FAKE_SERVE_STALLS=N (the transform's Environment): the first N invocations are never answered.
  let stalls = Number(process.env.FAKE_SERVE_STALLS ?? 0);
  const server = createServer((request, response) => {
    if (request.url === '/ping') return response.end('ok');
    if (stalls-- > 0) return;
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => response.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  server.listen(Number(process.env.SAGEMAKER_BIND_TO_PORT), '127.0.0.1');
  process.once('SIGTERM', () => server.close());
}
