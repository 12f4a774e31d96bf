import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import { CfnApiError, CfnValidationError } from './errors.ts';

/**
 * The handler error code a service error maps to, per the resource type test contract.
 * https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html (read 2026-12-07)
 */
function handlerErrorCode(error: AwsError): string {
  const code = error.code;
  if (/NotFound|NoSuchEntity/.test(code)) return 'NotFound';
  if (/AlreadyExists|Duplicate/.test(code)) return 'AlreadyExists';
  if (/Throttl|RequestLimitExceeded|SlowDown/.test(code)) return 'Throttling';
  if (/LimitExceeded|Quota/.test(code)) return 'ServiceLimitExceeded';
  if (/AccessDenied|Unauthorized/.test(code)) return 'AccessDenied';
  if (/DependencyViolation|InvalidState|InUse|Conflict/.test(code)) return 'ResourceConflict';
  return error.statusCode < 500 ? 'InvalidRequest' : 'GeneralServiceException';
}

/**
 * How CloudFormation reports a resource whose handler got an error from the service API, e.g.
 * `Resource handler returned message: "No Fargate configuration exists for given values ...
 * (Service: Ecs, Status Code: 400, Request ID: ...)" (RequestToken: ..., HandlerErrorCode: InvalidRequest)`.
 * Errors the engine itself raises (template and property checks) keep their own message.
 */
export function handlerFailureReason(error: unknown, type: string): string {
  if (!(error instanceof AwsError) || error instanceof CfnValidationError || error instanceof CfnApiError)
    return error instanceof Error ? error.message : String(error);
  const segment = type.split('::')[1] ?? 'Service';
  const service = segment.charAt(0) + segment.slice(1).toLowerCase();
  return `Resource handler returned message: "${error.message} (Service: ${service}, Status Code: ${error.statusCode}, Request ID: ${randomUUID()})" (RequestToken: ${randomUUID()}, HandlerErrorCode: ${handlerErrorCode(error)})`;
}
