// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless.yml variables, written as the file has them
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipeline, loadServerlessStack } from './asl-loader.js';

/** The local stage's values come from serverless.yml; nothing missing is papered over with a made-up value. */

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function stackWith(environment: string, resources = ''): ReturnType<typeof loadServerlessStack> {
  const root = mkdtempSync(join(tmpdir(), 'recs-params-'));
  roots.push(root);
  writeFileSync(
    join(root, 'serverless.yml'),
    `service: params-fixture
params:
  default:
    shared: from-default
  local:
    localOnly: from-local
  prod:
    prodOnly: from-prod
provider:
  name: aws
functions:
  one:
    handler: functions/one/handler.handler
    environment:
${environment}
${resources}
`,
  );
  mkdirSync(join(root, 'statemachines'));
  writeFileSync(
    join(root, 'statemachines/recommendation-pipeline.asl.yaml'),
    'StartAt: A\nStates:\n  A:\n    Type: Succeed\n',
  );
  return loadServerlessStack({ root });
}

const environmentOf = (stack: ReturnType<typeof loadServerlessStack>) =>
  stack.resolve((stack.serverless.functions as { one: { environment: unknown } }).one.environment);

describe('stage parameters for the local stage', () => {
  it('take params.local first, then params.default, and honour an explicit fallback', () => {
    const stack = stackWith(
      "      A: ${param:localOnly}\n      B: ${param:shared}\n      C: ${param:prodOnly, 'fallback'}",
    );

    expect(environmentOf(stack)).toEqual({ A: 'from-local', B: 'from-default', C: 'fallback' });
  });

  it('refuse a parameter the local stage has no value for, naming the parameter and the stage', () => {
    const stack = stackWith('      A: ${param:prodOnly}');

    expect(() => environmentOf(stack)).toThrow(
      'stage parameter "prodOnly" has no value for stage "local": give it one under params.local (or params.default) in serverless.yml',
    );
  });

  it('refuse a Ref or GetAtt of a resource the stack does not define, instead of a placeholder', () => {
    const stack = stackWith(
      '      A:\n        Ref: Bucket\n      B:\n        Fn::GetAtt: [Bucket, Arn]',
      'resources:\n  Resources:\n    Bucket:\n      Type: AWS::S3::Bucket',
    );
    const typo = stackWith('      A:\n        Ref: Bukcet');
    const typoAtt = stackWith('      A:\n        Fn::GetAtt: [Bukcet, Arn]');

    expect(environmentOf(stack)).toEqual({ A: 'show-recs-local', B: 'arn:aws:s3:::show-recs-local' });
    expect(() => environmentOf(typo)).toThrow('Ref Bukcet: serverless.yml defines no such resource');
    expect(() => environmentOf(typoAtt)).toThrow('Fn::GetAtt Bukcet: serverless.yml defines no such resource');
  });

  it('resolve for every reference of the real serverless.yml, its resources and the state machine', () => {
    const root = new URL('..', import.meta.url).pathname;
    const stack = loadServerlessStack({ root });

    expect(() => stack.resolve(stack.serverless)).not.toThrow();
    expect(() => loadPipeline({ root })).not.toThrow();
  });
});
