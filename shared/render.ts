import { fileURLToPath } from 'node:url';
import { cacheParameters, knownKmsKeyArn, networkKmsKey } from './app-wiring.ts';
import type { CfnTemplate } from './cfn-yaml.ts';
import { RESERVED_ENVIRONMENT } from './manifest/limits.ts';
import type { Manifest } from './manifest/schema.ts';
import { STAGES, type Stage, stackdropTags, stackName } from './naming.ts';
import { synthAppTemplate, templateText } from './synth/app/index.ts';
import { manifestEnvironment, OVERRIDABLE_ENVIRONMENT, workerLogicalId } from './synth/app/model.ts';

/**
 * Turns a manifest (plus the outputs of the stages deployed so far) into the four stacks stackdrop
 * deploys: name, template, parameters, tags and dependencies. Pure: no I/O, no clock.
 */

/** What the scheduler service runs when the manifest says `scheduler: true`. */
export { DEFAULT_SCHEDULER_COMMAND, OVERRIDABLE_ENVIRONMENT } from './synth/app/model.ts';
/** Pinned Aurora engine versions; templates/database.yaml Mappings.EngineDefaults holds the same. */
export const DEFAULT_ENGINE_VERSIONS = {
  'aurora-mysql': '8.0.mysql_aurora.3.10.3',
  'aurora-postgresql': '17.7',
} as const;

/** The stages whose template is a file shipped with stackdrop; the app stage's is synthesised. */
export type StaticStage = Exclude<Stage, 'app'>;

/**
 * Where each stage's template comes from. Network, database and edge are files relative to the
 * repository root; the app stage's template is synthesised from the manifest (shared/synth/app),
 * and `synthesized/app.json` only names it (in plans, and as the S3 object's file name).
 */
export const TEMPLATE_FILES: Record<Stage, string> = {
  network: 'templates/network.yaml',
  database: 'templates/database.yaml',
  edge: 'templates/edge.yaml',
  app: 'synthesized/app.json',
};

/** Absolute path of a static stage's template in this checkout. */
export function templatePath(stage: StaticStage): string {
  return fileURLToPath(new URL(`../${TEMPLATE_FILES[stage]}`, import.meta.url));
}

/** The stages each stage needs outputs from. */
export const STAGE_DEPENDENCIES: Record<Stage, Stage[]> = {
  network: [],
  database: ['network'],
  edge: ['network'],
  app: ['network', 'database', 'edge'],
};

export interface OutputSource {
  stage: Stage;
  output: string;
}

/** Which parameter of which stage is filled from which output of an earlier stage. */
export const OUTPUT_PARAMETERS = {
  network: {},
  database: {
    IsolatedSubnetIds: { stage: 'network', output: 'IsolatedSubnetIds' },
    AvailabilityZones: { stage: 'network', output: 'AvailabilityZones' },
    DatabaseSecurityGroupId: { stage: 'network', output: 'DatabaseSecurityGroupId' },
    VpcId: { stage: 'network', output: 'VpcId' },
    AppSecurityGroupId: { stage: 'network', output: 'AppSecurityGroupId' },
  },
  edge: {
    VpcId: { stage: 'network', output: 'VpcId' },
    PublicSubnetIds: { stage: 'network', output: 'PublicSubnetIds' },
    AlbSecurityGroupId: { stage: 'network', output: 'AlbSecurityGroupId' },
  },
  app: {
    PrivateSubnetIds: { stage: 'network', output: 'PrivateSubnetIds' },
    AppSecurityGroupId: { stage: 'network', output: 'AppSecurityGroupId' },
    WriterEndpoint: { stage: 'database', output: 'WriterEndpoint' },
    Port: { stage: 'database', output: 'Port' },
    SecretArn: { stage: 'database', output: 'SecretArn' },
    DatabaseName: { stage: 'database', output: 'DatabaseName' },
    ClusterName: { stage: 'edge', output: 'ClusterName' },
    RepositoryUri: { stage: 'edge', output: 'RepositoryUri' },
    LoadBalancerArn: { stage: 'edge', output: 'LoadBalancerArn' },
    TargetGroupArn: { stage: 'edge', output: 'TargetGroupArn' },
    Url: { stage: 'edge', output: 'Url' },
    AppBucketName: { stage: 'edge', output: 'AppBucketName' },
    QueueName: { stage: 'edge', output: 'QueueName' },
    TaskRoleArn: { stage: 'edge', output: 'TaskRoleArn' },
    ExecutionRoleArn: { stage: 'edge', output: 'ExecutionRoleArn' },
    LogGroupName: { stage: 'edge', output: 'LogGroupName' },
  },
} as const satisfies Record<Stage, Record<string, OutputSource>>;

/** Outputs gathered so far, per stage (lists comma-joined, as CloudFormation returns them). */
export type StageOutputs = Partial<Record<Stage, Record<string, string>>>;

export interface RenderedStack {
  stage: Stage;
  stackName: string;
  /** Relative to the repository root (see {@link templatePath}); for the app stage, a name only. */
  templateFile: string;
  /** The synthesised template text (the app stage); absent for a stage whose template is a file. */
  templateBody?: string;
  /** Every value is a string; an output not known yet is a {@link pendingOutput} marker. */
  parameters: Record<string, string>;
  tags: { Key: string; Value: string }[];
  dependsOn: Stage[];
}

export interface RenderOptions {
  outputs?: StageOutputs;
  /** `repo@sha256:…` of the image to run; empty or absent before the first push (services run 0 tasks). */
  imageUri?: string;
}

/** The manifest asks for something the templates cannot express; every problem is listed. */
export class RenderError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The manifest cannot be rendered into stacks:\n- ${problems.join('\n- ')}`);
    this.name = 'RenderError';
    this.problems = problems;
  }
}

const PENDING = /^<(network|database|edge|app)\.([A-Za-z0-9]+)>$/;

/** The marker standing for an output that is not known yet, e.g. `<network.VpcId>`. */
export function pendingOutput(stage: Stage, output: string): string {
  return `<${stage}.${output}>`;
}

/** The output a parameter value waits for, or undefined when the value is real. */
export function parsePendingOutput(value: string): OutputSource | undefined {
  const match = PENDING.exec(value);
  return match ? { stage: match[1] as Stage, output: match[2]! } : undefined;
}

/** Parameters of a rendered stack still waiting for an earlier stage's output. */
export function unresolvedParameters(stack: RenderedStack): ({ parameter: string } & OutputSource)[] {
  return Object.entries(stack.parameters).flatMap(([parameter, value]) => {
    const source = parsePendingOutput(value);
    return source ? [{ parameter, ...source }] : [];
  });
}

/** Renders the four stacks, in deployment order network, database, edge, app. */
export function renderStacks(manifest: Manifest, options: RenderOptions = {}): RenderedStack[] {
  const problems = checkRenderable(manifest);
  if (problems.length > 0) throw new RenderError(problems);
  const outputs = options.outputs ?? {};
  const appTemplate = synthAppTemplate(manifest);
  const own: Record<Stage, Record<string, string>> = {
    network: networkParameters(manifest),
    database: databaseParameters(manifest),
    edge: edgeParameters(manifest),
    app: appParameters(appTemplate, options.imageUri ?? ''),
  };
  const appBody = templateText(appTemplate);
  return STAGES.map((stage) => {
    const fromOutputs: Record<string, string> = {};
    for (const [parameter, source] of Object.entries(OUTPUT_PARAMETERS[stage]) as [string, OutputSource][]) {
      fromOutputs[parameter] =
        outputs[source.stage]?.[source.output] ?? pendingOutput(source.stage, source.output);
    }
    return {
      stage,
      stackName: stackName(manifest.project, manifest.environment, stage),
      templateFile: TEMPLATE_FILES[stage],
      ...(stage === 'app' ? { templateBody: appBody } : {}),
      parameters: {
        ...own[stage],
        ...fromOutputs,
        ...keyParameter(manifest, stage, outputs),
        ...wiredParameters(manifest, stage, outputs),
        ...overrides(manifest, stage),
      },
      tags: stackdropTags(manifest.project, manifest.environment),
      dependsOn: [...STAGE_DEPENDENCIES[stage]],
    };
  });
}

/**
 * The database and edge stages' KmsKeyArn: from the manifest when it is known there (AWS managed
 * keys: empty, or a given key ARN), else (security.kmsKey: create) the network stage's KmsKeyArn
 * output, which exists only then, so it is not in OUTPUT_PARAMETERS.
 */
function keyParameter(manifest: Manifest, stage: Stage, outputs: StageOutputs): Record<string, string> {
  if (stage !== 'database' && stage !== 'edge') return {};
  const known = knownKmsKeyArn(manifest);
  if (known !== undefined) return { KmsKeyArn: known };
  return { KmsKeyArn: outputs.network?.KmsKeyArn ?? pendingOutput('network', 'KmsKeyArn') };
}

/**
 * The app stage's parameters fed by outputs that exist only when the manifest asks for them: the
 * cache's endpoint (database stage) and the CDN's asset URL (edge stage). Not in OUTPUT_PARAMETERS,
 * which every manifest has; the synthesised template declares them under the same condition.
 */
function wiredParameters(manifest: Manifest, stage: Stage, outputs: StageOutputs): Record<string, string> {
  if (stage !== 'app') return {};
  const from = (source: Stage, output: string) => outputs[source]?.[output] ?? pendingOutput(source, output);
  return {
    ...(manifest.cache
      ? { CacheAddress: from('database', 'CacheAddress'), CachePort: from('database', 'CachePort') }
      : {}),
    ...(manifest.app.cdn !== false && manifest.app.environment.ASSET_URL === undefined
      ? { AssetUrl: from('edge', 'AssetUrl') }
      : {}),
  };
}

/** Parameters the manifest sets itself although they normally come from an earlier stage's outputs. */
function overrides(manifest: Manifest, stage: Stage): Record<string, string> {
  const appUrl = manifest.app.environment.APP_URL;
  // APP_URL is the only use of the app stage's Url parameter.
  return stage === 'app' && appUrl !== undefined ? { Url: appUrl } : {};
}

/**
 * Largest VPC prefix the network template accepts. The VPC is cut into 16 subnets (prefix + 4), and a
 * load balancer's subnets need at least a /27 (AWS: "a CIDR block with at least a /27 bitmask ... and
 * at least 8 free IP addresses"), so a /24 VPC (/28 subnets, 11 usable addresses, 5 with the
 * interface endpoints of `natGateways: none`) is refused.
 */
export const MAX_VPC_PREFIX = 23;
const PRIVATE_CIDR = /^(10\.\d{1,3}|172\.(1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}\/(1[6-9]|2[0-3])$/;

/**
 * Whether an engine version lets Aurora Serverless v2 scale to 0 ACUs (auto-pause): Aurora MySQL
 * 3.08.0 and later, Aurora PostgreSQL 14.12, 15.7, 16.3 and later, every 17. Older versions refuse a
 * MinCapacity of 0 (their smallest is 0.5). `version` is one the manifest rules accept.
 */
export function supportsAutoPause(engine: Manifest['database']['engine'], version: string): boolean {
  const mysql = /^8\.0\.mysql_aurora\.3\.(\d+)\.\d+$/.exec(version);
  if (engine === 'aurora-mysql') return mysql !== null && Number(mysql[1]) >= 8;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const firstMinor: Record<number, number> = { 14: 12, 15: 7, 16: 3 };
  return major >= 17 || (firstMinor[major] !== undefined && minor >= firstMinor[major]!);
}

function checkRenderable(manifest: Manifest): string[] {
  const problems: string[] = [];
  const { network, database, app } = manifest;
  if (!PRIVATE_CIDR.test(network.cidr)) {
    problems.push(
      `network.cidr ${network.cidr} must be a private (RFC 1918) range from /16 to /${MAX_VPC_PREFIX}: the VPC is cut into 16 subnets and a load balancer needs subnets of at least /27`,
    );
  }
  if (manifest.project.endsWith('-') || manifest.project.includes('--')) {
    problems.push(
      `project ${manifest.project} must not end with a hyphen or contain two in a row: the Aurora cluster is named stackdrop-<project>-<environment>, and RDS refuses such identifiers`,
    );
  }
  const version = database.engineVersion;
  if (
    version !== undefined &&
    database.serverless?.minCapacity === 0 &&
    !supportsAutoPause(database.engine, version)
  ) {
    problems.push(
      `database.serverless.minCapacity 0 (auto-pause) needs ${database.engine === 'aurora-mysql' ? 'aurora-mysql 8.0.mysql_aurora.3.08.0' : 'aurora-postgresql 14.12, 15.7, 16.3 or 17'} or later; ${version} accepts at least 0.5`,
    );
  }
  if (database.readers > network.availabilityZones - 1) {
    problems.push(
      `database.readers ${database.readers} needs ${database.readers + 1} availability zones (each reader in another zone than the writer); network.availabilityZones is ${network.availabilityZones}`,
    );
  }
  if (database.serverless && database.serverless.maxCapacity < database.serverless.minCapacity) {
    problems.push('database.serverless.maxCapacity must be at least minCapacity');
  }
  const workerNames = app.workers.map((w) => w.name);
  for (const name of new Set(workerNames.filter((n, i) => workerNames.indexOf(n) !== i))) {
    problems.push(`app.workers: the name ${name} is used twice`);
  }
  // Logical ids drop the hyphens (queue-high → WorkerQueueHigh): two names may not meet on one.
  const ids = new Map<string, string>();
  for (const name of new Set(workerNames)) {
    const other = ids.get(workerLogicalId(name));
    if (other !== undefined)
      problems.push(
        `app.workers: the names ${other} and ${name} would share the CloudFormation logical id Worker${workerLogicalId(name)}; rename one`,
      );
    ids.set(workerLogicalId(name), name);
  }
  const env = manifestEnvironment(manifest).map(([name]) => name);
  const appEnv = app.environment.APP_ENV;
  if (appEnv !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(appEnv)) {
    problems.push('app.environment.APP_ENV must be 1-64 letters, digits, dots, hyphens or underscores');
  }
  const secrets = Object.keys(app.secrets);
  const reserved = new Set<string>([...RESERVED_ENVIRONMENT, ...OVERRIDABLE_ENVIRONMENT]);
  for (const name of env) {
    if (reserved.has(name))
      problems.push(`${name} is set by stackdrop (Laravel wiring) and cannot be overridden`);
  }
  for (const name of secrets) {
    if (reserved.has(name))
      problems.push(`${name} is set by stackdrop (Laravel wiring) and cannot be a secret`);
    if (name in app.environment) problems.push(`${name} is in both app.environment and app.secrets`);
  }
  return problems;
}

function networkParameters(manifest: Manifest): Record<string, string> {
  const prefix = Number(manifest.network.cidr.split('/')[1]);
  return {
    Project: manifest.project,
    Environment: manifest.environment,
    VpcCidr: manifest.network.cidr,
    SubnetBits: String(28 - prefix),
    AvailabilityZoneCount: String(manifest.network.availabilityZones),
    NatGateways: manifest.network.natGateways,
    ContainerPort: String(manifest.app.web.port),
    DatabasePort: manifest.database.engine === 'aurora-postgresql' ? '5432' : '3306',
    FlowLogRetentionDays: String(manifest.app.logRetentionDays),
    KmsKey: networkKmsKey(manifest),
  };
}

function databaseParameters(manifest: Manifest): Record<string, string> {
  const db = manifest.database;
  return {
    Project: manifest.project,
    Environment: manifest.environment,
    Engine: db.engine,
    EngineVersion: db.engineVersion ?? '',
    CapacityMode: db.serverless ? 'serverless' : 'provisioned',
    InstanceClass: db.instanceClass ?? 'db.t4g.medium',
    ServerlessMinCapacity: String(db.serverless?.minCapacity ?? 0.5),
    ServerlessMaxCapacity: String(db.serverless?.maxCapacity ?? 8),
    ReaderCount: String(db.readers),
    DatabaseName: db.databaseName,
    BackupRetentionDays: String(db.backupRetentionDays),
    ...cacheParameters(manifest),
  };
}

function edgeParameters(manifest: Manifest): Record<string, string> {
  const app = manifest.app;
  return {
    Project: manifest.project,
    Environment: manifest.environment,
    ContainerPort: String(app.web.port),
    HealthCheckPath: app.healthCheckPath,
    Domain: app.domain ?? '',
    CertificateArn: app.certificateArn ?? '',
    AccessLogBucket: app.accessLogBucket ?? '',
    RedirectWww: String(app.redirectWww && app.domain !== undefined),
    HostedZoneId: (app.domain && app.hostedZoneId) || '',
    Cdn: String(app.cdn !== false),
    CdnCertificateArn: (typeof app.cdn === 'object' && app.cdn.certificateArn) || '',
    Firewall: String(app.firewall !== undefined),
    FirewallRateLimit: String(app.firewall?.rateLimitPerIp ?? 0),
    FirewallManagedRules: app.firewall?.managedRules.length ? `,${app.firewall.managedRules.join(',')},` : '',
    AlarmTopicArn: app.alarmTopicArn ?? '',
    RepositoryName: repositoryName(manifest),
    DeployTag: app.deployTag,
    LogRetentionDays: String(app.logRetentionDays),
  };
}

/** The ECR repository of a manifest's app: `app.repository`, or `<project>-<environment>`. */
export function repositoryName(manifest: Manifest): string {
  return manifest.app.repository ?? `${manifest.project}-${manifest.environment}`;
}

/**
 * The app stack's parameters: the image and the earlier stages' outputs (filled in by
 * renderStacks). Every manifest value is literal in the synthesised template instead.
 */
function appParameters(template: CfnTemplate, imageUri: string): Record<string, string> {
  const declared = template.Parameters ?? {};
  return {
    ImageUri: imageUri,
    ...('ImageDeployed' in declared ? { ImageDeployed: String(imageUri !== '') } : {}),
  };
}
