import { readFileSync } from 'node:fs';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import { STAGES, type Stage } from '#shared/naming.ts';
import { templatePath } from '#shared/render.ts';
import { synthAppTemplate } from '#shared/synth/app/index.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';

/**
 * The manifest the app template is synthesised from where a test needs "the" app template: the
 * corpus's extreme with every optional block on (20 workers, 80 variables, 40 secrets).
 */
export function referenceAppManifest(): Manifest {
  return synthesisCorpus(1)[0]!.manifest;
}

/** The four production templates, parsed (the app stage's synthesised from {@link referenceAppManifest}). */
export function loadTemplates(): Record<Stage, CfnTemplate> {
  return Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      stage === 'app'
        ? JSON.parse(JSON.stringify(synthAppTemplate(referenceAppManifest())))
        : parseCfnTemplate(readFileSync(templatePath(stage), 'utf8')),
    ]),
  ) as Record<Stage, CfnTemplate>;
}
