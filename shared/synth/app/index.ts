import type { CfnTemplate } from '../../cfn-yaml.ts';
import type { Manifest } from '../../manifest/schema.ts';
import { alarmResources } from './alarms.ts';
import { equals, getAtt, not, type Resources, ref } from './cfn.ts';
import { type AppModel, appModel } from './model.ts';
import { opsResources } from './ops.ts';
import { appParameters } from './parameters.ts';
import { taskResources, workerIds } from './tasks.ts';

/**
 * The app stage's CloudFormation template, synthesised from the manifest: one task definition and
 * service per web, worker, scheduler (and a release task definition), each environment variable
 * and secret written once into each container, no slots. Deterministic: the same manifest gives
 * the same text, so the S3 key (its content hash) and CloudFormation's change sets are stable.
 */

export { type AppModel, appModel } from './model.ts';

function outputs(model: AppModel): CfnTemplate['Outputs'] {
  const workers = model.workers.map((w) => getAtt(workerIds(w.logicalId).service, 'Name'));
  return {
    WebServiceName: { Description: 'Web service', Value: getAtt('WebService', 'Name') },
    WorkerServiceNames: {
      Description: 'Worker services, comma-separated (empty when there are none)',
      Value: workers.length > 0 ? { 'Fn::Join': [',', workers] } : '',
    },
    SchedulerServiceName: {
      Description: 'Scheduler service (empty when the manifest has no scheduler)',
      Value: model.scheduler ? getAtt('SchedulerService', 'Name') : '',
    },
    WebTaskDefinitionArn: { Description: 'Web task definition', Value: ref('WebTaskDefinition') },
    ReleaseTaskDefinitionArn: {
      Description: 'Release task definition (empty when the manifest has no release command)',
      Value: model.release ? ref('ReleaseTaskDefinition') : '',
    },
    ImageUri: {
      Description: 'Image the stack was last deployed with (empty: none pushed yet)',
      Value: ref('ImageUri'),
    },
  };
}

/** The app stage template for a validated manifest (secret references already resolved to ARNs). */
export function synthAppTemplate(manifest: Manifest): CfnTemplate {
  const model = appModel(manifest);
  const conditions: Record<string, unknown> = {
    HasImage: not(equals(ref('ImageUri'), '')),
  };
  if (model.web.autoscaling) {
    conditions.HasDeployedImage = {
      'Fn::Or': [{ Condition: 'HasImage' }, equals(ref('ImageDeployed'), 'true')],
    };
  }
  const resources: Resources = {
    ...opsResources(model),
    ...taskResources(model),
    ...alarmResources(model),
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `stackdrop app stage of ${model.project}/${model.environment}: task definitions, the web service behind the load balancer, worker and scheduler services, release task, autoscaling and alarms. Synthesised from the manifest by shared/synth/app.`,
    Parameters: appParameters(model.web.autoscaling !== undefined, {
      cache: model.cache,
      assetUrl: model.assetUrl,
    }),
    Conditions: conditions,
    Resources: resources,
    Outputs: outputs(model),
  };
}

/**
 * The template text stackdrop deploys: compact JSON (CloudFormation reads JSON and YAML alike, and
 * deploy-stack then needs no YAML writer in its bundle).
 */
export function templateText(template: CfnTemplate): string {
  return JSON.stringify(template);
}

/** The app template's text for a validated manifest. */
export function appTemplateBody(manifest: Manifest): string {
  return templateText(synthAppTemplate(manifest));
}
