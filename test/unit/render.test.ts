import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Manifest, type ManifestInput, validateManifestObject } from '#shared/manifest/index.ts';
import { STAGES, type Stage } from '#shared/naming.ts';
import {
  COMMAND_DELIMITER,
  MAX_ENVIRONMENT_VARIABLES,
  MAX_WORKERS,
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
      ['app', 'stackdrop-acme-production-app', 'templates/app.yaml', ['network', 'database', 'edge']],
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
        expect(checkParameterValues(templates[stage], stack.parameters)).toEqual([]);
      },
    );

    it('supplies acceptable values before the first image push too', () => {
      // Act
      const app = byStage(renderStacks(parsed, { outputs: fakeOutputs(zones) }), 'app');

      // Assess
      expect(app.parameters.ImageUri).toBe('');
      expect(checkParameterValues(templates.app, app.parameters)).toEqual([]);
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

  it('fills worker slots in manifest order, joining each command with the unit separator', () => {
    // Act
    const app = byStage(
      renderStacks(
        manifest(
          VARIANTS[
            '3 AZs, serverless, 2 readers, HTTPS with www redirect, 3 workers, release, env and external secrets'
          ],
        ),
      ),
      'app',
    );

    // Assess
    expect(app.parameters).toMatchObject({
      Worker1Name: 'default',
      Worker1Command: ['php', 'artisan', 'queue:work', '--queue=high,default'].join(COMMAND_DELIMITER),
      Worker2Name: 'mail',
      Worker2DesiredCount: '0',
      Worker3Cpu: '512',
      Worker4Name: '',
      Worker4Command: '',
      [`Worker${MAX_WORKERS}Name`]: '',
      ReleaseCommand: `php${COMMAND_DELIMITER}artisan${COMMAND_DELIMITER}migrate${COMMAND_DELIMITER}--force`,
    });
    // The template splits on the same delimiter, so commas inside an argument survive.
    const [container] = templates.app.Resources.Worker1TaskDefinition!.Properties!.ContainerDefinitions as {
      Command: unknown;
    }[];
    expect(container!.Command).toEqual({ 'Fn::Split': [COMMAND_DELIMITER, { Ref: 'Worker1Command' }] });
  });

  it('joins command arguments with a printable delimiter that XML 1.0 can carry', () => {
    // Act
    const app = byStage(
      renderStacks(manifest({ app: { release: ['php', 'artisan', 'migrate', '--force'] } })),
      'app',
    );

    // Assess: CloudFormation answers in XML, and XML 1.0 forbids C0 controls even as &#x1F;.
    const release = app.parameters.ReleaseCommand!;
    expect(release).toBe('php␟artisan␟migrate␟--force');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 forbids.
    expect(release).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
    expect(COMMAND_DELIMITER).toMatch(/^\P{C}+$/u);
  });

  it('runs schedule:work for the scheduler, and no scheduler when the manifest turns it off', () => {
    // Act
    const command = (scheduler: ManifestInput['app']) =>
      byStage(renderStacks(manifest({ app: scheduler })), 'app').parameters.SchedulerCommand;

    // Assess
    expect(command({ scheduler: true })).toBe(
      `php${COMMAND_DELIMITER}artisan${COMMAND_DELIMITER}schedule:work`,
    );
    expect(command({ scheduler: { command: ['php', 'artisan', 'schedule:run'] } })).toBe(
      `php${COMMAND_DELIMITER}artisan${COMMAND_DELIMITER}schedule:work`,
    );
    expect(command({ scheduler: { command: ['supercronic', '/app/crontab'] } })).toBe(
      `supercronic${COMMAND_DELIMITER}/app/crontab`,
    );
    expect(command({ scheduler: false })).toBe('');
  });

  it('puts environment variables and secrets into slots sorted by name, APP_ENV and APP_URL into their own parameters', () => {
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
    expect(app.parameters).toMatchObject({
      AppEnv: 'prod',
      Url: 'https://acme.example/shop',
      Env1Name: 'APP_NAME',
      Env1Value: 'Acme',
      Env2Name: 'MAIL_MAILER',
      Env3Name: '',
      Secret1Name: 'APP_KEY',
      Secret1ValueFrom: SECRET,
      Secret2Name: 'MAIL_PASSWORD',
      Secret2ValueFrom: PARAMETER,
      Secret3Name: '',
      // Both sit under stackdrop/acme/production/, which the execution role's policy covers already.
      ExternalSecretGrants: '',
    });
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
    expect(app.parameters.ExternalSecretGrants).toBe(`${shared}-??????,${full}`);
    expect(checkParameterValues(templates.app, app.parameters)).toEqual([]);
  });

  it('passes the customer-managed KMS keys of the secrets to the app stack, none by default', () => {
    // Prepare
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const MRK = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab';
    const input: ManifestInput = { version: 1, project: 'acme', app: { secretsKmsKeyArns: [KEY, MRK] } };

    // Act
    const app = byStage(renderStacks(manifest(input), { outputs: fakeOutputs() }), 'app');
    const plain = byStage(renderStacks(manifest(), { outputs: fakeOutputs() }), 'app');

    // Assess
    expect(app.parameters.SecretsKmsKeyArns).toBe(`${KEY},${MRK}`);
    expect(plain.parameters.SecretsKmsKeyArns).toBe('');
  });

  it('defaults APP_ENV to the environment name and leaves the image empty until one is pushed', () => {
    // Act
    const app = byStage(renderStacks(manifest({ environment: 'staging' })), 'app');

    // Assess
    expect(app.parameters.AppEnv).toBe('staging');
    expect(app.parameters.ImageUri).toBe('');
    expect(byStage(renderStacks(manifest(), { imageUri: IMAGE }), 'app').parameters.ImageUri).toBe(IMAGE);
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
    // Prepare: rules the manifest schema may not check itself (slot counts), plus ones it does.
    const valid = manifest();
    const broken: Manifest = {
      ...valid,
      database: { ...valid.database, readers: 2 },
      app: {
        ...valid.app,
        environment: {
          APP_ENV: 'prod uction',
          ...Object.fromEntries(
            Array.from({ length: MAX_ENVIRONMENT_VARIABLES + 1 }, (_, i) => [`VAR_${i}`, 'x']),
          ),
        },
        secrets: { DB_PASSWORD: SECRET },
        workers: [
          {
            name: 'a',
            command: ['php', `bad${COMMAND_DELIMITER}arg`],
            cpu: 256,
            memory: 512,
            desiredCount: 1,
          },
          { name: 'a', command: ['php'], cpu: 256, memory: 512, desiredCount: 1 },
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
      `app.environment: at most ${MAX_ENVIRONMENT_VARIABLES} variables besides APP_ENV and APP_URL`,
      'app.environment.APP_ENV must be 1-64 letters, digits, dots, hyphens or underscores',
      'DB_PASSWORD is set by stackdrop (Laravel wiring) and cannot be a secret',
      'app.workers[0].command contains ␟ (U+241F), which separates command arguments',
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
  it('points at each stage template in this checkout', () => {
    for (const stage of STAGES) {
      expect(templatePath(stage)).toMatch(new RegExp(`/templates/${stage}\\.yaml$`));
      expect(existsSync(templatePath(stage))).toBe(true);
    }
  });
});
