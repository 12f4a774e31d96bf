import type * as z from 'zod';
import { CLOUDFRONT_WEB_ACL_REGION, WEB_ACL_SCOPE_SOURCE } from '#shared/aws-rules/edge.ts';
import { ACM_REGION_SOURCE, arnRegion, arnStructureProblems } from '../aws-rules/arn.ts';
import { DATABASE_NAME_SOURCE, reservedDatabaseName } from '../aws-rules/database-names.ts';
import {
  AURORA_DEFAULT_VERSIONS,
  type AuroraEngine,
  auroraEngineVersions,
  auroraInstanceClasses,
  findAuroraEngineVersion,
  RDS_RULES_READ_ON,
  RDS_SOURCES,
} from '../aws-rules/rds.ts';
import { SUPPORTED_ENGINE_VERSIONS } from './limits.ts';
import type { ManifestProblem } from './problems.ts';

/**
 * What AWS itself refuses in a manifest, from the dated tables in shared/aws-rules/: Aurora
 * versions, instance classes and Serverless v2 ranges, reserved database names, ARN structure.
 * Kept apart from rules.ts (stackdrop's own rules) so each reads as one job. Like every cross-field
 * rule, each check tolerates values of the wrong type (their own field reports them).
 */

type Ctx = z.RefinementCtx<unknown>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function report(ctx: Ctx, path: (string | number)[], message: string, hint: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { hint } });
}

const ENGINE_NAMES: Record<AuroraEngine, string> = {
  'aurora-mysql': 'Aurora MySQL',
  'aurora-postgresql': 'Aurora PostgreSQL',
};

function newestVersions(engine: AuroraEngine, n = 3): string {
  return auroraEngineVersions(engine)
    .slice(-n)
    .map((v) => v.version)
    .join(', ');
}

/** Engine version, instance class and Serverless v2 capacity as RDS accepts them. */
function checkAurora(database: unknown, ctx: Ctx): void {
  if (!isObj(database)) return;
  const engine = (database.engine ?? 'aurora-mysql') as AuroraEngine;
  if (!(engine in ENGINE_NAMES)) return;
  const name = ENGINE_NAMES[engine];
  let version: string | undefined = AURORA_DEFAULT_VERSIONS[engine];
  if (isStr(database.engineVersion)) {
    version = undefined;
    // A version of the wrong shape has its own problem (rules.ts); only real-looking ones are looked up.
    if (!SUPPORTED_ENGINE_VERSIONS[engine].pattern.test(database.engineVersion)) {
      // nothing more to say about the version here
    } else if (!findAuroraEngineVersion(engine, database.engineVersion)) {
      report(
        ctx,
        ['database', 'engineVersion'],
        `${database.engineVersion} is not an ${name} version AWS offers for new clusters`,
        `use one RDS lists (newest: ${newestVersions(engine)}; \`aws rds describe-db-engine-versions --engine ${engine}\`), or omit engineVersion for the version stackdrop pins (${AURORA_DEFAULT_VERSIONS[engine]}). Table read ${RDS_RULES_READ_ON}: ${RDS_SOURCES[engine === 'aurora-mysql' ? 'mysqlVersions' : 'postgresqlVersions']}`,
      );
    } else version = database.engineVersion;
  }
  const row = version ? findAuroraEngineVersion(engine, version) : undefined;
  if (isStr(database.instanceClass) && /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(database.instanceClass)) {
    if (!auroraInstanceClasses(engine).includes(database.instanceClass)) {
      report(
        ctx,
        ['database', 'instanceClass'],
        `${database.instanceClass} is not an instance class Aurora offers for ${name}`,
        `Aurora's smallest classes are db.t4g.medium and db.t3.medium (no micro or small); for production db.r6g.large or db.r7g.large. Classes per engine: ${RDS_SOURCES.instanceClasses}`,
      );
    }
  }
  const serverless = database.serverless;
  if (row && isObj(serverless)) {
    const shown = isStr(database.engineVersion) ? version : `${version}, the version stackdrop pins`;
    if (isNum(serverless.minCapacity) && serverless.minCapacity < row.serverless.minCapacity) {
      report(
        ctx,
        ['database', 'serverless', 'minCapacity'],
        `minCapacity 0 (auto-pause) is not available on ${name} ${shown}`,
        `auto-pause needs ${engine === 'aurora-mysql' ? 'Aurora MySQL 3.08.0' : 'Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3'} or later: set engineVersion to one (e.g. ${newestVersions(engine, 1)}), or minCapacity to 0.5. Source: ${RDS_SOURCES.serverlessCapacity}`,
      );
    }
    if (isNum(serverless.maxCapacity) && serverless.maxCapacity > row.serverless.maxCapacity) {
      report(
        ctx,
        ['database', 'serverless', 'maxCapacity'],
        `maxCapacity ${serverless.maxCapacity} is above the ${row.serverless.maxCapacity} ACUs ${name} ${shown} allows`,
        `set maxCapacity to at most ${row.serverless.maxCapacity}, or use a version that allows 256 ACUs. Source: ${RDS_SOURCES.serverlessCapacity}`,
      );
    }
  }
  if (isStr(database.databaseName)) {
    const why = reservedDatabaseName(engine, database.databaseName);
    if (why) {
      report(
        ctx,
        ['database', 'databaseName'],
        why === 'reserved word'
          ? `${database.databaseName} is a reserved word of ${name}: RDS refuses it as the database name`
          : `${database.databaseName} is a database ${name} already has`,
        `choose another name, e.g. app (the default) or app_db. Source: ${DATABASE_NAME_SOURCE}`,
      );
    }
  }
}

/** ARN structure (partition, service, Region, account, resource form) of every ARN field. */
function checkArns(app: unknown, ctx: Ctx): void {
  if (!isObj(app)) return;
  const check = (value: unknown, path: (string | number)[], services: string[], what: string) => {
    if (!isStr(value) || !value.startsWith('arn:')) return;
    const problems = arnStructureProblems(value, services);
    if (problems.length === 0) return;
    report(
      ctx,
      path,
      `the ${what} ARN is malformed: ${problems.join('; ')}`,
      `copy the ARN from the console or the CLI rather than typing it (${what === 'certificate' ? 'aws acm list-certificates' : what === 'topic' ? 'aws sns list-topics' : 'aws secretsmanager describe-secret --secret-id <name>'})`,
    );
  };
  check(app.certificateArn, ['app', 'certificateArn'], ['acm'], 'certificate');
  check(app.alarmTopicArn, ['app', 'alarmTopicArn'], ['sns'], 'topic');
  if (isObj(app.secrets))
    for (const [name, arn] of Object.entries(app.secrets))
      check(arn, ['app', 'secrets', name], ['secretsmanager', 'ssm'], 'secret');
}

// ---- begin: AWS rules (issue 14). Called from rules.ts checkManifestRules. ----
/** Adds an issue for everything in the manifest AWS itself would refuse. */
export function checkAwsRules(value: unknown, ctx: Ctx): void {
  if (!isObj(value)) return;
  checkAurora(value.database, ctx);
  checkArns(value.app, ctx);
}
// ---- end: AWS rules ----

/**
 * What depends on where the manifest is deployed, known only when the Region is (validate
 * --region, plan, deploy, and load-manifest from the function's own Region): an ACM certificate
 * must be in the load balancer's Region.
 */
export function deploymentRegionProblems(
  manifest: {
    app: { certificateArn?: string | undefined; cdn?: unknown; firewall?: unknown };
    security?: { kmsKey?: string | undefined };
  },
  region: string | undefined,
  file: string,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const certificate = manifest.app.certificateArn;
  const certificateRegion = certificate ? arnRegion(certificate) : undefined;
  if (region && certificateRegion && certificateRegion !== region) {
    problems.push({
      file,
      path: 'app.certificateArn',
      message: `the certificate is in ${certificateRegion}, but this deployment is in ${region}`,
      hint: `a load balancer uses ACM certificates of its own Region only: request or import the certificate in ${region} (ACM cannot copy it across Regions) and use that ARN. Source: ${ACM_REGION_SOURCE}`,
    });
  }
  // A web ACL for CloudFront is CLOUDFRONT-scoped, which WAF creates in us-east-1 only; the edge
  // stack runs in the deployment Region (a stackdrop-managed us-east-1 stack is not built yet).
  const cdnOn = manifest.app.cdn !== undefined && manifest.app.cdn !== false;
  if (region && cdnOn && manifest.app.firewall !== undefined && region !== CLOUDFRONT_WEB_ACL_REGION) {
    problems.push({
      file,
      path: 'app.firewall',
      message: `with app.cdn the firewall protects CloudFront, whose web ACL AWS WAF creates in ${CLOUDFRONT_WEB_ACL_REGION} only, but this deployment is in ${region}`,
      hint: `deploy in ${CLOUDFRONT_WEB_ACL_REGION}, or turn app.cdn off to put the firewall on the load balancer (stackdrop does not yet manage a ${CLOUDFRONT_WEB_ACL_REGION} stack). Source: ${WEB_ACL_SCOPE_SOURCE}`,
    });
  }
  // KMS keys are regional: every consumer (Aurora, S3, Logs, SQS, ECR, ElastiCache) takes a key
  // of its own Region only (https://docs.aws.amazon.com/kms/latest/developerguide/overview.html#kms-regions).
  const kmsKey = manifest.security?.kmsKey;
  const keyRegion = kmsKey?.startsWith('arn:') ? arnRegion(kmsKey) : undefined;
  if (region && keyRegion && keyRegion !== region) {
    problems.push({
      file,
      path: 'security.kmsKey',
      message: `the KMS key is in ${keyRegion}, but this deployment is in ${region}`,
      hint: `KMS keys work only in their own Region: use a key in ${region} (a multi-Region replica of it, or a new key), or security.kmsKey: create`,
    });
  }
  return problems;
}
