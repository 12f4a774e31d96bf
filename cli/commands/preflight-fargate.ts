import {
  DescribeTasksCommand,
  type ECSClient,
  ListClustersCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { QUOTAS } from '#shared/aws-rules/quotas.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import type { PreflightCheck } from './preflight.ts';

/**
 * The Fargate On-Demand vCPU quota (L-3032A538) counts the vCPUs of every Fargate task running in
 * the Region at once (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html,
 * read 2026-12-07). A project's peak is its services at their most (web at autoscaling max,
 * workers, scheduler) doubled while a rolling deployment runs old and new tasks side by side
 * (the app template's MaximumPercent: 200), plus the release task.
 */

/** The template's deployment MaximumPercent for every service (templates/app.yaml). */
const MAXIMUM_PERCENT = 200;

export interface FargatePeak {
  /** vCPUs of the services at their most tasks, steady. */
  steady: number;
  /** vCPUs while every service rolls out at once, release task included. */
  peak: number;
}

/** The vCPUs a manifest's tasks take at most. */
export function fargatePeak(m: Manifest): FargatePeak {
  const vcpu = (cpu: number) => cpu / 1024;
  const web = m.app.web;
  let steady = vcpu(web.cpu) * (web.autoscaling ? web.autoscaling.max : web.desiredCount);
  for (const w of m.app.workers) steady += vcpu(w.cpu) * w.desiredCount;
  if (m.app.scheduler !== false) {
    steady += vcpu(typeof m.app.scheduler === 'object' ? m.app.scheduler.cpu : 256);
  }
  // The release task runs with the web task's size before the services roll.
  const peak = (steady * MAXIMUM_PERCENT) / 100 + vcpu(web.cpu);
  return { steady, peak };
}

/** vCPUs of the Fargate tasks running in the Region outside the project's own cluster. */
async function vcpusInUse(ecs: ECSClient, ownCluster: string): Promise<number> {
  let units = 0;
  let clusterToken: string | undefined;
  do {
    const clusters = await ecs.send(new ListClustersCommand({ nextToken: clusterToken }));
    clusterToken = clusters.nextToken;
    for (const cluster of clusters.clusterArns ?? []) {
      if (cluster.endsWith(`/${ownCluster}`)) continue;
      let taskToken: string | undefined;
      do {
        const list = await ecs.send(
          new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken: taskToken }),
        );
        taskToken = list.nextToken;
        const arns = list.taskArns ?? [];
        // DescribeTasks takes at most 100 tasks.
        for (let i = 0; i < arns.length; i += 100) {
          const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
          for (const t of out.tasks ?? [])
            if (t.launchType !== 'EC2' && !t.capacityProviderName?.includes('SPOT'))
              units += Number(t.cpu ?? 0);
        }
      } while (taskToken);
    }
  } while (clusterToken);
  return units / 1024;
}

/** Whether the Region's Fargate vCPU quota leaves room for the project at its peak. */
export async function fargateQuotaCheck(
  m: Manifest,
  ecs: ECSClient,
  quotaValue: (serviceCode: string, quotaCode: string) => Promise<number | undefined>,
): Promise<PreflightCheck> {
  const q = QUOTAS.fargateOnDemandVcpus;
  const limit = (await quotaValue(q.serviceCode, q.quotaCode)) ?? q.defaultValue;
  const used = await vcpusInUse(ecs, `stackdrop-${m.project}-${m.environment}`);
  const { steady, peak } = fargatePeak(m);
  const ok = used + peak <= limit;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    check: `quota ${q.quotaName}`,
    ok,
    detail: `${round(used)} vCPU in use + ${round(peak)} at this project's peak (${round(steady)} at most tasks, doubled while a deployment rolls, plus the release task) of ${limit} (${q.quotaCode})`,
    ...(ok
      ? {}
      : {
          fix: `request an increase: aws service-quotas request-service-quota-increase --service-code ${q.serviceCode} --quota-code ${q.quotaCode} --desired-value ${Math.ceil(used + peak)}, or lower app.web.autoscaling.max / the task cpu`,
        }),
  };
}
