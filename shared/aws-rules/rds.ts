/**
 * Aurora engine versions, their Serverless v2 capacities and the DB instance classes Aurora
 * offers, as AWS documents them. ONE place: the local cloud's RDS model and stackdrop's manifest
 * validator both read it. Plain data and small lookups only (no local-cloud imports).
 *
 * Read 2026-12-07 from:
 * - Aurora MySQL versions: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/AuroraMySQL.release-calendars.html
 *   and https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/doc-history.html
 * - Aurora PostgreSQL versions: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html
 *   and https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Extensions.html
 * - Serverless v2 capacity per version (0 ACU = auto-pause; 128 or 256 ACU maximum):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html#aurora-serverless-v2.how-it-works.capacity
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html
 * - Instance classes per engine: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html
 *
 * Only versions AWS still lets you create a cluster with are listed (a retired minor version
 * answers `Cannot find version X for aurora-mysql`). `aws rds describe-db-engine-versions` on a
 * real account is the authority; refresh this table with it.
 */

export const RDS_RULES_READ_ON = '2026-12-07';

export const RDS_SOURCES = {
  mysqlVersions:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/AuroraMySQL.release-calendars.html',
  postgresqlVersions:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html',
  serverlessCapacity:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html#aurora-serverless-v2.how-it-works.capacity',
  instanceClasses:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html',
  deletionProtection:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html#USER_DeletionProtection',
} as const;

export type AuroraEngine = 'aurora-mysql' | 'aurora-postgresql';

export interface AuroraEngineVersion {
  engine: AuroraEngine;
  /** As the API spells it: `8.0.mysql_aurora.3.10.3`, `17.7`. */
  version: string;
  /** Parameter group family: `aurora-mysql8.0`, `aurora-postgresql17`. */
  family: string;
  /** Serverless v2 range this version accepts: minimum 0 (auto-pause) or 0.5; maximum 128 or 256. */
  serverless: { minCapacity: 0 | 0.5; maxCapacity: 128 | 256 };
}

/**
 * Aurora MySQL 3 minors available for new clusters on 2026-12-07 (3.08 to 3.12). The 3.04 LTS line
 * (last 3.04.6, January 2026) is left out as past its end of standard support in 2026 per the
 * release calendar; Aurora MySQL 8.4-compatible versions are not listed yet. Re-check both against
 * `describe-db-engine-versions` before relying on them.
 */
const MYSQL = [
  '3.08.0',
  '3.08.1',
  '3.08.2',
  '3.09.0',
  '3.10.0',
  '3.10.1',
  '3.10.2',
  '3.10.3',
  '3.10.4',
  '3.11.0',
  '3.11.1',
  '3.12.0',
];

/** Aurora PostgreSQL minors available for new clusters on 2026-12-07 (14 to 17). */
const POSTGRESQL = [
  '14.15',
  '14.17',
  '14.18',
  '14.19',
  '14.20',
  '15.10',
  '15.12',
  '15.13',
  '15.14',
  '15.15',
  '16.6',
  '16.8',
  '16.9',
  '16.10',
  '16.11',
  '17.4',
  '17.5',
  '17.6',
  '17.7',
];

/**
 * Serverless v2 capacity by version (capacity page): 256 ACUs from Aurora MySQL 3.06.0 and
 * Aurora PostgreSQL 13.13, 14.10, 15.5, 16.1; 0 ACUs (auto-pause) from Aurora MySQL 3.08.0 and
 * Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3, every 17.
 */
function serverlessFor(engine: AuroraEngine, version: string): AuroraEngineVersion['serverless'] {
  if (engine === 'aurora-mysql') {
    const minor = Number(/^8\.0\.mysql_aurora\.3\.(\d+)\./.exec(version)?.[1] ?? 0);
    return { minCapacity: minor >= 8 ? 0 : 0.5, maxCapacity: minor >= 6 ? 256 : 128 };
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const atLeast = (firsts: Record<number, number>) =>
    major > 16 || (firsts[major] !== undefined && minor >= firsts[major]!);
  return {
    minCapacity: atLeast({ 13: 15, 14: 12, 15: 7, 16: 3 }) ? 0 : 0.5,
    maxCapacity: atLeast({ 13: 13, 14: 10, 15: 5, 16: 1 }) ? 256 : 128,
  };
}

export const AURORA_ENGINE_VERSIONS: readonly AuroraEngineVersion[] = [
  ...MYSQL.map((v) => {
    const version = `8.0.mysql_aurora.${v}`;
    return {
      engine: 'aurora-mysql' as const,
      version,
      family: 'aurora-mysql8.0',
      serverless: serverlessFor('aurora-mysql', version),
    };
  }),
  ...POSTGRESQL.map((version) => ({
    engine: 'aurora-postgresql' as const,
    version,
    family: `aurora-postgresql${version.split('.')[0]}`,
    serverless: serverlessFor('aurora-postgresql', version),
  })),
];

/**
 * The version RDS picks when CreateDBCluster names none (the engine's default version in
 * `describe-db-engine-versions --default-only`).
 */
export const AURORA_DEFAULT_VERSIONS: Record<AuroraEngine, string> = {
  'aurora-mysql': '8.0.mysql_aurora.3.10.3',
  'aurora-postgresql': '17.7',
};

const SIZES = {
  t: ['medium', 'large'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r6gd: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6id: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r8g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
} as const;

/**
 * Instance class families Aurora offers for the versions above (both engines alike on the
 * instance-class page for current versions). Not offered for Aurora at all: db.t2.*, every
 * `.micro`/`.small`, db.m*, db.r3/r4; db.t2/t3.small only ever served Aurora MySQL 2.
 */
const FAMILIES: Record<string, readonly string[]> = {
  t3: SIZES.t,
  t4g: SIZES.t,
  r5: SIZES.r5,
  r6g: SIZES.r6g,
  r6i: SIZES.r6i,
  r6gd: SIZES.r6gd,
  r6id: SIZES.r6id,
  r7g: SIZES.r6g,
  r7i: SIZES.r7i,
  r8g: SIZES.r8g,
  x2g: SIZES.r6g,
};

/** Every DB instance class Aurora offers for an engine (`db.serverless` included). */
export function auroraInstanceClasses(_engine: AuroraEngine): string[] {
  const classes = Object.entries(FAMILIES).flatMap(([family, sizes]) =>
    sizes.map((size) => `db.${family}.${size}`),
  );
  return ['db.serverless', ...classes];
}

/** The table row for a version, or undefined when AWS would answer "Cannot find version". */
export function findAuroraEngineVersion(engine: string, version: string): AuroraEngineVersion | undefined {
  return AURORA_ENGINE_VERSIONS.find((v) => v.engine === engine && v.version === version);
}

/** Versions of an engine, oldest first (as `describe-db-engine-versions` lists them). */
export function auroraEngineVersions(engine: string): AuroraEngineVersion[] {
  return AURORA_ENGINE_VERSIONS.filter((v) => v.engine === engine);
}

/** Whether Aurora offers an instance class for an engine version. */
export function isAuroraInstanceClassOffered(
  engine: string,
  version: string,
  instanceClass: string,
): boolean {
  if (!findAuroraEngineVersion(engine, version)) return false;
  return auroraInstanceClasses(engine as AuroraEngine).includes(instanceClass);
}

/**
 * Problems with a Serverless v2 scaling configuration for a version, phrased as RDS phrases them
 * (`Serverless v2 maximum capacity 0.0 isn't valid. The maximum capacity must be at least 1.0.`).
 * Empty when valid. Capacities go in steps of 0.5 ACU.
 */
export function serverlessScalingProblems(
  row: AuroraEngineVersion,
  scaling: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number },
): string[] {
  const fmt = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));
  const problems: string[] = [];
  const { MinCapacity: min, MaxCapacity: max } = scaling;
  if (min !== undefined) {
    if (min < row.serverless.minCapacity)
      problems.push(
        `Serverless v2 minimum capacity ${fmt(min)} isn't valid. The minimum capacity must be at least ${fmt(row.serverless.minCapacity)}.`,
      );
    else if (min > row.serverless.maxCapacity)
      problems.push(
        `Serverless v2 minimum capacity ${fmt(min)} isn't valid. The minimum capacity must be at most ${fmt(row.serverless.maxCapacity)}.`,
      );
    else if ((min * 2) % 1 !== 0)
      problems.push(
        `Serverless v2 minimum capacity ${fmt(min)} isn't valid. Specify a value in increments of 0.5.`,
      );
  }
  if (max !== undefined) {
    if (max < 1)
      problems.push(
        `Serverless v2 maximum capacity ${fmt(max)} isn't valid. The maximum capacity must be at least 1.0.`,
      );
    else if (max > row.serverless.maxCapacity)
      problems.push(
        `Serverless v2 maximum capacity ${fmt(max)} isn't valid. The maximum capacity must be at most ${fmt(row.serverless.maxCapacity)}.`,
      );
    else if ((max * 2) % 1 !== 0)
      problems.push(
        `Serverless v2 maximum capacity ${fmt(max)} isn't valid. Specify a value in increments of 0.5.`,
      );
  }
  if (min !== undefined && max !== undefined && min > max && problems.length === 0)
    problems.push(
      `Serverless v2 maximum capacity ${fmt(max)} isn't valid. The maximum capacity must be greater than or equal to the minimum capacity.`,
    );
  const pause = scaling.SecondsUntilAutoPause;
  if (pause !== undefined && min !== 0)
    problems.push('SecondsUntilAutoPause can only be specified when minimum capacity is 0.');
  else if (pause !== undefined && (pause < 300 || pause > 86_400))
    problems.push(
      `SecondsUntilAutoPause ${pause} isn't valid. Specify a value between 300 and 86400 seconds.`,
    );
  return problems;
}

/** The message RDS gives when an instance class is not offered for an engine version. */
export function unsupportedCombinationMessage(
  engine: string,
  version: string,
  instanceClass: string,
): string {
  const license = engine === 'aurora-postgresql' ? 'postgresql-license' : 'general-public-license';
  return `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, Engine=${engine}, EngineVersion=${version}, LicenseModel=${license}. For supported combinations of instance class and database engine version, see the documentation.`;
}
