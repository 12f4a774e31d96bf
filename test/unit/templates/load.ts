import { readFileSync } from 'node:fs';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { STAGES, type Stage } from '#shared/naming.ts';
import { templatePath } from '#shared/render.ts';

/** The four production templates, parsed (short-form intrinsics expanded). */
export function loadTemplates(): Record<Stage, CfnTemplate> {
  return Object.fromEntries(
    STAGES.map((stage) => [stage, parseCfnTemplate(readFileSync(templatePath(stage), 'utf8'))]),
  ) as Record<Stage, CfnTemplate>;
}
