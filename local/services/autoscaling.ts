import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * Application Auto Scaling scalable targets for ECS services (the bounds `stackdrop scale --min/--max`
 * moves). Rules from https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html
 * (read 2026-12-07): registering an existing target updates it; MinCapacity ≤ MaxCapacity; an ECS
 * ResourceId is `service/<cluster>/<service>` of an existing service; when the current desired count
 * is outside the new bounds, Application Auto Scaling moves it inside them.
 */
export interface ScalableTarget {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: Date;
  ScalableTargetARN: string;
}

const validation = (m: string) => new AwsError('ValidationException', m);

export class AutoScalingModel {
  readonly #cloud: LocalCloud;
  readonly targets = new Map<string, ScalableTarget>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  registerScalableTarget(input: {
    ServiceNamespace: string;
    ResourceId: string;
    ScalableDimension: string;
    MinCapacity?: number;
    MaxCapacity?: number;
  }): ScalableTarget {
    const key = `${input.ServiceNamespace}|${input.ResourceId}|${input.ScalableDimension}`;
    const existing = this.targets.get(key);
    if (input.ServiceNamespace !== 'ecs' || input.ScalableDimension !== 'ecs:service:DesiredCount')
      throw validation('The local cloud models only ECS service desired counts (ecs:service:DesiredCount).');
    const m = /^service\/([^/]+)\/([^/]+)$/.exec(input.ResourceId ?? '');
    if (!m) throw validation(`Unsupported resource ID: ${input.ResourceId}`);
    const [, cluster = '', service = ''] = m;
    let ecsService: ReturnType<LocalCloud['ecs']['service']>;
    try {
      ecsService = this.#cloud.ecs.service(cluster, service);
    } catch {
      throw validation(`ECS service doesn't exist: ${input.ResourceId}`);
    }
    const min = input.MinCapacity ?? existing?.MinCapacity;
    const max = input.MaxCapacity ?? existing?.MaxCapacity;
    if (min === undefined || max === undefined)
      throw validation('MinCapacity and MaxCapacity are required when registering a new scalable target.');
    if (min < 0 || max < 0 || min > max)
      throw validation(`Minimum capacity cannot be greater than maximum capacity (${min} > ${max}).`);
    const target: ScalableTarget = {
      ServiceNamespace: 'ecs',
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN: this.#cloud.arn(
        'iam',
        'role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
        { region: '' },
      ),
      CreationTime: existing?.CreationTime ?? this.#cloud.clock.date(),
      ScalableTargetARN:
        existing?.ScalableTargetARN ??
        this.#cloud.arn(
          'application-autoscaling',
          `scalable-target/${Math.random().toString(36).slice(2, 14)}`,
        ),
    };
    this.targets.set(key, target);
    const desired = ecsService.desiredCount;
    const inside = Math.min(max, Math.max(min, desired));
    if (inside !== desired) this.#cloud.ecs.updateService({ cluster, service, desiredCount: inside });
    return target;
  }

  deregister(resourceId: string): void {
    this.targets.delete(`ecs|${resourceId}|ecs:service:DesiredCount`);
  }

  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'AnyScaleFrontendService',
      operations: {
        RegisterScalableTarget: (input) => ({
          ScalableTargetARN: this.registerScalableTarget(input).ScalableTargetARN,
        }),
        DescribeScalableTargets: (input) => ({
          ScalableTargets: [...this.targets.values()].filter(
            (t) =>
              t.ServiceNamespace === input.ServiceNamespace &&
              (!input.ResourceIds?.length || input.ResourceIds.includes(t.ResourceId)) &&
              (!input.ScalableDimension || t.ScalableDimension === input.ScalableDimension),
          ),
        }),
        DeregisterScalableTarget: (input) => {
          this.deregister(input.ResourceId);
          return {};
        },
      },
    };
  }
}
