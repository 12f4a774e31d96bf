import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import { type Manifest, type ManifestInput, validateManifestObject } from '#shared/manifest/index.ts';
import { STAGES, type Stage } from '#shared/naming.ts';
import {
  OUTPUT_PARAMETERS,
  type OutputSource,
  parsePendingOutput,
  pendingOutput,
  RenderError,
  type RenderedStack,
  renderStacks,
  type StageOutputs,
  templatePath,
  unresolvedParameters,
} from '#shared/render.ts';
import { loadTemplates } from './templates/load.ts';
import { checkParameterValues } from './templates/references.ts';

const templates = loadTemplates();

/** The template a rendered stack deploys: its synthesised body, or the static file. */
function templateOf(stack: RenderedStack): CfnTemplate {
  return stack.templateBody ? (JSON.parse(stack.templateBody) as CfnTemplate) : templates[stack.stage];
}

type Container = {
  Command?: string[];
  Environment: { Name: unknown; Value: unknown }[];
  Secrets: { Name: unknown; ValueFrom: unknown }[];
};

/** The app container of each task definition, by logical id. */
function containers(stack: RenderedStack): Record<string, Container> {
  return Object.fromEntries(
    Object.entries(templateOf(stack).Resources)
      .filter(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')
      .map(([id, r]) => [id, (r.Properties!.ContainerDefinitions as Container[])[0]!]),
  );
}

/** The IAM statements of the execution role's secrets policy. */
function secretStatements(stack: RenderedStack): Record<string, unknown>[] {
  const policy = templateOf(stack).Resources.ExecutionSecretsPolicy!.Properties!.PolicyDocument as {
    Statement: Record<string, unknown>[];
  };
  return policy.Statement;
}

const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf';
const PARAMETER = 'arn:aws:ssm:eu-west-1:123456789012:parameter/stackdrop/acme/production/MAIL_PASSWORD';
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme@sha256:${'ab'.repeat(32)}`;

function manifest(input: Partial<ManifestInput> = {}): Manifest {
  // Plain HTTP unless the case sets a certificate (validate refuses neither-nor).
  const app = { ...(input.app?.certificateArn ? {} : { allowPlainHttp: true }), ...input.app };
  return validateManifestObject({ version: 1, project: 'acme', ...input, app });
}

/** What the stages would output for a deployed acme (3 AZs worth of ids; 2-AZ stacks use the first two). */
function fakeOutputs(zones = 2): StageOutputs {
  const take = (ids: string[]) => ids.slice(0, zones).join(',');
  return {
    network: {
      VpcId: 'vpc-0a1b2c3d',
      VpcCidr: '10.40.0.0/16',
      AvailabilityZones: take(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']),
      PublicSubnetIds: take(['subnet-01', 'subnet-02', 'subnet-03']),
      PrivateSubnetIds: take(['subnet-11', 'subnet-12', 'subnet-13']),
      IsolatedSubnetIds: take(['subnet-21', 'subnet-22', 'subnet-23']),
      AlbSecurityGroupId: 'sg-0a1',
      AppSecurityGroupId: 'sg-0a2',
      DatabaseSecurityGroupId: 'sg-0a3',
      BastionSecurityGroupId: 'sg-0a4',
    },
    database: {
      ClusterIdentifier: 'stackdrop-acme-production',
      WriterEndpoint: 'stackdrop-acme-production.cluster-c1.eu-west-1.rds.amazonaws.com',
      ReaderEndpoint: 'stackdrop-acme-production.cluster-ro-c1.eu-west-1.rds.amazonaws.com',
      Port: '3306',
      SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b-AbCdEf',
      DatabaseName: 'app',
      Engine: 'aurora-mysql',
    },
    edge: {
      ClusterName: 'stackdrop-acme-production',
      ClusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/stackdrop-acme-production',
      RepositoryName: 'acme-production',
      RepositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-production',
      LoadBalancerArn:
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/stack-LoadB-1/0a1b2c3d',
      LoadBalancerDnsName: 'stack-LoadB-1-123.eu-west-1.elb.amazonaws.com',
      TargetGroupArn:
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/stack-Targe-1/0a1b2c3d',
      Url: 'http://stack-LoadB-1-123.eu-west-1.elb.amazonaws.com',
      AppBucketName: 'stackdrop-acme-production-edge-appbucket-1a2b3c',
      QueueName: 'stackdrop-acme-production',
      QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-acme-production',
      DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-acme-production-dlq',
      TaskRoleArn: 'arn:aws:iam::123456789012:role/stackdrop/stages/stackdrop-acme-production-TaskRole-1',
      ExecutionRoleArn:
        'arn:aws:iam::123456789012:role/stackdrop/stages/stackdrop-acme-production-ExecutionRole-1',
      LogGroupName: '/stackdrop/acme/production/app',
    },
  };
}

const byStage = (stacks: RenderedStack[], stage: Stage) => stacks.find((s) => s.stage === stage)!;

/** Manifests covering the shapes the templates must support. */
const VARIANTS: Record<string, ManifestInput> = {
  'defaults (2 AZs, provisioned, 1 reader, HTTP, no workers, scheduler)': {
    version: 1,
    project: 'acme',
    app: { allowPlainHttp: true },
  },
  '3 AZs, serverless, 2 readers, HTTPS with www redirect, 3 workers, release, env and external secrets': {
    version: 1,
    project: 'acme',
    environment: 'staging',
    network: { cidr: '172.20.0.0/20', availabilityZones: 3, natGateways: 'single' },
    database: { engine: 'aurora-postgresql', serverless: { minCapacity: 0.5, maxCapacity: 16 }, readers: 2 },
    app: {
      domain: 'shop.example.com',
      certificateArn: CERTIFICATE,
      redirectWww: true,
      release: ['php', 'artisan', 'migrate', '--force'],
      web: {
        cpu: 1024,
        memory: 2048,
        autoscaling: { min: 2, max: 20, cpuTarget: 55, requestsPerTarget: 500 },
      },
      workers: [
        { name: 'default', command: ['php', 'artisan', 'queue:work', '--queue=high,default'] },
        { name: 'mail', command: ['php', 'artisan', 'queue:work', '--queue=mail'], desiredCount: 0 },
        { name: 'reports', command: ['php', 'artisan', 'queue:work', '--queue=reports'], cpu: 512 },
      ],
      environment: { APP_ENV: 'staging', MAIL_MAILER: 'ses', APP_NAME: 'Acme Shop' },
      // acme/production's secrets from acme/staging: outside the prefix, so opted in.
      secrets: { APP_KEY: SECRET, MAIL_PASSWORD: PARAMETER },
      externalSecrets: true,
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
    },
  },
  'no readers, no scheduler, no NAT, a /23 VPC, pinned PostgreSQL 16': {
    version: 1,
    project: 'tiny-shop',
    network: { cidr: '192.168.10.0/23', natGateways: 'none' },
    database: {
      engine: 'aurora-postgresql',
      engineVersion: '16.6',
      readers: 0,
      instanceClass: 'db.r7g.large',
    },
    app: { scheduler: false, allowPlainHttp: true },
  },
  'ten workers and a custom scheduler': {
    version: 1,
    project: 'acme',
    app: {
      workers: Array.from({ length: 10 }, (_, i) => ({
        name: `w${i + 1}`,
        command: ['php', 'artisan', 'queue:work'],
      })),
      scheduler: { command: ['php', 'artisan', 'schedule:run'], cpu: 512 },
      allowPlainHttp: true,
    },
  },
};

describe('renderStacks', () => {
  it('renders network, database, edge and app in that order, named stackdrop-<project>-<environment>-<stage>', () => {
    // Act
    const stacks = renderStacks(manifest());

    // Assess
    expect(stacks.map((s) => [s.stage, s.stackName, s.templateFile, s.dependsOn])).toEqual([
      ['network', 'stackdrop-acme-production-network', 'templates/network.yaml', []],
      ['database', 'stackdrop-acme-production-database', 'templates/database.yaml', ['network']],
      ['edge', 'stackdrop-acme-production-edge', 'templates/edge.yaml', ['network']],
      ['app', 'stackdrop-acme-production-app', 'synthesized/app.json', ['network', 'database', 'edge']],
    ]);
  });

  it('tags every stack with the project, the environment and stackdrop:managed', () => {
    // Act
    const stacks = renderStacks(manifest({ environment: 'staging' }));

    // Assess
    for (const stack of stacks) {
      expect(stack.tags).toEqual([
        { Key: 'stackdrop:project', Value: 'acme' },
        { Key: 'stackdrop:environment', Value: 'staging' },
        { Key: 'stackdrop:managed', Value: 'true' },
      ]);
    }
  });

  it('marks parameters whose earlier-stage outputs are not known yet, and lists them as unresolved', () => {
    // Act
    const stacks = renderStacks(manifest());

    // Assess
    expect(unresolvedParameters(byStage(stacks, 'network'))).toEqual([]);
    expect(byStage(stacks, 'edge').parameters.VpcId).toBe('<network.VpcId>');
    expect(unresolvedParameters(byStage(stacks, 'database'))).toEqual([
      { parameter: 'IsolatedSubnetIds', stage: 'network', output: 'IsolatedSubnetIds' },
      { parameter: 'AvailabilityZones', stage: 'network', output: 'AvailabilityZones' },
      { parameter: 'DatabaseSecurityGroupId', stage: 'network', output: 'DatabaseSecurityGroupId' },
      { parameter: 'VpcId', stage: 'network', output: 'VpcId' },
      { parameter: 'AppSecurityGroupId', stage: 'network', output: 'AppSecurityGroupId' },
    ]);
    expect(
      unresolvedParameters(byStage(stacks, 'app'))
        .map((u) => u.parameter)
        .sort(),
    ).toEqual(Object.keys(OUTPUT_PARAMETERS.app).sort());
  });

  it('fills later stages from the outputs of earlier ones as they become known', () => {
    // Prepare
    const all = fakeOutputs();

    // Act
    const afterNetwork = renderStacks(manifest(), { outputs: { network: all.network } });
    const afterAll = renderStacks(manifest(), { outputs: all });

    // Assess
    expect(unresolvedParameters(byStage(afterNetwork, 'edge'))).toEqual([]);
    expect(byStage(afterNetwork, 'edge').parameters.PublicSubnetIds).toBe('subnet-01,subnet-02');
    expect(byStage(afterNetwork, 'database').parameters.AvailabilityZones).toBe('eu-west-1a,eu-west-1b');
    expect(unresolvedParameters(byStage(afterNetwork, 'app')).map((u) => u.stage)).not.toContain('network');
    const app = byStage(afterAll, 'app');
    expect(unresolvedParameters(app)).toEqual([]);
    expect(app.parameters).toMatchObject({
      PrivateSubnetIds: 'subnet-11,subnet-12',
      WriterEndpoint: all.database!.WriterEndpoint,
      SecretArn: all.database!.SecretArn,
      TargetGroupArn: all.edge!.TargetGroupArn,
      ExecutionRoleArn: all.edge!.ExecutionRoleArn,
      Url: all.edge!.Url,
    });
  });

  it('maps every output-fed parameter to a parameter of its template and an output of the source stage', () => {
    for (const stage of STAGES) {
      for (const [parameter, source] of Object.entries(OUTPUT_PARAMETERS[stage]) as [
        string,
        OutputSource,
      ][]) {
        expect(templates[stage].Parameters).toHaveProperty(parameter);
        expect(templates[source.stage].Outputs).toHaveProperty(source.output);
        expect(STAGES.indexOf(source.stage)).toBeLessThan(STAGES.indexOf(stage));
      }
    }
  });

  describe.each(Object.entries(VARIANTS))('for a manifest with %s', (_, input) => {
    const parsed = validateManifestObject(input);
    const zones = parsed.network.availabilityZones;

    it.each(STAGES)(
      'supplies every %s template parameter (or leaves its default) with a value CloudFormation accepts',
      (stage) => {
        // Act
        const stack = byStage(renderStacks(parsed, { outputs: fakeOutputs(zones), imageUri: IMAGE }), stage);

        // Assess
        expect(checkParameterValues(templateOf(stack), stack.parameters)).toEqual([]);
      },
    );

    it('supplies acceptable values before the first image push too', () => {
      // Act
      const app = byStage(renderStacks(parsed, { outputs: fakeOutputs(zones) }), 'app');

      // Assess
      expect(app.parameters.ImageUri).toBe('');
      expect(checkParameterValues(templateOf(app), app.parameters)).toEqual([]);
    });
  });

  it('derives subnet host bits from the VPC prefix: 16 subnets of prefix + 4', () => {
    // Act
    const bits = ['10.0.0.0/16', '10.0.0.0/20', '192.168.2.0/23'].map(
      (cidr) => byStage(renderStacks(manifest({ network: { cidr } })), 'network').parameters.SubnetBits,
    );

    // Assess
    expect(bits).toEqual(['12', '8', '5']);
  });

  it('refuses a /24 VPC, whose /28 subnets are below the /27 a load balancer needs', () => {
    // Act
    // The manifest rules refuse it first; render refuses it too, should one ever get through.
    const base = manifest();
    const render = () => renderStacks({ ...base, network: { ...base.network, cidr: '192.168.1.0/24' } });

    // Assess
    expect(render).toThrow(/network\.cidr 192\.168\.1\.0\/24 must be .* from \/16 to \/23/);
  });

  it.each(['shop-', 'my--shop'])(
    'refuses the project name %s: RDS refuses a cluster identifier with a trailing or doubled hyphen',
    (project) => {
      // Act
      const render = () => renderStacks({ ...manifest(), project });

      // Assess
      expect(render).toThrow(
        new RegExp(`project ${project} must not end with a hyphen or contain two in a row`),
      );
    },
  );

  it('refuses 0 ACUs on an engine version too old to pause', () => {
    // Prepare
    const serverless = { minCapacity: 0, maxCapacity: 4 };
    const cases: [ManifestInput['database'], RegExp][] = [
      [
        { engine: 'aurora-mysql', engineVersion: '8.0.mysql_aurora.3.07.1', serverless },
        /minCapacity 0 \(auto-pause\) needs aurora-mysql 8\.0\.mysql_aurora\.3\.08\.0 or later; 8\.0\.mysql_aurora\.3\.07\.1/,
      ],
      [
        { engine: 'aurora-postgresql', engineVersion: '16.2', serverless },
        /minCapacity 0 \(auto-pause\) needs aurora-postgresql 14\.12, 15\.7, 16\.3 or 17 or later; 16\.2/,
      ],
      [{ engine: 'aurora-postgresql', engineVersion: '14.11', serverless }, /needs aurora-postgresql/],
    ];

    // Act / Assess: these versions are retired, so validation refuses them first (AWS's table,
    // shared/aws-rules/rds.ts); render keeps its own rule for a manifest that reaches it anyway.
    for (const [database, problem] of cases) {
      expect(() => manifest({ database })).toThrow(/is not an Aurora (MySQL|PostgreSQL) version AWS offers/);
      const { engineVersion, ...offered } = database as { engineVersion: string };
      const valid = manifest({ database: offered });
      expect(() => renderStacks({ ...valid, database: { ...valid.database, engineVersion } })).toThrow(
        problem,
      );
    }
  });

  it('accepts 0 ACUs on the pinned versions and on overrides that support auto-pause', () => {
    // Prepare
    const serverless = { minCapacity: 0, maxCapacity: 4 };
    const databases: ManifestInput['database'][] = [
      { engine: 'aurora-mysql', serverless },
      { engine: 'aurora-postgresql', serverless },
      { engine: 'aurora-mysql', engineVersion: '8.0.mysql_aurora.3.08.0', serverless },
      { engine: 'aurora-postgresql', engineVersion: '16.6', serverless },
      { engine: 'aurora-postgresql', engineVersion: '14.15', serverless },
      { engine: 'aurora-postgresql', engineVersion: '17.4', serverless },
      {
        engine: 'aurora-postgresql',
        engineVersion: '15.10',
        serverless: { minCapacity: 0.5, maxCapacity: 4 },
      },
    ];

    // Act / Assess
    for (const database of databases) {
      expect(byStage(renderStacks(manifest({ database })), 'database').parameters.CapacityMode).toBe(
        'serverless',
      );
    }
  });

  it('passes the database shape: serverless capacity, readers, engine and the engine port', () => {
    // Act
    const stacks = renderStacks(
      manifest({
        network: { availabilityZones: 3 },
        database: { engine: 'aurora-postgresql', serverless: { minCapacity: 0, maxCapacity: 4 }, readers: 2 },
      }),
    );

    // Assess
    expect(byStage(stacks, 'database').parameters).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: '',
      CapacityMode: 'serverless',
      ServerlessMinCapacity: '0',
      ServerlessMaxCapacity: '4',
      ReaderCount: '2',
    });
    expect(byStage(stacks, 'network').parameters.DatabasePort).toBe('5432');
  });

  it('synthesises one task definition and service per worker, in manifest order, commands as lists', () => {
    // Act
    const app = byStage(
      renderStacks(
        manifest(
          VARIANTS[
            '3 AZs, serverless, 2 readers, HTTPS with www redirect, 3 workers, release, env and external secrets'
          ],
        ),
        { outputs: fakeOutputs(3) },
      ),
      'app',
    );
    const template = templateOf(app);

    // Assess: arguments stay separate, so commas inside one survive.
    expect(containers(app).WorkerDefaultTaskDefinition!.Command).toEqual([
      'php',
      'artisan',
      'queue:work',
      '--queue=high,default',
    ]);
    expect(containers(app).ReleaseTaskDefinition!.Command).toEqual(['php', 'artisan', 'migrate', '--force']);
    const services = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ECS::Service');
    expect(services.map(([id]) => id)).toEqual([
      'WebService',
      'WorkerDefaultService',
      'WorkerMailService',
      'WorkerReportsService',
      'SchedulerService',
    ]);
    const mail = template.Resources.WorkerMailService!.Properties!;
    expect(mail.ServiceName).toBe('worker-mail');
    expect(mail.Tags).toContainEqual({ Key: 'stackdrop:desired-count', Value: '0' });
    expect(template.Outputs?.WorkerServiceNames?.Value).toEqual({
      'Fn::Join': [
        ',',
        ['Default', 'Mail', 'Reports'].map((w) => ({ 'Fn::GetAtt': [`Worker${w}Service`, 'Name'] })),
      ],
    });
    expect(template.Resources.WorkerReportsTaskDefinition!.Properties).toMatchObject({ Cpu: '512' });
    // No slots: the app stack takes only the image and the earlier stages' outputs.
    expect(Object.keys(app.parameters).sort()).toEqual(
      ['ImageUri', 'ImageDeployed', ...Object.keys(OUTPUT_PARAMETERS.app)].sort(),
    );
    // ImageDeployed only switches web autoscaling on: a manifest without autoscaling has no use for it.
    const fixed = byStage(renderStacks(manifest({ app: { web: { desiredCount: 2 } } })), 'app');
    expect(fixed.parameters).not.toHaveProperty('ImageDeployed');
    expect(templateOf(fixed).Parameters).not.toHaveProperty('ImageDeployed');
  });

  it('runs schedule:work for the scheduler, and no scheduler when the manifest turns it off', () => {
    // Act
    const command = (scheduler: ManifestInput['app']) =>
      containers(byStage(renderStacks(manifest({ app: scheduler })), 'app')).SchedulerTaskDefinition?.Command;

    // Assess
    expect(command({ scheduler: true })).toEqual(['php', 'artisan', 'schedule:work']);
    expect(command({ scheduler: { command: ['php', 'artisan', 'schedule:run'] } })).toEqual([
      'php',
      'artisan',
      'schedule:work',
    ]);
    expect(command({ scheduler: { command: ['supercronic', '/app/crontab'] } })).toEqual([
      'supercronic',
      '/app/crontab',
    ]);
    expect(command({ scheduler: false })).toBeUndefined();
  });

  it('writes environment variables and secrets once per container, sorted by name, APP_ENV and APP_URL in place', () => {
    // Prepare
    const input: ManifestInput = {
      version: 1,
      project: 'acme',
      app: {
        environment: {
          MAIL_MAILER: 'ses',
          APP_ENV: 'prod',
          APP_NAME: 'Acme',
          APP_URL: 'https://acme.example/shop',
        },
        secrets: { MAIL_PASSWORD: PARAMETER, APP_KEY: SECRET },
      },
    };

    // Act
    const app = byStage(renderStacks(manifest(input), { outputs: fakeOutputs() }), 'app');

    // Assess
    expect(app.parameters.Url).toBe('https://acme.example/shop');
    for (const container of Object.values(containers(app))) {
      const env = container.Environment;
      expect(env.find((e) => e.Name === 'APP_ENV')?.Value).toBe('prod');
      expect(env.filter((e) => e.Name === 'APP_URL')).toEqual([{ Name: 'APP_URL', Value: { Ref: 'Url' } }]);
      expect(env.slice(-2)).toEqual([
        { Name: 'APP_NAME', Value: 'Acme' },
        { Name: 'MAIL_MAILER', Value: 'ses' },
      ]);
      expect(container.Secrets.slice(2)).toEqual([
        { Name: 'APP_KEY', ValueFrom: SECRET },
        { Name: 'MAIL_PASSWORD', ValueFrom: PARAMETER },
      ]);
    }
    // Both sit under stackdrop/acme/production/, which the execution role's policy covers already.
    expect(secretStatements(app).map((s) => s.Sid)).toEqual(['ReadDatabaseAndProjectSecrets']);
  });

  it('grants opted-in external references one by one, a suffix-less secret ARN as <arn>-??????', () => {
    // Prepare
    const shared = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/mail';
    const full = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/stripe-AbCdEf';
    const input: ManifestInput = {
      version: 1,
      project: 'acme',
      app: {
        allowPlainHttp: true,
        externalSecrets: true,
        secrets: { APP_KEY: SECRET, MAIL_PASSWORD: shared, STRIPE_KEY: full, OTHER: shared },
      },
    };

    // Act
    const app = byStage(renderStacks(manifest(input), { outputs: fakeOutputs() }), 'app');

    // Assess
    expect(secretStatements(app).find((s) => s.Sid === 'ReadOptedInExternalSecrets')).toEqual({
      Sid: 'ReadOptedInExternalSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
      Resource: [`${shared}-??????`, full],
    });
    expect(checkParameterValues(templateOf(app), app.parameters)).toEqual([]);
  });

  it('lets the execution role decrypt with the customer-managed KMS keys of the secrets, none by default', () => {
    // Prepare
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const MRK = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab';
    const input: ManifestInput = { version: 1, project: 'acme', app: { secretsKmsKeyArns: [KEY, MRK] } };

    // Act
    const app = byStage(renderStacks(manifest(input), { outputs: fakeOutputs() }), 'app');
    const plain = byStage(renderStacks(manifest(), { outputs: fakeOutputs() }), 'app');

    // Assess
    const decrypt = (stack: RenderedStack) =>
      secretStatements(stack).filter((s) => s.Action === 'kms:Decrypt');
    expect(decrypt(app).map((s) => s.Resource)).toEqual([[KEY, MRK]]);
    expect(decrypt(plain)).toEqual([]);
  });

  it('defaults APP_ENV to the environment name and leaves the image empty until one is pushed', () => {
    // Act
    const app = byStage(renderStacks(manifest({ environment: 'staging' })), 'app');

    // Assess
    expect(containers(app).WebTaskDefinition!.Environment).toContainEqual({
      Name: 'APP_ENV',
      Value: 'staging',
    });
    expect(app.parameters.ImageUri).toBe('');
    expect(byStage(renderStacks(manifest(), { imageUri: IMAGE }), 'app').parameters.ImageUri).toBe(IMAGE);
  });

  it('runs every task definition on the manifest architecture, x86_64 by default', () => {
    // Act
    const platforms = (architecture?: 'arm64' | 'x86_64') =>
      Object.values(
        templateOf(
          byStage(
            renderStacks(manifest({ app: { ...(architecture ? { architecture } : {}), release: ['true'] } })),
            'app',
          ),
        ).Resources,
      )
        .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
        .map((r) => r.Properties!.RuntimePlatform);

    // Assess: web, release and scheduler
    expect(platforms()).toEqual(Array(3).fill({ OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' }));
    expect(platforms('arm64')).toEqual(
      Array(3).fill({ OperatingSystemFamily: 'LINUX', CpuArchitecture: 'ARM64' }),
    );
  });

  it('turns HTTPS and the www redirect on only when the manifest has a certificate and a domain', () => {
    // Act
    const edge = (app: ManifestInput['app']) => byStage(renderStacks(manifest({ app })), 'edge').parameters;

    // Assess
    expect(edge({})).toMatchObject({ Domain: '', CertificateArn: '', RedirectWww: 'false' });
    expect(
      edge({ domain: 'shop.example.com', certificateArn: CERTIFICATE, redirectWww: true }),
    ).toMatchObject({
      Domain: 'shop.example.com',
      CertificateArn: CERTIFICATE,
      RedirectWww: 'true',
    });
  });

  it('turns the load balancer access logs on only for a manifest naming a log bucket', () => {
    // Act
    const edge = (app: ManifestInput['app']) => byStage(renderStacks(manifest({ app })), 'edge').parameters;

    // Assess
    expect(edge({}).AccessLogBucket).toBe('');
    expect(edge({ accessLogBucket: 'acme-alb-logs' }).AccessLogBucket).toBe('acme-alb-logs');
    const withOutputs = byStage(
      renderStacks(manifest({ app: { accessLogBucket: 'acme-alb-logs' } }), { outputs: fakeOutputs() }),
      'edge',
    );
    expect(checkParameterValues(templates.edge, withOutputs.parameters)).toEqual([]);
  });

  it('refuses, listing every problem, a manifest the templates cannot hold', () => {
    // Prepare: rules the manifest schema may not check itself, plus ones it does.
    const valid = manifest();
    const broken: Manifest = {
      ...valid,
      database: { ...valid.database, readers: 2 },
      app: {
        ...valid.app,
        environment: { APP_ENV: 'prod uction' },
        secrets: { DB_PASSWORD: SECRET },
        workers: [
          {
            name: 'a',
            command: ['php'],
            cpu: 256,
            memory: 512,
            desiredCount: 1,
          },
          { name: 'a', command: ['php'], cpu: 256, memory: 512, desiredCount: 1 },
          { name: 'b-1', command: ['php'], cpu: 256, memory: 512, desiredCount: 1 },
          { name: 'b1', command: ['php'], cpu: 256, memory: 512, desiredCount: 1 },
        ],
      },
    };

    // Act
    let thrown: unknown;
    try {
      renderStacks(broken);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(RenderError);
    expect((thrown as RenderError).problems).toEqual([
      'database.readers 2 needs 3 availability zones (each reader in another zone than the writer); network.availabilityZones is 2',
      'app.workers: the name a is used twice',
      'app.workers: the names b-1 and b1 would share the CloudFormation logical id WorkerB1; rename one',
      'app.environment.APP_ENV must be 1-64 letters, digits, dots, hyphens or underscores',
      'DB_PASSWORD is set by stackdrop (Laravel wiring) and cannot be a secret',
    ]);
  });
});

describe('pending outputs', () => {
  it('round-trips a marker and ignores real values', () => {
    expect(parsePendingOutput(pendingOutput('edge', 'QueueName'))).toEqual({
      stage: 'edge',
      output: 'QueueName',
    });
    expect(parsePendingOutput('subnet-01,subnet-02')).toBeUndefined();
    expect(parsePendingOutput('<html>')).toBeUndefined();
  });
});

describe('templatePath', () => {
  it('points at each static stage template in this checkout', () => {
    for (const stage of ['network', 'database', 'edge'] as const) {
      expect(templatePath(stage)).toMatch(new RegExp(`/templates/${stage}\\.yaml$`));
      expect(existsSync(templatePath(stage))).toBe(true);
    }
  });
});
