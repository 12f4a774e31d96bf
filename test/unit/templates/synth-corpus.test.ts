import { describe, expect, it } from 'vitest';
import { CLOUDFORMATION_LIMITS } from '#shared/aws-rules/cloudformation.ts';
import { checkTemplateAgainstSpec, loadCfnSpec } from '#shared/cfn-spec.ts';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import { STAGES } from '#shared/naming.ts';
import { renderStacks } from '#shared/render.ts';
import { appTemplateLimitProblems } from '#shared/synth/app/limits.ts';
import { stageOutputs } from '#test/helpers/stage-outputs.ts';
import { type CorpusEntry, synthesisCorpus } from '#test/helpers/synth-corpus.ts';
import { auditTemplate } from './audit.ts';
import { checkParameterDocumentation, checkParameterValues, checkReferences } from './references.ts';

/**
 * The synthesis corpus (issue 15): every manifest's app template goes through the checks the
 * static templates get (specification, references, parameter documentation, the security audit),
 * and AWS's template limits. synth-corpus-engine.test.ts puts the same templates through the local
 * CloudFormation engine; scripts/lint-iac.sh through cfn-lint.
 */

const corpus = synthesisCorpus();
const spec = loadCfnSpec();
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme@sha256:${'ab'.repeat(32)}`;
const cache = new Map<string, ReturnType<typeof renderApp>>();

function renderApp(entry: CorpusEntry) {
  const outputs = Object.fromEntries(STAGES.map((s) => [s, stageOutputs(s)]));
  // Ids of the shapes EC2 gives (the helper's short ids are for readability elsewhere).
  outputs.network = {
    ...outputs.network,
    PrivateSubnetIds: 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002',
    AppSecurityGroupId: 'sg-0a1b2c3d4e5f60003',
  };
  const app = renderStacks(entry.manifest, { outputs, imageUri: IMAGE }).find((s) => s.stage === 'app')!;
  return { app, template: JSON.parse(app.templateBody!) as CfnTemplate };
}

/** The app stack of a corpus manifest (rendered once per run). */
function rendered(entry: CorpusEntry) {
  if (!cache.has(entry.name)) cache.set(entry.name, renderApp(entry));
  return cache.get(entry.name)!;
}

type Container = { Environment: { Name: string }[]; Secrets: { Name: string }[] };

describe('the synthesis corpus', () => {
  it('spans the schema: 0 to 20 workers, 0 to 80 variables, 0 to 40 secrets, at least 50 manifests', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    for (const key of ['workers', 'variables', 'secrets'] as const) {
      const values = corpus.map((e) => e[key]);
      expect(Math.min(...values), key).toBe(0);
    }
    expect(Math.max(...corpus.map((e) => e.workers))).toBe(20);
    expect(Math.max(...corpus.map((e) => e.variables))).toBe(80);
    expect(Math.max(...corpus.map((e) => e.secrets))).toBe(40);
    // Every optional block is on in some manifest and off in another.
    const app = corpus.map((e) => e.manifest.app);
    const blocks: Record<string, (a: (typeof app)[number]) => boolean> = {
      release: (a) => a.release !== undefined,
      scheduler: (a) => a.scheduler !== false,
      autoscaling: (a) => a.web.autoscaling !== undefined,
      requestScaling: (a) => a.web.autoscaling?.requestsPerTarget !== undefined,
      arm64: (a) => a.architecture === 'arm64',
      exec: (a) => a.exec,
      externalSecrets: (a) => a.externalSecrets,
      kms: (a) => a.secretsKmsKeyArns.length > 0,
      alarmTopic: (a) => a.alarmTopicArn !== undefined,
      https: (a) => a.certificateArn !== undefined,
    };
    for (const [block, on] of Object.entries(blocks)) {
      expect(app.some(on), `${block} on`).toBe(true);
      expect(
        app.some((a) => !on(a)),
        `${block} off`,
      ).toBe(true);
    }
  });

  it.each(corpus.map((e) => [e.name, e] as const))(
    '%s: passes the spec, reference, parameter and security checks',
    (_, entry) => {
      // Act
      const { app, template } = rendered(entry);

      // Assess
      expect(checkTemplateAgainstSpec(template, spec)).toEqual([]);
      expect(checkReferences(template)).toEqual([]);
      expect(checkParameterDocumentation(template)).toEqual([]);
      expect(checkParameterValues(template, app.parameters)).toEqual([]);
      expect(auditTemplate(template)).toEqual([]);
      expect(appTemplateLimitProblems(entry.manifest)).toEqual([]);
      expect(Buffer.byteLength(app.templateBody!)).toBeLessThanOrEqual(
        CLOUDFORMATION_LIMITS.templateUrlBytes,
      );
      expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.resources);
      expect(Object.keys(template.Parameters ?? {}).length).toBeLessThanOrEqual(
        CLOUDFORMATION_LIMITS.parameters,
      );
    },
  );

  it.each(corpus.map((e) => [e.name, e] as const))(
    '%s: writes each worker, variable and secret exactly once, with no per-slot condition',
    (_, entry) => {
      // Act
      const { template } = rendered(entry);
      const resources = Object.values(template.Resources);
      const taskDefinitions = resources.filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
      const services = resources.filter((r) => r.Type === 'AWS::ECS::Service');
      const app = entry.manifest.app;

      // Assess
      expect(services.map((s) => s.Properties!.ServiceName).sort()).toEqual(
        [
          'web',
          ...app.workers.map((w) => `worker-${w.name}`),
          ...(app.scheduler !== false ? ['scheduler'] : []),
        ].sort(),
      );
      expect(taskDefinitions).toHaveLength(services.length + (app.release ? 1 : 0));
      for (const definition of taskDefinitions) {
        const [container] = definition.Properties!.ContainerDefinitions as Container[];
        const names = container!.Environment.map((e) => e.Name);
        expect(new Set(names).size).toBe(names.length);
        expect(Object.keys(app.environment).filter((name) => !names.includes(name))).toEqual([]);
        const secrets = container!.Secrets.map((s) => s.Name);
        expect(secrets).toEqual(['DB_USERNAME', 'DB_PASSWORD', ...Object.keys(app.secrets).sort()]);
        expect(definition.Properties!.RuntimePlatform).toEqual({
          OperatingSystemFamily: 'LINUX',
          CpuArchitecture: app.architecture === 'arm64' ? 'ARM64' : 'X86_64',
        });
      }
      // Conditions are only the image's (services start at 0 tasks) and autoscaling's.
      expect(
        Object.keys(template.Conditions ?? {}).filter((c) => !['HasImage', 'HasDeployedImage'].includes(c)),
      ).toEqual([]);
    },
  );
});
