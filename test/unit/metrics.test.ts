import { describe, expect, it } from 'vitest';
import { parseManifestOrThrow } from '#shared/manifest/parse.ts';
import { dimensionsFromOutputs, projectMetrics } from '#shared/metrics.ts';
import { synthAppTemplate } from '#shared/synth/app/index.ts';
import { validManifest } from '#test/unit/manifest/helpers.ts';

/**
 * The project dashboard the app stack creates holds every series issue 16 names, and
 * `stackdrop metrics` shows the same series under the same labels.
 */

type Widget = { properties: { title: string; metrics: unknown[][] } };

function manifest() {
  const m = validManifest();
  m.app!.workers = [
    { name: 'default', command: ['php', 'artisan', 'queue:work'] },
    { name: 'emails-high', command: ['php', 'artisan', 'queue:work', '--queue=emails'] },
  ];
  return parseManifestOrThrow(JSON.stringify(m), 'stackdrop.json');
}

function dashboard(): Widget[] {
  const resource = synthAppTemplate(manifest()).Resources.Dashboard!;
  expect(resource.Type).toBe('AWS::CloudWatch::Dashboard');
  const body = (resource.Properties!.DashboardBody as { 'Fn::Sub': [string, unknown] })['Fn::Sub'][0];
  return (JSON.parse(body) as { widgets: Widget[] }).widgets;
}

const labelOf = (entry: unknown[]) => (entry.at(-1) as { label: string }).label;

describe('the project dashboard', () => {
  it('has a widget for each series the issue names: requests, errors, latency, hosts, CPU and memory per service, queue, Aurora, DLQ', () => {
    const widgets = dashboard();

    expect(
      Object.fromEntries(widgets.map((w) => [w.properties.title, w.properties.metrics.map(labelOf)])),
    ).toEqual({
      Requests: ['requests'],
      Errors: ['4xx', '5xx'],
      Latency: ['latency p50', 'latency p95', 'latency p99'],
      'Healthy hosts': ['healthy hosts'],
      'CPU per service': ['web CPU', 'worker default CPU', 'worker emails-high CPU', 'scheduler CPU'],
      'Memory per service': [
        'web memory',
        'worker default memory',
        'worker emails-high memory',
        'scheduler memory',
      ],
      Queue: ['queue depth', 'oldest message age'],
      Database: ['Aurora CPU', 'Aurora connections'],
      'Dead-letter queue': ['DLQ depth'],
    });
    const latency = widgets.find((w) => w.properties.title === 'Latency')!.properties.metrics;
    expect(latency.map((e) => [e[0], e[1], (e.at(-1) as { stat: string }).stat])).toEqual([
      ['AWS/ApplicationELB', 'TargetResponseTime', 'p50'],
      ['AWS/ApplicationELB', 'TargetResponseTime', 'p95'],
      ['AWS/ApplicationELB', 'TargetResponseTime', 'p99'],
    ]);
  });

  it('stackdrop metrics reads the same series, labelled alike, from the stack outputs (hyphenated workers included)', () => {
    const widgets = dashboard();
    const cli = projectMetrics(
      dimensionsFromOutputs({
        LoadBalancerArn:
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/acme/0123456789abcdef',
        TargetGroupArn:
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/acme-web/0123456789abcdef',
        ClusterName: 'stackdrop-acme-production',
        WebServiceName: 'web',
        WorkerServiceNames: 'worker-default,worker-emails-high',
        SchedulerServiceName: 'scheduler',
        QueueName: 'stackdrop-acme-production',
        DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-acme-production-dlq',
        ClusterIdentifier: 'stackdrop-acme-production-db',
      }),
    );
    const fromDashboard = widgets.flatMap((w) =>
      w.properties.metrics.map((e) => ({
        label: labelOf(e),
        namespace: e[0],
        metricName: e[1],
        stat: (e.at(-1) as { stat: string }).stat,
        dimensionNames: e.slice(2, -1).filter((_, i) => i % 2 === 0),
      })),
    );

    const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);
    expect(
      cli
        .map((m) => ({
          label: m.label,
          namespace: m.namespace,
          metricName: m.metricName,
          stat: m.stat,
          dimensionNames: m.dimensions.map((d) => d.Name),
        }))
        .sort(byLabel),
    ).toEqual(fromDashboard.sort(byLabel));
    const services = cli.filter((m) => m.namespace === 'AWS/ECS').map((m) => m.dimensions[1]!.Value);
    expect(new Set(services)).toEqual(new Set(['web', 'worker-default', 'worker-emails-high', 'scheduler']));
    expect(cli.find((m) => m.id === 'dlqDepth')!.dimensions).toEqual([
      { Name: 'QueueName', Value: 'stackdrop-acme-production-dlq' },
    ]);
  });
});
