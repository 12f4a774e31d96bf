import type { LocalCloud } from '../../kernel.ts';

/** Tags the engine puts on every taggable resource: the stack's tags plus `aws:cloudformation:*`. */
export interface ResourceTag {
  Key: string;
  Value: string;
}

/** What a provider is asked to create, update or delete. */
export interface ProviderRequest {
  cloud: LocalCloud;
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  stackName: string;
  stackId: string;
  tags: ResourceTag[];
}

/** A resource as it exists: its physical id (what Ref returns) and its GetAtt attributes. */
export interface ProvidedResource {
  physicalId: string;
  attributes: Record<string, unknown>;
  /** Settles when the resource is ready (e.g. a nested stack's creation); rejects with the failure reason. */
  stabilize?: Promise<void>;
}

export interface ExistingResource extends ProviderRequest {
  physicalId: string;
  attributes: Record<string, unknown>;
}

/** Creates, updates in place and deletes the real objects of one resource type in the service models. */
export interface ResourceProvider {
  create(request: ProviderRequest): Promise<ProvidedResource> | ProvidedResource;
  /** In-place update (replacement is a create + delete). Omitted: attributes are recomputed by create rules. */
  update?(
    request: ExistingResource,
    previous: Record<string, unknown>,
  ): Promise<ProvidedResource> | ProvidedResource;
  /** Deletes the object; `snapshot` asks for a final snapshot first (DeletionPolicy Snapshot). */
  delete(request: ExistingResource, options: { snapshot: boolean }): Promise<void> | void;
}
