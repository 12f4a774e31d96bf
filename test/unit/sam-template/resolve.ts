import type { CfnTemplate } from '#shared/cfn-yaml.ts';

/**
 * template.yaml's policies with every intrinsic resolved as one deployment would resolve them
 * (stack `stackdrop` in eu-west-1 of account 123456789012), so an IAM evaluator can judge them.
 * Physical names follow CloudFormation's pattern `<stack>-<LogicalId>-<suffix>`; SAM names a
 * function's generated role `<Function>Role`.
 */

export const DEPLOYMENT = {
  stackName: 'stackdrop',
  region: 'eu-west-1',
  accountId: '123456789012',
  partition: 'aws',
} as const;

type Json = unknown;

const suffix = (id: string) => `${id.length.toString(36).toUpperCase()}X7Q2`;

/** The ARN CloudFormation (or SAM) gives a role of template.yaml, by logical id (`<Function>Role` too). */
export function roleArn(logicalId: string): string {
  return `arn:aws:iam::${DEPLOYMENT.accountId}:role/${DEPLOYMENT.stackName}-${logicalId}-${suffix(logicalId)}`.slice(
    0,
    64 + `arn:aws:iam::${DEPLOYMENT.accountId}:role/`.length,
  );
}

/** Every role stackdrop itself runs as: explicit roles, and the roles SAM generates for functions and state machines. */
export function ownRoleIds(template: CfnTemplate): string[] {
  return Object.entries(template.Resources).flatMap(([id, r]) => {
    if (r.Type === 'AWS::IAM::Role') return [id];
    if (r.Type === 'AWS::Serverless::Function' || r.Type === 'AWS::Serverless::StateMachine')
      return r.Properties?.Role === undefined ? [`${id}Role`] : [];
    return [];
  });
}

function physical(template: CfnTemplate, id: string): { ref: string; attrs: Record<string, string> } {
  const { accountId, region, stackName } = DEPLOYMENT;
  const resource = template.Resources[id];
  const type = resource?.Type ?? (id.endsWith('Role') ? 'AWS::IAM::Role' : undefined);
  const props = (resource?.Properties ?? {}) as Record<string, Json>;
  switch (type) {
    case 'AWS::IAM::Role':
      return { ref: roleArn(id).split('/').pop()!, attrs: { Arn: roleArn(id) } };
    case 'AWS::IAM::ManagedPolicy': {
      const name =
        props.ManagedPolicyName === undefined
          ? `${stackName}-${id}`
          : String(resolve(template, props.ManagedPolicyName));
      const path = props.Path === undefined ? '/' : String(props.Path);
      return { ref: `arn:aws:iam::${accountId}:policy${path}${name}`, attrs: {} };
    }
    case 'AWS::S3::Bucket': {
      const name = `${stackName}-${id.toLowerCase()}-${suffix(id).toLowerCase()}`;
      return { ref: name, attrs: { Arn: `arn:aws:s3:::${name}` } };
    }
    case 'AWS::SQS::Queue': {
      const name = `${stackName}-${id}-${suffix(id)}${props.FifoQueue ? '.fifo' : ''}`;
      return {
        ref: `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
        attrs: { Arn: `arn:aws:sqs:${region}:${accountId}:${name}`, QueueName: name },
      };
    }
    case 'AWS::Serverless::Function': {
      const name =
        props.FunctionName === undefined
          ? `${stackName}-${id}-${suffix(id)}`
          : String(resolve(template, props.FunctionName));
      return { ref: name, attrs: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` } };
    }
    case 'AWS::IAM::InstanceProfile': {
      const name = `${stackName}-${id}-${suffix(id)}`;
      return { ref: name, attrs: { Arn: `arn:aws:iam::${accountId}:instance-profile/${name}` } };
    }
    case 'AWS::Events::Rule': {
      const name = `${stackName}-${id}-${suffix(id)}`;
      return { ref: name, attrs: { Arn: `arn:aws:events:${region}:${accountId}:rule/${name}` } };
    }
    default: {
      const name = `${stackName}-${id}-${suffix(id)}`;
      return {
        ref: name,
        attrs: {
          Arn: `arn:aws:${String(type).split('::')[1]?.toLowerCase()}:${region}:${accountId}:${name}`,
        },
      };
    }
  }
}

function pseudo(name: string): string | undefined {
  const { accountId, region, stackName, partition } = DEPLOYMENT;
  return {
    'AWS::AccountId': accountId,
    'AWS::Region': region,
    'AWS::StackName': stackName,
    'AWS::Partition': partition,
    'AWS::URLSuffix': 'amazonaws.com',
  }[name];
}

/** A template value with Ref, Fn::GetAtt and Fn::Sub resolved (other intrinsics are left as they are). */
export function resolve(template: CfnTemplate, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(template, v));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, Json>);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    if (key === 'Ref') {
      const name = String(arg);
      return (
        pseudo(name) ??
        (template.Parameters?.[name]
          ? String(template.Parameters[name]?.Default)
          : physical(template, name).ref)
      );
    }
    if (key === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
      return physical(template, String(id)).attrs[String(attr)];
    }
    if (key === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [String(arg), {}];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (vars && name in vars) return String(resolve(template, vars[name]));
        const dot = name.indexOf('.');
        if (dot > 0 && !name.startsWith('AWS::'))
          return String(resolve(template, { 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }));
        return String(resolve(template, { Ref: name }));
      });
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(template, v)]));
}
