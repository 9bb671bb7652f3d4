import { loadServerlessStack, type ServerlessStack } from '../asl-loader.js';
import { LocalSetupError } from '../errors.js';
import { LOCAL_ACCOUNT_ID, LOCAL_STAGE, type LocalResourceNames } from '../serverless-refs.js';
import type { LambdaRuntimeFacts } from './implied.js';

/**
 * The stack's IAM as `serverless.yml` and `resources/` declare it, read afresh on every run (the source of truth,
 * never a packaged template that may be stale): one principal per Lambda function, the state machine and each
 * service role, with its statements, plus the resource policies (bucket policy, key policy) that apply.
 */

export type PolicyStatement = Record<string, unknown>;
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** One statement of one role, as the audit names it. */
export interface StatementRef {
  role: string;
  policy: string;
  /** Position in the policy's Statement list (Sids are optional). */
  index: number;
  sid?: string;
}

export interface StackRole {
  /** Logical id of the role (`PipelineRole`); serverless' default Lambda role is `IamRoleLambdaExecution`. */
  name: string;
  arn: string;
  policies: { name: string; document: PolicyDocument }[];
  trustPolicy?: PolicyDocument;
}

/** Who calls AWS: a function, the state machine, or a service acting with a role (SageMaker, Redshift). */
export interface StackPrincipal {
  /** `function:offers`, `stateMachine:recommendationPipeline`, `role:SageMakerExecutionRole`. */
  id: string;
  /** The session name in the assumed-role ARN (function key, state machine key, service). */
  session: string;
  role: StackRole;
}

export interface StackIam {
  roles: Map<string, StackRole>;
  principals: Map<string, StackPrincipal>;
  /** Resource policies by the ARN they guard (bucket ARN, key ARN). */
  resourcePolicies: Map<string, PolicyDocument>;
  /** Redshift workgroup name → ARN, as the Data API's WorkgroupName names it. */
  workgroups: Map<string, string>;
  /** Bucket name → ARN of the KMS key of its default encryption (SSE-KMS needs the caller to use the key). */
  bucketKeys: Map<string, string>;
  /** What the Lambda and Step Functions services do with the roles (local/iam/implied.ts). */
  runtime: LambdaRuntimeFacts & { stateMachineTracing: boolean; stateMachineLogging: boolean };
}

export const DEFAULT_LAMBDA_ROLE = 'IamRoleLambdaExecution';
const roleArn = (name: string) => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${name}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** The logical id a `role:` value names: `X`, `{Fn::GetAtt: [X, Arn]}`, `{Ref: X}` or a role ARN ending in X. */
function roleNameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.startsWith('arn:') ? value.split('/').at(-1) : value;
  if (!isRecord(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  if (typeof value.Ref === 'string') return value.Ref;
  return undefined;
}

function document(stack: ServerlessStack, raw: unknown, where: string): PolicyDocument {
  const resolved = stack.resolve(raw);
  if (!isRecord(resolved)) throw new LocalSetupError(`${where}: policy document is not a mapping`);
  return {
    Version: String(resolved.Version ?? '2012-10-17'),
    Statement: asList(resolved.Statement).filter(isRecord),
  };
}

/** Reads the stack's roles, principals and resource policies from serverless.yml and resources/. */
export function loadStackIam(options: { root: string; names?: Partial<LocalResourceNames> }): StackIam {
  const stack = loadServerlessStack({ root: options.root, names: options.names });
  const roles = new Map<string, StackRole>();
  const resourcePolicies = new Map<string, PolicyDocument>();
  const bucketKeys = new Map<string, string>();

  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      roles.set(logicalId, {
        name: logicalId,
        arn: roleArn(logicalId),
        policies: asList(props.Policies)
          .filter(isRecord)
          .map((policy, i) => ({
            name: String(policy.PolicyName ?? `policy${i}`),
            document: document(stack, policy.PolicyDocument, `${logicalId}.Policies[${i}]`),
          })),
        ...(props.AssumeRolePolicyDocument
          ? { trustPolicy: document(stack, props.AssumeRolePolicyDocument, `${logicalId}.AssumeRolePolicyDocument`) }
          : {}),
      });
    }
  }
  // Stand-alone policies attach to roles by Ref.
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    for (const target of asList(props.Roles)) {
      const role = roles.get(roleNameOf(target) ?? '');
      role?.policies.push({
        name: String(props.PolicyName ?? props.ManagedPolicyName ?? logicalId),
        document: document(stack, props.PolicyDocument, logicalId),
      });
    }
  }
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::S3::BucketPolicy') {
      const bucket = stack.resolve(props.Bucket);
      resourcePolicies.set(`arn:aws:s3:::${String(bucket)}`, document(stack, props.PolicyDocument, logicalId));
    }
    if (resource.Type === 'AWS::S3::Bucket') {
      const encryption = stack.resolve(props.BucketEncryption) as
        | { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: string } }[] }
        | undefined;
      const key = encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
      if (key) bucketKeys.set(String(stack.resolve({ Ref: logicalId })), key);
    }
    if (resource.Type === 'AWS::KMS::Key' && props.KeyPolicy) {
      const arn = String(stack.resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
      resourcePolicies.set(arn, document(stack, props.KeyPolicy, logicalId));
    }
  }

  const principals = new Map<string, StackPrincipal>();
  const provider = isRecord(stack.serverless.provider) ? stack.serverless.provider : {};
  const providerIam = isRecord(provider.iam) ? provider.iam : {};
  const providerRole = providerIam.role;
  const providerStatements = isRecord(providerRole) ? asList(providerRole.statements) : [];
  const functions = isRecord(stack.serverless.functions) ? stack.serverless.functions : {};
  for (const [key, raw] of Object.entries(functions)) {
    if (!isRecord(raw)) continue;
    let role: StackRole | undefined;
    if (raw.role !== undefined) {
      const name = roleNameOf(raw.role);
      role = roles.get(name ?? '');
      if (!role)
        throw new LocalSetupError(`function ${key}: role ${JSON.stringify(raw.role)} is not a role of this stack`);
    } else if (Array.isArray(raw.iamRoleStatements)) {
      // serverless-iam-roles-per-function: the function's own statements (plus the provider's when inherited).
      const name = `${key.charAt(0).toUpperCase()}${key.slice(1)}IamRoleLambdaExecution`;
      const statements = [
        ...(raw.iamRoleStatementsInherit === true ? providerStatements : []),
        ...raw.iamRoleStatements,
      ];
      role = {
        name,
        arn: roleArn(name),
        policies: [{ name: key, document: document(stack, { Statement: statements }, `functions.${key}`) }],
      };
      roles.set(name, role);
    } else if (typeof providerRole === 'string' || (isRecord(providerRole) && !('statements' in providerRole))) {
      const name = roleNameOf(providerRole);
      role = roles.get(name ?? '');
      if (!role)
        throw new LocalSetupError(`provider.iam.role ${JSON.stringify(providerRole)} is not a role of this stack`);
    } else {
      // serverless' generated role for every function without its own: provider.iam.role.statements.
      role = roles.get(DEFAULT_LAMBDA_ROLE);
      if (!role) {
        role = {
          name: DEFAULT_LAMBDA_ROLE,
          arn: roleArn(DEFAULT_LAMBDA_ROLE),
          policies: [
            { name: 'provider', document: document(stack, { Statement: providerStatements }, 'provider.iam') },
          ],
        };
        roles.set(DEFAULT_LAMBDA_ROLE, role);
      }
    }
    principals.set(`function:${key}`, { id: `function:${key}`, session: key, role });
  }

  const stepFunctions = isRecord(stack.serverless.stepFunctions) ? stack.serverless.stepFunctions : {};
  const machines = isRecord(stepFunctions.stateMachines) ? stepFunctions.stateMachines : {};
  for (const [key, raw] of Object.entries(machines)) {
    const name = isRecord(raw) ? roleNameOf(raw.role) : undefined;
    const role = roles.get(name ?? '');
    if (!role) {
      throw new LocalSetupError(
        `state machine ${key}: the local IAM check needs an explicit role: of this stack (the plugin's generated role is not read)`,
      );
    }
    principals.set(`stateMachine:${key}`, { id: `stateMachine:${key}`, session: key, role });
  }
  // Every role is also a principal of its own: services (SageMaker, Redshift) act with the role they are given.
  for (const role of roles.values()) {
    principals.set(`role:${role.name}`, { id: `role:${role.name}`, session: 'service', role });
  }

  const workgroups = new Map<string, string>();
  // The stack's Data API calls name the workgroup (a stage param); policies name its ARN (another).
  const param = (name: string) => stack.resolve(`\${param:${name}}`);
  const workgroupName = param('redshiftWorkgroup');
  const workgroupArn = param('redshiftWorkgroupArn');
  if (typeof workgroupName === 'string' && typeof workgroupArn === 'string')
    workgroups.set(workgroupName, workgroupArn);
  const environmentKey = provider.kmsKeyArn === undefined ? undefined : stack.resolve(provider.kmsKeyArn);
  const tracing = isRecord(provider.tracing) ? provider.tracing : {};
  const machineTracing = Object.values(machines).some(
    (machine) => isRecord(machine) && isRecord(machine.tracingConfig) && machine.tracingConfig.enabled === true,
  );
  const machineLogging = Object.values(machines).some(
    (machine) =>
      isRecord(machine) && isRecord(machine.loggingConfig) && asList(machine.loggingConfig.destinations).length > 0,
  );
  const runtime = {
    ...(typeof environmentKey === 'string' ? { environmentKey } : {}),
    tracing: tracing.lambda === true,
    // Deployed names are `<service>-<stage>-<key>`; log groups and the policies that name them follow.
    functionNamePrefix: `${String(stack.serverless.service)}-${LOCAL_STAGE}-`,
    stateMachineTracing: machineTracing,
    stateMachineLogging: machineLogging,
  };
  return { roles, principals, resourcePolicies, workgroups, bucketKeys, runtime };
}

/** Every statement of every role, in a stable order (the audit removes them one at a time). */
export function statementRefs(iam: StackIam): StatementRef[] {
  return [...iam.roles.values()].flatMap((role) =>
    role.policies.flatMap((policy) =>
      policy.document.Statement.map((statement, index) => ({
        role: role.name,
        policy: policy.name,
        index,
        ...(typeof statement.Sid === 'string' ? { sid: statement.Sid } : {}),
      })),
    ),
  );
}

export function statementAt(iam: StackIam, ref: StatementRef): PolicyStatement | undefined {
  return iam.roles.get(ref.role)?.policies.find((p) => p.name === ref.policy)?.document.Statement[ref.index];
}

/** A copy of the stack's IAM with one statement removed (principals keep pointing at the copied roles). */
export function withoutStatement(iam: StackIam, ref: StatementRef): StackIam {
  const roles = new Map<string, StackRole>();
  for (const [name, role] of iam.roles) {
    roles.set(
      name,
      name !== ref.role
        ? role
        : {
            ...role,
            policies: role.policies.map((policy) =>
              policy.name !== ref.policy
                ? policy
                : {
                    name: policy.name,
                    document: {
                      ...policy.document,
                      Statement: policy.document.Statement.filter((_, i) => i !== ref.index),
                    },
                  },
            ),
          },
    );
  }
  const principals = new Map<string, StackPrincipal>();
  for (const [id, principal] of iam.principals) {
    principals.set(id, { ...principal, role: roles.get(principal.role.name) ?? principal.role });
  }
  return { ...iam, roles, principals };
}
