import { access, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { AppSchema, ManifestObjectSchema } from '#shared/manifest/schema.ts';
import { UserError } from '../errors.ts';
import { checkManifestText } from '../manifest-file.ts';

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
    // Speak of the values given, not of a file that was never written.
    throw new UserError(
      `These values would not make a valid manifest, so nothing was written:\n${checked.problems.map((p) => `  ${p.path || 'manifest'}: ${p.message}`).join('\n')}`,
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

/** Checks one answer as it is typed: undefined when it is fine, else what is wrong, in plain words. */
export function checkAnswer(field: 'project' | 'environment' | 'domain' | 'certificateArn', value: string) {
  const schema =
    field === 'project' || field === 'environment'
      ? ManifestObjectSchema.shape[field]
      : AppSchema.shape[field];
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return issue && !issue.message.startsWith('Invalid') ? issue.message : `not a valid ${field}`;
}

/** What interactive init asks and how many wrong answers it takes before giving up. */
const MAX_TRIES = 5;

export interface InitQuestions {
  project?: string | undefined;
  environment?: string | undefined;
  domain?: string | undefined;
  certificateArn?: string | undefined;
}

/**
 * Asks for what the flags left out, checking each answer as it is typed and asking again at once
 * when it is wrong, so no answer is ever lost to a problem found at the end.
 */
export async function askInitAnswers(
  given: InitQuestions,
  ask: (question: string) => Promise<string>,
  say: (line: string) => void,
  askDomain: boolean,
): Promise<InitQuestions> {
  const answers: InitQuestions = { ...given };
  const question = async (
    field: 'project' | 'environment' | 'domain' | 'certificateArn',
    text: string,
    fallback?: string,
    optional = false,
  ): Promise<string | undefined> => {
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      const typed = (await ask(text)).trim();
      if (typed === '' && (fallback !== undefined || optional)) return fallback;
      const problem = typed === '' ? 'an answer is needed' : checkAnswer(field, typed);
      if (!problem) return typed;
      say(`  ${typed === '' ? '' : `"${typed.slice(0, 60)}": `}${problem}. Try again.`);
    }
    throw new UserError(`No valid ${field} after ${MAX_TRIES} tries: ${resumeHint(answers)}`);
  };
  answers.project ??= await question('project', 'Project name (e.g. acme): ');
  answers.environment ??= await question('environment', 'Environment [production]: ', 'production');
  if (answers.domain === undefined && askDomain)
    answers.domain = await question('domain', 'Domain (blank for none): ', undefined, true);
  if (answers.domain && !answers.certificateArn) {
    answers.certificateArn = await question(
      'certificateArn',
      'ACM certificate ARN for the domain (blank to serve without a domain): ',
      undefined,
      true,
    );
    if (!answers.certificateArn) {
      say(
        '  No certificate: the manifest serves on the load balancer name; add domain and certificateArn later.',
      );
      answers.domain = undefined;
    }
  }
  return answers;
}

/** The command that repeats the answers so far, so nothing typed is lost. */
export function resumeHint(answers: InitQuestions): string {
  const flags = [
    answers.project ? `--project ${answers.project}` : '',
    answers.environment ? `--environment ${answers.environment}` : '',
    answers.domain ? `--domain ${answers.domain}` : '',
    answers.certificateArn ? `--certificate-arn ${answers.certificateArn}` : '',
  ].filter(Boolean);
  return flags.length
    ? `your answers so far are kept in this command: stackdrop init ${flags.join(' ')}`
    : 'run `stackdrop init` again';
}
