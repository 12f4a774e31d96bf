/**
 * The structure of an Amazon Resource Name, as AWS documents it. ONE place for the manifest
 * validator (certificate, secret, parameter and topic ARNs) and anything else that reads ARNs.
 *
 * Read 2026-12-07 from:
 * - ARN format and partitions: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 *   `arn:partition:service:region:account-id:resource`, partitions `aws`, `aws-cn`, `aws-us-gov`;
 *   account ids are 12 digits without hyphens.
 * - Region codes: https://docs.aws.amazon.com/general/latest/gr/rande.html (Regional endpoints):
 *   `<area>-<direction>-<number>` such as `us-east-2`, `eu-west-1`, `ap-southeast-7`, `il-central-1`,
 *   `cn-north-1` (aws-cn), `us-gov-west-1` (aws-us-gov).
 * - ACM certificate ARNs: https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html
 *   (`arn:aws:acm:region:account:certificate/<certificate id>`, the id a UUID).
 * - ACM certificates are regional; Elastic Load Balancing uses one from its own Region:
 *   https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html
 *
 * Secret ARN suffixes and name prefixes are the security rules' (shared/manifest, branch security);
 * this file checks only the generic structure.
 */

export const ARN_RULES_READ_ON = '2026-12-07';
export const ARN_SOURCE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html';
export const ACM_REGION_SOURCE = 'https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html';

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** A Region code as AWS spells them: area, optional `gov`, direction, number. */
export const REGION_PATTERN =
  /^(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]\d?$/;

/** The partition a Region belongs to. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits an ARN into its six parts (the resource keeps its own colons), or undefined. */
export function splitArn(text: string): Arn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, ...resource] = parts;
  return {
    partition: partition!,
    service: service!,
    region: region!,
    account: account!,
    resource: resource.join(':'),
  };
}

/** What a resource part must look like, per service, for the ARNs a manifest holds. */
const RESOURCE_FORMS: Record<string, { pattern: RegExp; describe: string }> = {
  acm: {
    pattern: /^certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    describe: 'certificate/<certificate id>, the id a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  secretsmanager: {
    pattern: /^secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
    describe: 'secret:<secret name with its suffix>',
  },
  ssm: {
    pattern: /^parameter\/[A-Za-z0-9/_.-]{1,2048}$/,
    describe: 'parameter/<parameter name>',
  },
  sns: {
    pattern: /^[A-Za-z0-9_-]{1,256}$/,
    describe: '<topic name> (letters, digits, - and _, at most 256)',
  },
};

/**
 * Problems with an ARN's structure for the service a field expects: partition, service, Region,
 * account and resource form. Empty when it is well formed.
 */
export function arnStructureProblems(text: string, services: readonly string[]): string[] {
  const arn = splitArn(text);
  if (!arn) return ['is not an ARN: arn:<partition>:<service>:<region>:<account>:<resource>'];
  const problems: string[] = [];
  if (!(PARTITIONS as readonly string[]).includes(arn.partition))
    problems.push(`partition "${arn.partition}" is not one of ${PARTITIONS.join(', ')}`);
  if (!services.includes(arn.service))
    problems.push(`service "${arn.service}" is not ${services.join(' or ')}`);
  if (!REGION_PATTERN.test(arn.region))
    problems.push(
      arn.region === ''
        ? 'the Region is missing'
        : `Region "${arn.region}" is not a Region code (e.g. eu-west-1, us-east-2)`,
    );
  else if (
    (PARTITIONS as readonly string[]).includes(arn.partition) &&
    partitionOf(arn.region) !== arn.partition
  )
    problems.push(
      `Region ${arn.region} belongs to partition ${partitionOf(arn.region)}, not ${arn.partition}`,
    );
  if (!/^\d{12}$/.test(arn.account))
    problems.push(`account "${arn.account}" is not a 12-digit account id (no hyphens)`);
  const form = RESOURCE_FORMS[arn.service];
  if (form && services.includes(arn.service) && !form.pattern.test(arn.resource))
    problems.push(`the resource part must be ${form.describe}`);
  return problems;
}

/** The Region of an ARN, when it has a well-formed one. */
export function arnRegion(text: string): string | undefined {
  const region = splitArn(text)?.region;
  return region && REGION_PATTERN.test(region) ? region : undefined;
}
