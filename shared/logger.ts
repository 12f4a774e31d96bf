import { Logger } from '@aws-lambda-powertools/logger';

/** The one structured JSON logger; functions add `project` and `executionId` as persistent keys. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackdrop' });

export type { Logger };
