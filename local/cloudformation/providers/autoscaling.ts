import type { ProviderRequest, ResourceProvider } from './types.ts';

function register(request: ProviderRequest) {
  const p = request.properties;
  const target = request.cloud.autoScaling.registerScalableTarget({
    ServiceNamespace: String(p.ServiceNamespace),
    ResourceId: String(p.ResourceId),
    ScalableDimension: String(p.ScalableDimension),
    MinCapacity: Number(p.MinCapacity),
    MaxCapacity: Number(p.MaxCapacity),
  });
  // Ref of a scalable target is `<ResourceId>|<ScalableDimension>|<ServiceNamespace>`.
  const physicalId = `${target.ResourceId}|${target.ScalableDimension}|${target.ServiceNamespace}`;
  return { physicalId, attributes: { Id: physicalId } };
}

/** AWS::ApplicationAutoScaling::ScalableTarget backed by the Application Auto Scaling model. */
export const autoScalingProviders: Record<string, ResourceProvider> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': {
    create: register,
    update: register,
    delete(request) {
      request.cloud.autoScaling.deregister(request.physicalId.split('|')[0] ?? '');
    },
  },
};
