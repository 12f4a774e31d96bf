import { CLOUDFORMATION_LIMITS } from '../../aws-rules/cloudformation.ts';
import { ECS_LIMITS } from '../../aws-rules/ecs.ts';
import type { Manifest } from '../../manifest/schema.ts';
import type { Json } from './cfn.ts';
import { synthAppTemplate, templateText } from './index.ts';

/**
 * AWS's own limits on what the app stage synthesises, checked before anything is created: the
 * template's size through S3 (1 MB), its resources, parameters and outputs
 * (shared/aws-rules/cloudformation.ts), and each task definition's containers and size
 * (shared/aws-rules/ecs.ts). `stackdrop validate` and load-manifest report these with the
 * manifest location that grew too large.
 */

export interface LimitProblem {
  at: PropertyKey[];
  message: string;
  hint: string;
}

/**
 * Longest text a reference can stand for when ECS receives the task definition: the image URI,
 * ARNs, names and the database host are at most a few hundred characters; APP_URL at most 2,048
 * (the Url parameter's MaxLength).
 */
const REFERENCE_BYTES = 256;
const URL_BYTES = 2048;

/** Replaces every intrinsic function with a placeholder as long as its longest value. */
function worstCase(node: Json): Json {
  if (Array.isArray(node)) return node.map(worstCase);
  if (node && typeof node === 'object') {
    const entries = Object.entries(node as Record<string, Json>);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only && (only[0] === 'Ref' || only[0].startsWith('Fn::')))
      return 'x'.repeat(only[0] === 'Ref' && only[1] === 'Url' ? URL_BYTES : REFERENCE_BYTES);
    return Object.fromEntries(entries.map(([k, v]) => [k, worstCase(v)]));
  }
  return node;
}

const bytes = (value: Json) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Every AWS limit the manifest's app template or task definitions would exceed. */
export function appTemplateLimitProblems(manifest: Manifest): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const template = synthAppTemplate(manifest);
  const size = Buffer.byteLength(templateText(template), 'utf8');
  const app = manifest.app;
  const counts = `${app.workers.length} workers, ${Object.keys(app.environment).length} environment variables and ${Object.keys(app.secrets).length} secrets`;
  if (size > CLOUDFORMATION_LIMITS.templateUrlBytes) {
    problems.push({
      at: ['app'],
      message: `the app stage's template would be ${size} bytes, more than CloudFormation's ${CLOUDFORMATION_LIMITS.templateUrlBytes} (1 MB) for a template in S3`,
      hint: `every variable and secret is written into each task definition (${counts}): move settings into one JSON value or secret, or bake defaults into the image`,
    });
  }
  const resources = Object.keys(template.Resources).length;
  if (resources > CLOUDFORMATION_LIMITS.resources) {
    problems.push({
      at: ['app', 'workers'],
      message: `the app stage's template would have ${resources} resources, more than CloudFormation's ${CLOUDFORMATION_LIMITS.resources}`,
      hint: 'each worker adds 4 resources (task definition, service, two alarms): merge workers that run the same code with different queues (queue:work --queue=a,b)',
    });
  }
  for (const [section, limit] of [
    ['Parameters', CLOUDFORMATION_LIMITS.parameters],
    ['Outputs', CLOUDFORMATION_LIMITS.outputs],
  ] as const) {
    const n = Object.keys(template[section] ?? {}).length;
    if (n > limit)
      problems.push({
        at: ['app'],
        message: `the app stage's template would have ${n} ${section.toLowerCase()}, more than CloudFormation's ${limit}`,
        hint: 'this is a stackdrop defect: report it with the manifest',
      });
  }
  const oversized = new Map<string, { at: PropertyKey[]; roles: string[]; bytes: number }>();
  const workerIndex = new Map(app.workers.map((w, i) => [`worker-${w.name}`, i]));
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    const properties = resource.Properties ?? {};
    const family = String(properties.Family ?? '');
    const role = family.slice(`stackdrop-${manifest.project}-${manifest.environment}-`.length);
    const containers = (properties.ContainerDefinitions as Record<string, Json>[] | undefined) ?? [];
    if (containers.length > ECS_LIMITS.containersPerTaskDefinition) {
      problems.push({
        at: ['app'],
        message: `the ${role} task definition would have ${containers.length} containers, more than ECS's ${ECS_LIMITS.containersPerTaskDefinition}`,
        hint: 'this is a stackdrop defect: report it with the manifest',
      });
    }
    const taskBytes = bytes(worstCase(properties));
    if (taskBytes <= ECS_LIMITS.taskDefinitionBytes) continue;
    // Point at what makes it large: the variables, the secrets, or the task's own command.
    const parts: [PropertyKey[], number][] = [
      [['app', 'environment'], bytes(app.environment)],
      [['app', 'secrets'], bytes(app.secrets)],
    ];
    const index = workerIndex.get(role);
    const command = containers[0]?.Command;
    if (command !== undefined)
      parts.push([
        index !== undefined
          ? ['app', 'workers', index, 'command']
          : role === 'release'
            ? ['app', 'release']
            : ['app', 'scheduler', 'command'],
        bytes(command),
      ]);
    const [at] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
    const key = JSON.stringify(at);
    const entry = oversized.get(key) ?? { at, roles: [], bytes: 0 };
    entry.roles.push(role);
    entry.bytes = Math.max(entry.bytes, taskBytes);
    oversized.set(key, entry);
  }
  // One problem per cause: large variables make every task definition too large at once.
  for (const { at, roles, bytes: largest } of oversized.values()) {
    const which =
      roles.length === 1
        ? `the ${roles[0]} task definition`
        : `${roles.length} task definitions (${roles.join(', ')})`;
    problems.push({
      at,
      message: `${which} would be up to ${largest} bytes, more than ECS's ${ECS_LIMITS.taskDefinitionBytes} (64 KiB) per task definition`,
      hint: 'ECS refuses it at registration: shorten values, move large ones to SSM parameters or a file in the image, or group settings into one JSON secret',
    });
  }
  return problems;
}
