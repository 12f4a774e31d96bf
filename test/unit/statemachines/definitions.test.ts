import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { substitutionNames, taskStates } from '#test/helpers/sfn-harness.ts';

type Validate = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const validate = createRequire(import.meta.url)('asl-validator') as Validate;

const root = new URL('../../../', import.meta.url);
const template: CfnTemplate = parseCfnTemplate(readFileSync(new URL('template.yaml', root), 'utf8'));
const files = readdirSync(new URL('statemachines/', root)).filter((f) => f.endsWith('.asl.json'));

/** The template resource whose DefinitionUri is this file. */
function stateMachineFor(file: string) {
  const entry = Object.entries(template.Resources).find(
    ([, r]) =>
      r.Type === 'AWS::Serverless::StateMachine' && r.Properties?.DefinitionUri === `statemachines/${file}`,
  );
  if (!entry) throw new Error(`template.yaml has no state machine for statemachines/${file}`);
  return entry[1];
}

const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
  'Lambda.SdkClientException',
];

describe.each(files)('statemachines/%s', (file) => {
  const text = readFileSync(new URL(`statemachines/${file}`, root), 'utf8');
  const definition = JSON.parse(text) as { States: Record<string, unknown> };

  it('is valid Amazon States Language', () => {
    const result = validate(definition);

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('has a substitution in template.yaml for every ${...} placeholder, and none unused', () => {
    const substitutions = Object.keys(
      (stateMachineFor(file).Properties?.DefinitionSubstitutions as Record<string, unknown>) ?? {},
    ).sort();

    expect(substitutionNames(text).sort()).toEqual(substitutions);
  });

  it('gives every Task a jittered Retry for Lambda service errors and throttling, and a Catch', () => {
    const tasks = taskStates(definition);

    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      const task = state as unknown as {
        Retry?: { ErrorEquals: string[]; JitterStrategy?: string }[];
        Catch?: { ErrorEquals: string[]; Next: string }[];
      };
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(expect.arrayContaining([...LAMBDA_TRANSIENT, 'ThrottlingException']));
      expect(
        task.Retry?.every((r) => r.JitterStrategy === 'FULL'),
        name,
      ).toBe(true);
      expect(
        task.Catch?.some((c) => c.ErrorEquals.includes('States.ALL')),
        name,
      ).toBe(true);
    }
  });

  it('bounds every callback wait with a timeout', () => {
    for (const [name, state] of taskStates(definition)) {
      const task = state as unknown as {
        Resource: string;
        TimeoutSeconds?: number;
        HeartbeatSeconds?: number;
      };
      if (!task.Resource.endsWith('.waitForTaskToken')) continue;
      expect(task.TimeoutSeconds ?? task.HeartbeatSeconds, name).toBeGreaterThan(0);
    }
  });
});
