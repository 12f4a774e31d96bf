import { access, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { UserError } from '../errors.ts';
import { checkManifestText, formatProblem } from '../manifest-file.ts';

export interface InitAnswers {
  project: string;
  environment: string;
  domain?: string;
  certificateArn?: string;
  engine: 'aurora-mysql' | 'aurora-postgresql';
}

const scalar = (value: string | number | boolean) => stringify(value).trim();

/** The starter manifest text: every section present and commented, so editing it teaches the format. */
export function starterManifest(a: InitAnswers): string {
  const domainLines = a.domain
    ? [`  domain: ${scalar(a.domain)}`, `  certificateArn: ${scalar(a.certificateArn ?? '')}`]
    : [
        '  # domain: shop.example.com       # with certificateArn: HTTPS and an HTTP→HTTPS redirect',
        '  # certificateArn: arn:aws:acm:<region>:<account>:certificate/<id>',
        '  allowPlainHttp: true             # no certificate yet: set certificateArn and remove this before going live',
      ];
  return [
    '# stackdrop manifest v1 — editor schema: schema/manifest.v1.json, reference: docs/cli.md',
    '# Check it with `stackdrop validate <file>`, preview with `stackdrop plan <file>`.',
    'version: 1',
    `project: ${scalar(a.project)}`,
    `environment: ${scalar(a.environment)}        # stacks are stackdrop-<project>-<environment>-<stage>`,
    'network:',
    '  cidr: 10.40.0.0/16',
    '  availabilityZones: 2',
    '  natGateways: per-az             # per-az | single | none',
    'database:',
    `  engine: ${scalar(a.engine)}       # aurora-mysql | aurora-postgresql`,
    '  instanceClass: db.t4g.medium    # or serverless: { minCapacity: 0.5, maxCapacity: 8 }',
    '  readers: 1                      # each in another AZ than the writer',
    '  backupRetentionDays: 7',
    'app:',
    '  deployTag: main                 # pushes of this tag to the repository deploy',
    ...domainLines,
    '  healthCheckPath: /up',
    '  release: [php, artisan, migrate, --force]   # runs before each rollout; must exit 0',
    '  web: { cpu: 512, memory: 1024, desiredCount: 2, autoscaling: { min: 2, max: 10, cpuTarget: 60 } }',
    '  workers:',
    '    - { name: default, command: [php, artisan, queue:work, --tries=3], desiredCount: 1 }',
    '  scheduler: true                 # php artisan schedule:run every minute',
    '  environment:',
    `    APP_ENV: ${scalar(a.environment)}`,
    `  secrets: {}                     # NAME: arn:aws:secretsmanager:<region>:<account>:secret:stackdrop/${a.project}/${a.environment}/NAME-AbCdEf (references, never values)`,
    'bastion:',
    '  access: ssm                     # ssm (no inbound at all) | ssh',
    '  maxTtlMinutes: 480',
    '',
  ].join('\n');
}

export interface InitResult {
  file: string;
  project: string;
  environment: string;
}

/** Writes the starter manifest after checking it; refuses to overwrite without `force`. */
export async function writeStarterManifest(
  file: string,
  answers: InitAnswers,
  options: { force: boolean; shownAs?: string },
): Promise<InitResult> {
  if (answers.domain && !answers.certificateArn) {
    throw new UserError(
      '--domain needs --certificate-arn (an ACM certificate for that domain in the target region).',
    );
  }
  const text = starterManifest(answers);
  const shownAs = options.shownAs ?? file;
  const checked = checkManifestText(text, shownAs);
  if (!checked.ok) {
    throw new UserError(
      `The starter manifest would not be valid with these values:\n${checked.problems.map(formatProblem).join('\n')}`,
    );
  }
  if (!options.force && (await exists(file))) {
    throw new UserError(`${shownAs} already exists: pass --force to overwrite it, or --output <file>.`);
  }
  await writeFile(file, text, 'utf8');
  return { file: shownAs, project: answers.project, environment: answers.environment };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
