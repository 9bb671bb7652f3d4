import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// README "Deploy" is followed by hand before a first deploy (issue #13): it must name every schema file the
// warehouse needs, every stage parameter that has no default, and associate the UNLOAD role where Redshift
// Serverless keeps IAM roles (the namespace).
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const deploy = readme.slice(readme.indexOf('## Deploy\n'), readme.indexOf('\n## ', readme.indexOf('## Deploy\n') + 1));
const serverless = readFileSync(`${root}/serverless.yml`, 'utf8');
// The params a deploy must pass: those the ci stage sets as placeholders and no default provides.
const params = parse(serverless.replace(/\$\{[^}]+\}/g, 'x')).params as Record<string, Record<string, unknown>>;
const required = Object.keys(params.ci ?? {}).filter((name) => !(name in (params.default ?? {})));

describe('README deploy section', () => {
  it('has the steps to follow', () => {
    expect(deploy.length).toBeGreaterThan(500);
  });

  it('creates every schema file of sql/ in the warehouse, in order', () => {
    const schemaFiles = readdirSync(`${root}/sql`).filter((file) => /^schema.*\.sql$/.test(file));
    expect(schemaFiles).toEqual(expect.arrayContaining(['schema.sql', 'schema_report.sql']));
    for (const file of schemaFiles) expect(deploy, file).toContain(`sql/${file}`);
    expect(deploy.indexOf('sql/schema.sql')).toBeLessThan(deploy.indexOf('sql/schema_report.sql'));
  });

  it('passes every stage parameter that has no default, in the README and in CI', () => {
    const circleci = readFileSync(`${root}/.circleci/config.yml`, 'utf8');
    expect(required.length).toBeGreaterThan(5);
    for (const name of required) {
      expect(deploy, name).toContain(`--param="${name}=`);
      expect(circleci, name).toContain(`--param="${name}=`);
    }
  });

  it('associates the UNLOAD role with the namespace, after the deploy, and verifies a run', () => {
    const associate = deploy.indexOf('aws redshift-serverless update-namespace');
    expect(associate).toBeGreaterThan(deploy.indexOf('npx osls deploy'));
    expect(deploy).toContain('RedshiftUnloadRoleArn');
    expect(deploy).toMatch(/aws stepfunctions (start-execution|list-executions)/);
    expect(deploy).toContain('RecommendationsTableName');
  });
});
