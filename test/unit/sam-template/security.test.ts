import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { loadTemplates } from '#test/unit/templates/load.ts';
import {
  ACCEPTED_MANAGED_POLICIES,
  actionMatches,
  auditSamTemplate,
  findSamPolicyTemplatesFile,
  identityStatements,
  implicitManagedPolicies,
  isAcceptedFinding,
  loadPolicyCatalog,
  type PolicyCatalog,
  RESOURCELESS_ACTIONS,
  type SourcedStatement,
  statementsOf,
} from './audit.ts';
import {
  grantedConditionValues,
  PASS_ROLE_NEEDS,
  resourceTypes,
  SERVICE_LINKED_ROLE_NEEDS,
  serviceRoleStatements,
  uncoveredActions,
} from './service-role.ts';

const committedCatalog = (): PolicyCatalog => loadPolicyCatalog(null);
const readTemplate = () => parseCfnTemplate(readFileSync('template.yaml', 'utf8'));

/** A template holding only the given resources (the audit's subject in the bad-fragment tests). */
const templateWith = (
  resources: CfnTemplate['Resources'],
  extra: Partial<CfnTemplate> = {},
): CfnTemplate => ({
  Resources: resources,
  ...extra,
});

/** A role with one inline policy made of the given statements. */
const roleWith = (...statements: Record<string, unknown>[]): CfnTemplate =>
  templateWith({
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    },
  });

const rulesOf = (template: CfnTemplate, catalog = committedCatalog()) =>
  auditSamTemplate(template, catalog).map((finding) => finding.rule);

const grantedBy = (statements: SourcedStatement[], action: string) =>
  statements.some(
    (s) =>
      s.statement.Effect === 'Allow' &&
      [s.statement.Action]
        .flat()
        .some((pattern) => typeof pattern === 'string' && actionMatches(pattern, action)),
  );

describe('template.yaml passes the least-privilege and data-protection audit', () => {
  let template: CfnTemplate;
  let catalog: PolicyCatalog;
  beforeAll(() => {
    template = readTemplate();
    catalog = loadPolicyCatalog();
  });

  it('has no findings beyond the accepted SAM-attached managed policies', () => {
    // Act
    const findings = auditSamTemplate(template, catalog).filter((finding) => !isAcceptedFinding(finding));

    // Assess
    expect(findings).toEqual([]);
  });

  it('still needs every accepted managed-policy exception (no stale entries)', () => {
    // Act
    const used = new Set(
      auditSamTemplate(template, catalog)
        .filter(isAcceptedFinding)
        .map((finding) => /\(managed:([^)]+)\)/.exec(finding.path)?.[1]),
    );

    // Assess
    expect([...used].sort()).toEqual(Object.keys(ACCEPTED_MANAGED_POLICIES).sort());
  });

  it('gives every "*"-resource action and accepted exception a written reason', () => {
    for (const reason of [
      ...Object.values(RESOURCELESS_ACTIONS),
      ...Object.values(ACCEPTED_MANAGED_POLICIES),
    ]) {
      expect(reason.length).toBeGreaterThan(30);
    }
  });

  it('audits the statements SAM policy templates expand into', () => {
    // Act
    const invoke = identityStatements(template, catalog).filter(
      (s) => s.owner === 'ProvisionStateMachine' && s.origin === 'template:LambdaInvokePolicy',
    );

    // Assess
    expect(invoke).toHaveLength(4);
    expect(invoke[0]?.statement).toMatchObject({
      Action: ['lambda:InvokeFunction'],
      Resource: {
        'Fn::Sub': [
          expect.stringContaining(':function:${functionName}*'),
          { functionName: { Ref: 'LoadManifestFunction' } },
        ],
      },
    });
  });

  it('counts the managed policies SAM attaches on its own to each function role', () => {
    expect(implicitManagedPolicies(template, 'LoadManifestFunction')).toEqual([
      'AWSLambdaBasicExecutionRole',
      'AWSXrayWriteOnlyAccess',
    ]);
    expect(implicitManagedPolicies(template, 'RollServiceFunction')).toEqual([
      'AWSLambdaBasicExecutionRole',
      'AWSXrayWriteOnlyAccess',
      'AWSLambdaSQSQueueExecutionRole',
    ]);
  });

  it('keeps a committed copy of every SAM policy template template.yaml uses, equal to the installed translator', () => {
    // Prepare
    const used = new Set(
      identityStatements(template, catalog)
        .map((s) => /^template:(.+)$/.exec(s.origin)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    const committed = committedCatalog().templates;
    const liveFile = findSamPolicyTemplatesFile();
    const live = liveFile
      ? (JSON.parse(readFileSync(liveFile, 'utf8')) as { Templates: PolicyCatalog['templates'] }).Templates
      : committed;

    // Assess
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) {
      expect(committed[name], name).toBeDefined();
      expect(committed[name]?.Definition).toEqual(live[name]?.Definition);
    }
  });
});

describe('the audit catches deliberately bad fragments', () => {
  it('flags a whole-service action such as s3:*', () => {
    expect(rulesOf(roleWith({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }))).toEqual([
      'wildcard-action',
    ]);
  });

  it('flags "*" as an action and NotAction in an Allow', () => {
    // "*" also grants PassRole, CreateServiceLinkedRole and TerminateInstances without their conditions.
    expect(rulesOf(roleWith({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b' }))).toEqual([
      'wildcard-action',
      'pass-role-condition',
      'service-linked-role',
      'terminate-untagged',
    ]);
    expect(rulesOf(roleWith({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' }))).toEqual([
      'not-action',
      'wildcard-action',
    ]);
  });

  it('flags wildcards over write actions but accepts Describe* patterns', () => {
    expect(
      rulesOf(
        roleWith({ Effect: 'Allow', Action: 'ec2:Create*', Resource: 'arn:aws:ec2:eu-west-1:1:vpc/*' }),
      ),
    ).toEqual(['action-pattern']);
    expect(rulesOf(roleWith({ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }))).toEqual([]);
  });

  it('flags Resource "*" with s3:GetObject, which supports resource-level permissions', () => {
    // Act
    const findings = auditSamTemplate(
      roleWith({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
      committedCatalog(),
    );

    // Assess
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'wildcard-resource',
        message: expect.stringContaining('s3:GetObject'),
      }),
    ]);
  });

  it('accepts Resource "*" for actions that have no resource-level permissions', () => {
    expect(
      rulesOf(
        roleWith({
          Effect: 'Allow',
          Action: ['states:SendTaskSuccess', 'ecs:DescribeTaskDefinition'],
          Resource: '*',
        }),
      ),
    ).toEqual([]);
  });

  it('flags iam:PassRole without iam:PassedToService, and PassRole on every role', () => {
    expect(
      rulesOf(
        roleWith({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/stackdrop-x' }),
      ),
    ).toEqual(['pass-role-condition']);
    expect(
      rulesOf(
        roleWith({
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: 'arn:aws:iam::1:role/*',
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
      ),
    ).toEqual(['pass-role-resource']);
  });

  it('flags service-linked-role creation without iam:AWSServiceName and untagged terminations', () => {
    expect(
      rulesOf(
        roleWith({
          Effect: 'Allow',
          Action: 'iam:CreateServiceLinkedRole',
          Resource: 'arn:aws:iam::1:role/aws-service-role/*',
        }),
      ),
    ).toEqual(['service-linked-role']);
    expect(
      rulesOf(
        roleWith({
          Effect: 'Allow',
          Action: 'ec2:TerminateInstances',
          Resource: 'arn:aws:ec2:eu-west-1:1:instance/*',
        }),
      ),
    ).toEqual(['terminate-untagged']);
  });

  it('flags CloudFormation actions outside the stackdrop-* stacks', () => {
    expect(
      rulesOf(
        roleWith({
          Effect: 'Allow',
          Action: 'cloudformation:DeleteStack',
          Resource: {
            'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*',
          },
        }),
      ),
    ).toEqual(['cloudformation-scope']);
  });

  it('audits what a SAM policy template expands into, and flags one it cannot expand', () => {
    // Prepare
    const catalog: PolicyCatalog = {
      ...committedCatalog(),
      templates: {
        WideReadPolicy: {
          Definition: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] },
        },
      },
    };
    const fn = (policies: unknown[]) =>
      templateWith({
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: { Role: undefined, Policies: policies, LoggingConfig: { LogGroup: { Ref: 'Logs' } } },
        },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
      });

    // Act
    const expanded = auditSamTemplate(fn([{ WideReadPolicy: {} }]), catalog).filter(
      (f) => !isAcceptedFinding(f),
    );
    const unknown = auditSamTemplate(fn([{ S3CrudPolicy: { BucketName: 'b' } }]), catalog);

    // Assess
    expect(expanded).toEqual([
      expect.objectContaining({
        rule: 'wildcard-resource',
        path: expect.stringContaining('template:WideReadPolicy'),
      }),
    ]);
    expect(unknown.map((f) => f.rule)).toContain('unknown-policy');
  });

  it('flags a managed policy the audit cannot see into', () => {
    const template = templateWith({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
      },
    });
    expect(rulesOf(template)).toEqual(['unknown-managed-policy']);
  });

  it('flags a bucket without encryption, public access block or TLS-only policy', () => {
    expect(rulesOf(templateWith({ Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } }))).toEqual([
      'bucket-encryption',
      'bucket-public-access',
      'bucket-tls',
    ]);
  });

  it('flags a bucket policy open to everyone', () => {
    const template = templateWith({
      Policy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: 'b',
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
            ],
          },
        },
      },
    });
    expect(rulesOf(template)).toEqual(['public-principal']);
  });

  it('flags a queue without SSE, a log group without retention and a function without its own log group', () => {
    const template = templateWith({
      Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
      Fn: { Type: 'AWS::Serverless::Function', Properties: { Role: 'arn:aws:iam::1:role/x' } },
    });
    expect(rulesOf(template)).toEqual(['queue-encryption', 'log-retention', 'function-log-group']);
  });

  it('flags secret-looking environment variables and parameters, not references to secrets', () => {
    // Prepare
    const template = templateWith(
      {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            Role: 'arn:aws:iam::1:role/x',
            LoggingConfig: { LogGroup: { Ref: 'Logs' } },
            Environment: {
              Variables: {
                DB_PASSWORD: 'hunter2hunter2',
                SOME_VALUE: 'AKIAABCDEFGHIJKLMNOP',
                DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x',
                API_TOKEN: { Ref: 'TokenParameterName' },
              },
            },
          },
        },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
      },
      {
        Parameters: {
          DatabasePassword: { Type: 'String', NoEcho: true },
          TokenParameterName: { Type: 'String' },
        },
      },
    );

    // Act
    const findings = auditSamTemplate(template, committedCatalog());

    // Assess
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['secret-in-environment', 'Resources.Fn.Properties.Environment.Variables.DB_PASSWORD'],
      ['secret-in-environment', 'Resources.Fn.Properties.Environment.Variables.SOME_VALUE'],
      ['secret-parameter', 'Parameters.DatabasePassword'],
    ]);
  });
});

describe('the CloudFormation service role can build every stage template', () => {
  let role: SourcedStatement[];
  let types: string[];
  beforeAll(() => {
    role = serviceRoleStatements(readTemplate());
    types = resourceTypes(Object.values(loadTemplates()));
  });

  it('allows the create, update, read, tag and delete calls of each resource type in templates/*.yaml', () => {
    expect(types.length).toBeGreaterThan(20);
    expect(uncoveredActions(types, role)).toEqual([]);
  });

  it('passes stack roles only to the services the templates hand them to', () => {
    // Prepare
    const needed = new Set(types.flatMap((type) => (PASS_ROLE_NEEDS[type] ? [PASS_ROLE_NEEDS[type]] : [])));

    // Act
    const granted = new Set(grantedConditionValues(role, 'iam:PassRole', 'iam:PassedToService'));

    // Assess
    expect([...granted].sort()).toEqual([...needed].sort());
  });

  it('may create exactly the service-linked roles the templates need', () => {
    // Prepare
    const needed = new Set(
      types.flatMap((type) => (SERVICE_LINKED_ROLE_NEEDS[type] ? [SERVICE_LINKED_ROLE_NEEDS[type]] : [])),
    );

    // Act
    const granted = new Set(
      grantedConditionValues(role, 'iam:CreateServiceLinkedRole', 'iam:AWSServiceName'),
    );

    // Assess
    expect([...granted].sort()).toEqual([...needed].sort());
  });

  it("keeps its inline policy within IAM's 10,240-character limit in the longest partition and region", () => {
    // Prepare: the size IAM counts (no whitespace), with every Sub expanded to its longest value.
    const longest: Record<string, string> = {
      'AWS::Partition': 'aws-us-gov',
      'AWS::Region': 'ap-southeast-5',
      'AWS::AccountId': '123456789012',
      'StackdropBucket.Arn': `arn:aws-us-gov:s3:::${'b'.repeat(63)}`,
    };
    const expand = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(expand);
      if (value && typeof value === 'object') {
        const sub = (value as Record<string, unknown>)['Fn::Sub'];
        if (typeof sub === 'string')
          return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => longest[name] ?? name);
        if ('Ref' in value) return longest[(value as { Ref: string }).Ref] ?? 'x'.repeat(64);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
      }
      return value;
    };
    const policies = readTemplate().Resources.CloudFormationServiceRole?.Properties?.Policies;

    // Act
    const size = JSON.stringify(expand(policies)).replace(/\s/g, '').length;

    // Assess
    expect(size).toBeLessThan(10_240);
  });
});

/** IAM actions each SDK command needs (commands of the functions' bundles; unknown commands fail the test). */
const COMMAND_ACTIONS: Record<string, string[]> = {
  DescribeSecretCommand: ['secretsmanager:DescribeSecret'],
  ListHostedZonesByNameCommand: ['route53:ListHostedZonesByName'],
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  ListObjectsV2Command: ['s3:ListBucket'],
  SendMessageCommand: ['sqs:SendMessage'],
  ChangeMessageVisibilityBatchCommand: ['sqs:ChangeMessageVisibility'],
  PutEventsCommand: ['events:PutEvents'],
  DescribeExecutionCommand: ['states:DescribeExecution'],
  SendTaskSuccessCommand: ['states:SendTaskSuccess'],
  SendTaskFailureCommand: ['states:SendTaskFailure'],
  CreateStackCommand: ['cloudformation:CreateStack'],
  UpdateStackCommand: ['cloudformation:UpdateStack'],
  DeleteStackCommand: ['cloudformation:DeleteStack'],
  DescribeStacksCommand: ['cloudformation:DescribeStacks'],
  DescribeStackEventsCommand: ['cloudformation:DescribeStackEvents'],
  DescribeStackResourceCommand: ['cloudformation:DescribeStackResource'],
  ContinueUpdateRollbackCommand: ['cloudformation:ContinueUpdateRollback'],
  UpdateTerminationProtectionCommand: ['cloudformation:UpdateTerminationProtection'],
  ModifyDBClusterCommand: ['rds:ModifyDBCluster'],
  DescribeDBClustersCommand: ['rds:DescribeDBClusters'],
  DescribeImagesCommand: ['ecr:DescribeImages'],
  BatchGetImageCommand: ['ecr:BatchGetImage'],
  ListTagsForResourceCommand: ['ecr:ListTagsForResource'],
  RegisterTaskDefinitionCommand: ['ecs:RegisterTaskDefinition'],
  DescribeTaskDefinitionCommand: ['ecs:DescribeTaskDefinition'],
  RunTaskCommand: ['ecs:RunTask'],
  DescribeTasksCommand: ['ecs:DescribeTasks'],
  ListTasksCommand: ['ecs:ListTasks'],
  DescribeServicesCommand: ['ecs:DescribeServices'],
  UpdateServiceCommand: ['ecs:UpdateService'],
  GetParameterCommand: ['ssm:GetParameter'],
  DescribeInstancesCommand: ['ec2:DescribeInstances'],
  DescribeSecurityGroupsCommand: ['ec2:DescribeSecurityGroups'],
  DescribeSecurityGroupRulesCommand: ['ec2:DescribeSecurityGroupRules'],
  RunInstancesCommand: ['ec2:RunInstances', 'ec2:CreateTags'],
  TerminateInstancesCommand: ['ec2:TerminateInstances'],
  CreateSecurityGroupCommand: ['ec2:CreateSecurityGroup', 'ec2:CreateTags'],
  DeleteSecurityGroupCommand: ['ec2:DeleteSecurityGroup'],
  AuthorizeSecurityGroupIngressCommand: ['ec2:AuthorizeSecurityGroupIngress'],
  RevokeSecurityGroupIngressCommand: ['ec2:RevokeSecurityGroupIngress'],
  RevokeSecurityGroupEgressCommand: ['ec2:RevokeSecurityGroupEgress'],
};

/** Rights a function needs beyond its own SDK calls (passed roles, object versions, its event source). */
const EXTRA_NEEDS: Record<string, string[]> = {
  'load-manifest': ['s3:GetObjectVersion'],
  'project-turn': ['s3:ListBucket'],
  'deploy-stack': ['iam:PassRole', 's3:ListBucket'],
  'stack-callback': ['iam:PassRole'],
  'record-status': ['s3:ListBucket'],
  'roll-service': [
    'iam:PassRole',
    'ecs:TagResource',
    's3:ListBucket',
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
  ],
  'open-bastion': ['iam:PassRole', 's3:ListBucket'],
  'reap-bastions': ['s3:ListBucket'],
  'close-bastion': ['s3:ListBucket'],
  'list-bastions': ['s3:ListBucket'],
};

describe('every function keeps the permissions its AWS calls need', () => {
  let template: CfnTemplate;
  let catalog: PolicyCatalog;
  beforeAll(() => {
    template = readTemplate();
    catalog = loadPolicyCatalog();
  });

  /** Logical id of the function whose esbuild entry point is functions/<name>/index.ts. */
  const functionId = (name: string) =>
    Object.entries(template.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Serverless::Function' &&
        JSON.stringify(r.Metadata?.BuildProperties ?? {}).includes(`functions/${name}/index.ts`),
    )?.[0];

  it.each(readdirSync('functions'))('%s is allowed every SDK command it sends', async (name) => {
    // Prepare: the tree-shaken bundle holds exactly the commands the handler can send.
    const out = await build({
      entryPoints: [`functions/${name}/index.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    const commands = [
      ...new Set(
        [...(out.outputFiles[0]?.text ?? '').matchAll(/new (\w+Command)\(/g)].map((m) => m[1] as string),
      ),
    ];
    const id = functionId(name);
    expect(id, `no function in template.yaml builds functions/${name}`).toBeDefined();

    // Act
    const statements = statementsOf(template, catalog, id as string);
    const needed = [
      ...commands.flatMap(
        (command) => COMMAND_ACTIONS[command] ?? [`(unmapped ${command}: add it to COMMAND_ACTIONS)`],
      ),
      ...(EXTRA_NEEDS[name] ?? []),
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTraceSegments',
    ];

    // Assess
    expect(commands.length).toBeGreaterThan(0);
    expect(needed.filter((action) => !grantedBy(statements, action))).toEqual([]);
  });

  it('lets each state machine invoke exactly the functions its definition substitutes', () => {
    for (const id of ['ProvisionStateMachine', 'TeardownStateMachine']) {
      // Prepare
      const substitutions = template.Resources[id]?.Properties?.DefinitionSubstitutions as Record<
        string,
        { 'Fn::GetAtt': string[] }
      >;
      const invoked = Object.values(substitutions)
        .map((value) => value['Fn::GetAtt'][0])
        .sort();

      // Act
      const allowed = identityStatements(template, catalog)
        .filter((s) => s.owner === id && s.origin === 'template:LambdaInvokePolicy')
        .map((s) => JSON.stringify(s.statement.Resource).match(/"Ref":"(\w+)"/)?.[1])
        .sort();

      // Assess
      expect(allowed).toEqual(invoked);
    }
  });
});
