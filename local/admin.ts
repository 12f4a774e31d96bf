import type { ClockSpeed } from './clock.ts';
import { AwsError } from './errors.ts';
import type { Fault } from './faults.ts';
import type { HttpRequest, HttpResponse, LocalCloud } from './kernel.ts';

/**
 * The local cloud's own HTTP API under `/_local/` (for the CLI, the demo and tests):
 *
 * - `GET  /_local/health`            → `{ region, accountId, now }`
 * - `GET  /_local/clock`             → `{ now, time, speed, pendingTimers }`
 * - `POST /_local/clock/advance`     `{ ms }` | `{ seconds }` | `{ minutes }` → fires due timers
 * - `POST /_local/clock/speed`       `{ speed: 0 | N | "instant" | "auto" }`
 * - `GET  /_local/faults`, `POST /_local/faults` (a Fault; `times: null` = forever), `DELETE /_local/faults`
 * - `POST /_local/ecr/push`          `{ repositoryName, imageTag?, imageDigest?, imageManifest?, platforms? }`
 * - `GET  /_local/events`            → the most recent bus events and deliveries
 * - `GET  /_local/quotas`            → every modelled service quota with the value in force
 * - `POST /_local/quotas`            `{ "L-F678F1CE": 10, "natGatewaysPerAz": 2 }` sets values; `DELETE` resets
 */
export async function handleAdmin(cloud: LocalCloud, req: HttpRequest): Promise<HttpResponse> {
  try {
    const body = req.body.length ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
    const route = `${req.method} ${req.path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /_local/health':
        return json({
          region: cloud.region,
          accountId: cloud.accountId,
          now: cloud.clock.date().toISOString(),
        });
      case 'GET /_local/clock':
        return json(clockState(cloud));
      case 'POST /_local/clock/advance': {
        const ms =
          Number(body.ms ?? 0) + Number(body.seconds ?? 0) * 1000 + Number(body.minutes ?? 0) * 60_000;
        await cloud.clock.advance(ms);
        return json(clockState(cloud));
      }
      case 'POST /_local/clock/speed':
        cloud.clock.setSpeed(
          body.speed === 'instant' || body.speed === 'auto' ? body.speed : (Number(body.speed) as ClockSpeed),
        );
        return json(clockState(cloud));
      case 'GET /_local/faults':
        return json({ faults: cloud.faults.list() });
      case 'POST /_local/faults': {
        const fault = {
          ...body,
          times: body.times === null ? Number.POSITIVE_INFINITY : body.times,
        } as Fault;
        if (!['resource', 'deployment', 'task', 'throttle', 'event'].includes(String(fault.kind))) {
          return json({ message: 'kind must be resource | deployment | task | throttle | event' }, 400);
        }
        return json({ id: cloud.faults.add(fault) });
      }
      case 'DELETE /_local/faults':
        cloud.faults.clear();
        return json({});
      case 'POST /_local/ecr/push':
        return json(
          cloud.ecr.pushImage({
            repositoryName: String(body.repositoryName ?? ''),
            imageTag: body.imageTag as string | undefined,
            imageDigest: body.imageDigest as string | undefined,
            imageManifest: body.imageManifest as string | undefined,
            platforms: Array.isArray(body.platforms) ? body.platforms.map(String) : undefined,
          }),
        );
      case 'GET /_local/events':
        return json({
          events: cloud.eventBus.log.slice(-100),
          deliveries: cloud.eventBus.deliveries.slice(-100),
        });
      case 'GET /_local/quotas':
        return json({ quotas: cloud.quotas.list() });
      case 'POST /_local/quotas':
        for (const [key, value] of Object.entries(body)) cloud.quotas.set(key, Number(value));
        return json({ quotas: cloud.quotas.list() });
      case 'DELETE /_local/quotas':
        cloud.quotas.reset();
        return json({ quotas: cloud.quotas.list() });
      default:
        return json({ message: `no such admin route: ${route}` }, 404);
    }
  } catch (error) {
    if (error instanceof AwsError)
      return json({ code: error.code, message: error.message }, error.statusCode);
    return json({ message: error instanceof Error ? error.message : String(error) }, 400);
  }
}

function clockState(cloud: LocalCloud) {
  return {
    now: cloud.clock.now(),
    time: cloud.clock.date().toISOString(),
    speed: cloud.clock.speed,
    pendingTimers: cloud.clock.pending(),
  };
}

function json(value: unknown, statusCode = 200): HttpResponse {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}
