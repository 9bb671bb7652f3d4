import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The real serverless.yml packaged by osls (offline, no credentials, ci stage), shared by the template tests:
// scripts/package.mjs --if-needed packages once for a given set of inputs, under a lock.
const root = fileURLToPath(new URL('../..', import.meta.url));

// CloudFormation and ASL JSON are untyped documents; the tests probe them structurally.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Cfn = any;
export type Resource = {
  Type: string;
  Properties: Record<string, Cfn>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type State = Record<string, Cfn>;
export interface Template {
  Resources: Record<string, Resource>;
}

/** Packages the ci stage unless .serverless/ already holds it for the same inputs, then reads the template. */
export function packagedTemplate(): Template {
  execFileSync(process.execPath, ['scripts/package.mjs', 'ci', '--if-needed'], { cwd: root, stdio: 'pipe' });
  return JSON.parse(readFileSync(`${root}/.serverless/cloudformation-template-update-stack.json`, 'utf8'));
}

/** The state machine definition as deployed: Fn::Sub placeholders replaced with ARN-shaped values. */
export function deployedDefinition(stateMachine: Resource): { States: Record<string, State> } {
  const [body, substitutions] = stateMachine.Properties.DefinitionString['Fn::Sub'] as [
    string,
    Record<string, unknown>,
  ];
  const text = body.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    // Name the function after the resource it refers to, so tests can tell which Lambda a Task calls.
    const target = (substitutions[name] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? name;
    return `arn:aws:lambda:us-east-1:123456789012:function:${target}`;
  });
  return JSON.parse(text);
}

/** Every Allow statement of a role's inline policies. */
export function allowStatements(role: Resource): Cfn[] {
  return (role.Properties.Policies ?? []).flatMap((policy: Cfn) =>
    (policy.PolicyDocument.Statement as Cfn[]).filter((statement) => statement.Effect === 'Allow'),
  );
}
