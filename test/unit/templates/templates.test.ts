import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTemplateAgainstSpec, loadCfnSpec } from '#shared/cfn-spec.ts';
import { STAGES } from '#shared/naming.ts';
import { DEFAULT_ENGINE_VERSIONS, templatePath } from '#shared/render.ts';
import { loadTemplates, referenceAppManifest } from './load.ts';
import { checkParameterDocumentation, checkReferences } from './references.ts';

const templates = loadTemplates();
const spec = loadCfnSpec();

/** Outputs each stage promises (docs/architecture.md). */
const ARCHITECTURE_OUTPUTS = {
  network: [
    'VpcId',
    'VpcCidr',
    'AvailabilityZones',
    'PublicSubnetIds',
    'PrivateSubnetIds',
    'IsolatedSubnetIds',
    'AlbSecurityGroupId',
    'AppSecurityGroupId',
    'DatabaseSecurityGroupId',
    'BastionSecurityGroupId',
    'KmsKeyArn',
  ],
  database: [
    'ClusterIdentifier',
    'WriterEndpoint',
    'ReaderEndpoint',
    'Port',
    'SecretArn',
    'DatabaseName',
    'Engine',
    'CacheAddress',
    'CachePort',
    'CacheReaderPort',
  ],
  edge: [
    'ClusterName',
    'ClusterArn',
    'RepositoryName',
    'RepositoryUri',
    'LoadBalancerArn',
    'LoadBalancerDnsName',
    'TargetGroupArn',
    'Url',
    'AppBucketName',
    'QueueName',
    'QueueUrl',
    'DeadLetterQueueUrl',
    'TaskRoleArn',
    'ExecutionRoleArn',
    'LogGroupName',
    // Conditional: HTTPS, app.cdn, app.firewall (docs/architecture.md).
    'CertificateArn',
    'DistributionId',
    'CdnDomainName',
    'AssetUrl',
    'WebAclArn',
  ],
  app: [
    'WebServiceName',
    'WorkerServiceNames',
    'SchedulerServiceName',
    'WebTaskDefinitionArn',
    'ReleaseTaskDefinitionArn',
    'ImageUri',
  ],
};

describe.each(STAGES)('the %s template', (stage) => {
  const template = templates[stage];

  it('parses with CloudFormation short-form tags into a template with resources', () => {
    // Prepare / Act
    const text = stage === 'app' ? '' : readFileSync(templatePath(stage), 'utf8');

    // Assess
    if (stage !== 'app') expect(text).toMatch(/!(Ref|Sub|GetAtt|If) /);
    expect(Object.keys(template.Resources).length).toBeGreaterThan(3);
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  it('uses only resource types, properties and GetAtt attributes of the CloudFormation specification', () => {
    // Act
    const problems = checkTemplateAgainstSpec(template, spec);

    // Assess
    expect(problems).toEqual([]);
  });

  it('refers only to parameters, resources, pseudo parameters, conditions and mappings that exist', () => {
    expect(checkReferences(template)).toEqual([]);
  });

  it('describes and constrains every parameter', () => {
    expect(checkParameterDocumentation(template)).toEqual([]);
  });

  it('exports exactly the outputs docs/architecture.md promises, each described', () => {
    // Act
    const outputs = template.Outputs ?? {};

    // Assess
    expect(Object.keys(outputs).sort()).toEqual([...ARCHITECTURE_OUTPUTS[stage]].sort());
    for (const output of Object.values(outputs)) expect(output.Description).toBeTruthy();
  });
});

describe('templates', () => {
  it('stays within the CloudFormation limits of 200 parameters and 500 resources per template', () => {
    for (const template of Object.values(templates)) {
      expect(Object.keys(template.Parameters ?? {}).length).toBeLessThanOrEqual(200);
      expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(500);
    }
  });

  it('pins the same engine versions in the database template and in the renderer', () => {
    // Act
    const defaults = templates.database.Mappings?.EngineDefaults;

    // Assess
    expect(defaults?.['aurora-mysql']?.Version).toBe(DEFAULT_ENGINE_VERSIONS['aurora-mysql']);
    expect(String(defaults?.['aurora-postgresql']?.Version)).toBe(
      DEFAULT_ENGINE_VERSIONS['aurora-postgresql'],
    );
  });

  it('gives every Aurora instance its own availability zone, the writer the first', () => {
    // Act
    const zones = ['Writer', 'Reader1', 'Reader2'].map(
      (id) => templates.database.Resources[id]?.Properties?.AvailabilityZone,
    );

    // Assess
    expect(zones).toEqual([0, 1, 2].map((i) => ({ 'Fn::Select': [i, { Ref: 'AvailabilityZones' }] })));
  });

  it('derives all subnets from the VPC CIDR with Fn::Cidr in 16 slots of SubnetBits host bits', () => {
    // Act
    const subnets = Object.values(templates.network.Resources).filter((r) => r.Type === 'AWS::EC2::Subnet');

    // Assess
    expect(subnets).toHaveLength(9);
    const slots = subnets.map((s) => {
      const select = (s.Properties!.CidrBlock as { 'Fn::Select': [number, unknown] })['Fn::Select'];
      expect(select[1]).toEqual({
        'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 16, { Ref: 'SubnetBits' }],
      });
      return select[0];
    });
    expect(new Set(slots).size).toBe(9);
  });

  it('lets CloudFormation name the Aurora cluster, so a replacement the manifest allows can succeed', () => {
    // CloudFormation cannot replace a custom-named resource ("CloudFormation cannot update a stack
    // when a custom-named resource requires replacing"); its generated name still starts with the
    // stack name, stackdrop-<project>-<environment>-database, which the IAM scopes rely on.
    expect(templates.database.Resources.Cluster?.Properties).not.toHaveProperty('DBClusterIdentifier');
    expect(templates.database.Outputs?.ClusterIdentifier?.Value).toEqual({ Ref: 'Cluster' });
  });

  it('names the Aurora cluster only from projects RDS accepts: no trailing or doubled hyphen', () => {
    // Prepare
    const project = templates.database.Parameters?.Project;
    const accepts = (name: string) =>
      new RegExp(String(project?.AllowedPattern), 'u').test(name) &&
      name.length >= Number(project?.MinLength) &&
      name.length <= Number(project?.MaxLength);

    // Assess
    expect(['acme', 'tiny-shop', 'a1', `a${'b'.repeat(30)}`].filter(accepts)).toHaveLength(4);
    expect(['shop-', 'my--shop', 'a', `a${'b'.repeat(31)}`, '1shop'].filter(accepts)).toEqual([]);
  });

  it('accepts VPCs from /16 to /23 only, so every subnet is at least the /27 a load balancer needs', () => {
    // Prepare
    const { VpcCidr, SubnetBits } = templates.network.Parameters ?? {};
    const accepts = (cidr: string) => new RegExp(String(VpcCidr?.AllowedPattern), 'u').test(cidr);

    // Assess
    expect(['10.40.0.0/16', '192.168.2.0/23'].every(accepts)).toBe(true);
    expect(['192.168.1.0/24', '10.0.0.0/15'].some(accepts)).toBe(false);
    expect(SubnetBits?.MinValue).toBe(28 - 23);
  });

  it('lets bastions reach the interface endpoints that private DNS sends their SSM agent to', () => {
    // Prepare
    const group = templates.network.Resources.EndpointSecurityGroup!;
    const ssm = templates.network.Resources.SsmEndpoint!.Properties!;

    // Act
    const sources = (
      group.Properties!.SecurityGroupIngress as { FromPort: number; SourceSecurityGroupId: unknown }[]
    )
      .filter((rule) => rule.FromPort === 443)
      .map((rule) => rule.SourceSecurityGroupId);

    // Assess
    expect(ssm.PrivateDnsEnabled).toBe(true);
    expect(sources).toEqual([{ Ref: 'AppSecurityGroup' }, { Ref: 'BastionSecurityGroup' }]);
  });

  it('keeps the 100 newest images and never expires untagged ones by age: a rolled-back service runs one', () => {
    // Prepare
    const repository = templates.edge.Resources.Repository!.Properties!;
    const text = (repository.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText;

    // Act
    const { rules } = JSON.parse(text) as {
      rules: {
        rulePriority: number;
        selection: { tagStatus: string; countType: string; countNumber: number };
      }[];
    };

    // Assess
    expect(rules.map((r) => r.selection.countType)).not.toContain('sinceImagePushed');
    const last = rules.reduce((a, b) => (b.rulePriority > a.rulePriority ? b : a));
    expect(last.selection).toEqual({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 });
    expect(rules.filter((r) => r.selection.tagStatus === 'any')).toEqual([last]);
  });

  it('gives the flow-log role every permission AWS lists for publishing flow logs to CloudWatch Logs', () => {
    // Prepare: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html (read
    // 2026-12-07) lists CreateLogGroup, CreateLogStream, PutLogEvents, DescribeLogGroups and
    // DescribeLogStreams; the template creates the group itself, so CreateLogGroup is not needed.
    const documented = [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'logs:DescribeLogGroups',
      'logs:DescribeLogStreams',
    ];
    const policies = templates.network.Resources.FlowLogRole!.Properties!.Policies as Array<{
      PolicyDocument: { Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }> };
    }>;

    // Act
    const granted = policies
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Action].flat());

    // Assess
    for (const action of documented) expect(granted).toContain(action);
    expect(granted.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('lets the execution role decrypt app secrets with exactly the listed KMS keys, only through Secrets Manager and SSM', () => {
    // Prepare
    const policy = templates.app.Resources.ExecutionSecretsPolicy!.Properties!.PolicyDocument as {
      Statement: unknown[];
    };

    const keys = referenceAppManifest().app.secretsKmsKeyArns;

    // Act
    const decrypt = policy.Statement.filter((s) => JSON.stringify(s).includes('kms:Decrypt'));

    // Assess: https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
    // (kms:Decrypt with kms:ViaService secretsmanager.<region>.amazonaws.com), read 2026-12-07.
    expect(keys.length).toBeGreaterThan(0);
    expect(decrypt).toEqual([
      {
        Sid: 'DecryptAppSecretsWithCustomerKeys',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keys,
        Condition: {
          StringEquals: {
            'kms:ViaService': [
              { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' },
              { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
            ],
          },
        },
      },
    ]);
  });

  it('turns on the MySQL slow query log it exports to CloudWatch Logs', () => {
    // Prepare
    const cluster = templates.database.Resources.Cluster!.Properties!;
    const group = templates.database.Resources.ClusterParameterGroup!.Properties!;
    const [, mysqlExports] = (
      cluster.EnableCloudwatchLogsExports as { 'Fn::If': [string, string[], string[]] }
    )['Fn::If'];
    const [, mysqlParameters] = (group.Parameters as { 'Fn::If': [string, Record<string, string>, unknown] })[
      'Fn::If'
    ];

    // Assess
    expect(mysqlExports).toContain('slowquery');
    expect(mysqlParameters).toMatchObject({ slow_query_log: '1', log_output: 'FILE' });
  });

  it('starts every service with 0 tasks while ImageUri is empty', () => {
    // Act
    const services = Object.entries(templates.app.Resources).filter(
      ([, r]) => r.Type === 'AWS::ECS::Service',
    );

    // Assess: web, 20 workers and the scheduler
    expect(services.length).toBe(22);
    for (const [, service] of services) {
      const desired = service.Properties?.DesiredCount as { 'Fn::If': unknown[] };
      expect(desired['Fn::If'][0]).toBe('HasImage');
      expect(desired['Fn::If'][2]).toBe(0);
    }
    expect(templates.app.Conditions?.HasImage).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ImageUri' }, ''] }],
    });
  });

  it('wires every Laravel variable the issue lists into every container', () => {
    // Prepare
    const expected = [
      'APP_ENV',
      'APP_URL',
      'LOG_CHANNEL',
      'DB_CONNECTION',
      'DB_HOST',
      'DB_PORT',
      'DB_DATABASE',
      'QUEUE_CONNECTION',
      'SQS_PREFIX',
      'SQS_QUEUE',
      'FILESYSTEM_DISK',
      'AWS_BUCKET',
      'AWS_DEFAULT_REGION',
    ];
    const taskDefinitions = Object.values(templates.app.Resources).filter(
      (r) => r.Type === 'AWS::ECS::TaskDefinition',
    );

    // Assess: web, release, scheduler and 20 workers
    expect(taskDefinitions).toHaveLength(23);
    for (const definition of taskDefinitions) {
      const [container] = definition.Properties!.ContainerDefinitions as {
        Environment: { Name?: string }[];
        Secrets: { Name?: string; ValueFrom?: unknown }[];
      }[];
      expect(container!.Environment.map((e) => e.Name).slice(0, expected.length)).toEqual(expected);
      expect(container!.Secrets.slice(0, 2)).toEqual([
        { Name: 'DB_USERNAME', ValueFrom: { 'Fn::Sub': '${SecretArn}:username::' } },
        { Name: 'DB_PASSWORD', ValueFrom: { 'Fn::Sub': '${SecretArn}:password::' } },
      ]);
    }
  });
});
