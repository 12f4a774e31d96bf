import { route53, s3, secrets } from '#shared/aws.ts';
import { logger } from '#shared/logger.ts';
import { parseDeployableManifest } from '#shared/manifest/deployable.ts';
import {
  type LoadedManifest,
  loadManifest,
  type ObjectCreatedEvent,
} from '#shared/provision/load-manifest.ts';

/** First provisioning step: reads and validates the manifest version named by the S3 event (read-only). */
export const handler = async (event: ObjectCreatedEvent): Promise<LoadedManifest> => {
  logger.appendPersistentKeys({ manifestKey: event.detail?.object?.key, eventId: event.id });
  // The function runs in the Region it provisions in: AWS_REGION is set by Lambda.
  return loadManifest(event, {
    s3,
    secrets,
    route53,
    logger,
    parse: parseDeployableManifest,
    region: process.env.AWS_REGION,
  });
};
