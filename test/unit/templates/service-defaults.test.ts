// The tuned deploy settings live in shared/service-defaults.ts; edge.yaml is static YAML, the app
// template is synthesised (shared/synth/app), and the example image sets its own request timeouts. These keep all of them equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CIRCUIT_BREAKER,
  DEREGISTRATION_DELAY_SECONDS,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HEALTH_CHECK_TIMEOUT_SECONDS,
  HEALTHY_THRESHOLD_COUNT,
  ROLLING_DEPLOYMENT,
  SINGLETON_DEPLOYMENT,
  UNHEALTHY_THRESHOLD_COUNT,
  WEB_REQUEST_TIMEOUT_SECONDS,
} from '#shared/service-defaults.ts';
import { loadTemplates } from './load.ts';

const templates = loadTemplates();
const resources = (stage: 'edge' | 'app') =>
  templates[stage].Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const docker = (file: string) =>
  readFileSync(join(import.meta.dirname, '../../../examples/laravel/docker', file), 'utf8');

describe('service defaults', () => {
  it('the edge target group uses the tuned health check and deregistration delay', () => {
    const tg = resources('edge').TargetGroup!.Properties;
    expect(tg).toMatchObject({
      HealthCheckIntervalSeconds: HEALTH_CHECK_INTERVAL_SECONDS,
      HealthCheckTimeoutSeconds: HEALTH_CHECK_TIMEOUT_SECONDS,
      HealthyThresholdCount: HEALTHY_THRESHOLD_COUNT,
      UnhealthyThresholdCount: UNHEALTHY_THRESHOLD_COUNT,
    });
    expect(tg.TargetGroupAttributes).toContainEqual({
      Key: 'deregistration_delay.timeout_seconds',
      Value: String(DEREGISTRATION_DELAY_SECONDS),
    });
  });

  it('the health check timeout is below the interval, and the settings within ELB ranges', () => {
    expect(HEALTH_CHECK_TIMEOUT_SECONDS).toBeLessThan(HEALTH_CHECK_INTERVAL_SECONDS);
    expect(HEALTH_CHECK_INTERVAL_SECONDS).toBeGreaterThanOrEqual(5);
    for (const n of [HEALTHY_THRESHOLD_COUNT, UNHEALTHY_THRESHOLD_COUNT]) {
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(10);
    }
  });

  it('every app service deploys with the tuned bounds, the circuit breaker and the grace period', () => {
    const app = resources('app');
    const services = Object.entries(app).filter(([, r]) => r.Type === 'AWS::ECS::Service');
    expect(services.length).toBeGreaterThan(2);
    for (const [id, r] of services) {
      const bounds = id.startsWith('Scheduler') ? SINGLETON_DEPLOYMENT : ROLLING_DEPLOYMENT;
      expect(r.Properties.DeploymentConfiguration, id).toEqual({
        ...bounds,
        DeploymentCircuitBreaker: CIRCUIT_BREAKER,
      });
    }
    expect(app.WebService!.Properties.HealthCheckGracePeriodSeconds).toBe(HEALTH_CHECK_GRACE_PERIOD_SECONDS);
  });

  it('no web request of the example outlives the draining of a deploy', () => {
    expect(DEREGISTRATION_DELAY_SECONDS).toBeGreaterThanOrEqual(WEB_REQUEST_TIMEOUT_SECONDS);
    const seconds = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    expect(seconds(docker('php.ini'), /^max_execution_time\s*=\s*(\d+)/m)).toBe(WEB_REQUEST_TIMEOUT_SECONDS);
    expect(seconds(docker('php-fpm.conf'), /^request_terminate_timeout\s*=\s*(\d+)s/m)).toBe(
      WEB_REQUEST_TIMEOUT_SECONDS,
    );
    expect(seconds(docker('nginx.conf'), /fastcgi_read_timeout\s+(\d+)s;/)).toBe(WEB_REQUEST_TIMEOUT_SECONDS);
  });
});
