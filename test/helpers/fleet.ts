import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpRequest } from '#local/kernel.ts';
import { type LocalStackdrop, startStackdrop } from '#local/runtime/index.ts';
import { LocalSession } from '#local/runtime/session.ts';
import type { Execution } from '#local/runtime/stepfunctions.ts';
import { findQuota, type QuotaName } from '#shared/aws-rules/quotas.ts';
import type { StatusDocument } from '#shared/status.ts';
import { ENVIRONMENT, manifestFor } from '#test/e2e/helpers.ts';
import { checkStatusVersions, checkTurnReleased, type TurnFile } from './fleet-invariants.ts';

/**
 * Many projects provisioned at once on one local cloud running template.yaml (issue 17, item 5):
 * every manifest is dropped in the same virtual instant, then the harness waits for every
 * provisioning execution and reports what a scale test needs — invariants (ready, no lost
 * status update, every turn released) and the counts AWS's account limits are measured in.
 */

/** One AWS request the local cloud answered, at the virtual time it arrived. */
export interface FleetCall {
  at: number;
  service: string;
  operation: string;
  /** S3 only: the first segment of the key (`status/`, `turns/`, `callbacks/`, ...). */
  prefix?: string;
  statusCode: number;
}

export interface FleetReport {
  projects: string[];
  wallMs: number;
  dropAt: number;
  executions: Execution[];
  /** Upload → execution end, virtual ms, per project in `projects` order. */
  makespansMs: number[];
  calls: FleetCall[];
  /** Peak count in use per quota the cloud enforced (the one being created included). */
  quotaPeaks: Partial<Record<QuotaName, number>>;
  quotasRaised: Record<string, number>;
  lambda: {
    invocations: number;
    byFunction: Record<string, number>;
    errors: Record<string, number>;
    /** Virtual start time of each invocation. */
    startedAt: number[];
  };
  /** Virtual [start, end] of every stack operation and of every resource operation in it. */
  cloudFormation: { stacks: Array<[number, number]>; resources: Array<[number, number]> };
  /** Step Functions task failures the state machine's Retry/Catch saw, by error name. */
  taskFailures: Record<string, number>;
  transitions: number;
  /** Problems found by the invariants (empty when every project is fine). */
  violations: string[];
  statusVersions: number;
}

function signingName(h: HttpRequest['headers']): string {
  const auth = Array.isArray(h.authorization) ? h.authorization[0] : h.authorization;
  return (auth && /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1]) || 'unsigned';
}

function operationOf(req: HttpRequest, service: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  if (service !== 's3') {
    const action = /(?:^|&)Action=([^&]+)/.exec(req.body.toString('utf8'))?.[1];
    if (action) return action;
  }
  return req.method;
}

/** The key prefix of a path-style S3 request (`/bucket/status/x.json` → `status/`). */
function s3Prefix(path: string): string | undefined {
  const [, , first, second] = path.split('/');
  return first !== undefined && second !== undefined ? `${decodeURIComponent(first)}/` : undefined;
}

/** Records every request the cloud answers and the peak use of every quota it enforces. */
function instrument(sd: LocalStackdrop) {
  const { cloud } = sd;
  const calls: FleetCall[] = [];
  const handle = cloud.handle;
  cloud.handle = async (req) => {
    const at = cloud.clock.now();
    const response = await handle.call(cloud, req);
    const service = signingName(req.headers);
    calls.push({
      at,
      service,
      operation: operationOf(req, service),
      ...(service === 's3' ? { prefix: s3Prefix(req.path) } : {}),
      statusCode: response.statusCode,
    });
    return response;
  };
  const quotaPeaks: Partial<Record<QuotaName, number>> = {};
  const enforce = cloud.quotas.enforce.bind(cloud.quotas);
  cloud.quotas.enforce = (name, used, error) => {
    enforce(name, used, error);
    quotaPeaks[name] = Math.max(quotaPeaks[name] ?? 0, used + 1);
  };
  return { calls, quotaPeaks };
}

const count = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

/**
 * Provisions `projects.length` copies of the example manifest at once on a fresh stackdrop whose
 * account has `quotas` raised, and checks the invariants.
 */
export async function provisionFleet(
  projects: string[],
  quotas: Record<string, number>,
  options: { timeoutMs?: number } = {},
): Promise<FleetReport> {
  const started = performance.now();
  const sd = await startStackdrop({
    speed: 'instant',
    quotas,
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
  });
  const session = new LocalSession(sd);
  try {
    const { calls, quotaPeaks } = instrument(sd);
    const arn = sd.outputs.ProvisionStateMachineArn!;
    const dropAt = session.now();
    // Every upload lands at the same virtual instant, as a burst of `stackdrop deploy`s would.
    await session.act(() =>
      Promise.all(
        projects.map((p) =>
          session.s3.send(
            new PutObjectCommand({
              Bucket: session.bucket,
              Key: `manifests/${p}-${ENVIRONMENT}.yaml`,
              Body: manifestFor(p),
              ContentType: 'application/yaml',
            }),
          ),
        ),
      ),
    );
    const executions = await waitForExecutions(sd, arn, projects.length, options.timeoutMs ?? 600_000);
    await sd.drain();
    const answered = calls.length; // the checks below read over the wire too; they are not the fleet's
    const byProject = new Map(executions.map((e) => [projectOf(e), e]));
    const violations: string[] = [];
    if (byProject.size !== projects.length)
      violations.push(`${executions.length} executions for ${projects.length} projects`);
    let statusVersions = 0;
    for (const p of projects) {
      const e = byProject.get(p);
      if (e?.status !== 'SUCCEEDED') violations.push(`${p}: execution ${e?.status ?? 'missing'}`);
      const doc = await session.status(p, ENVIRONMENT);
      if (doc?.phase !== 'ready') violations.push(`${p}: status ${doc?.phase ?? 'missing'}`);
      const versions = statusVersionsOf(session, p);
      statusVersions += versions.length;
      violations.push(...checkStatusVersions(p, versions));
      const turn = await readTurn(sd, p);
      violations.push(...checkTurnReleased(p, turn, e?.executionArn));
    }
    const lambda: FleetReport['lambda'] = { invocations: 0, byFunction: {}, errors: {}, startedAt: [] };
    const logicalIds = new Map(sd.plan.functions.map((f) => [f.name, f.logicalId]));
    if (sd.lambda.invocations.length >= 5000) violations.push('more than 5,000 invocations: counts cut');
    for (const inv of sd.lambda.invocations) {
      lambda.invocations++;
      lambda.startedAt.push(inv.startedAt);
      count(lambda.byFunction, logicalIds.get(inv.functionName) ?? inv.functionName);
      if (inv.error) count(lambda.errors, inv.error.split(':')[0]!);
    }
    const taskFailures: Record<string, number> = {};
    for (const e of executions)
      for (const h of e.history)
        if (h.type === 'TaskFailed' || h.type === 'LambdaFunctionFailed')
          count(taskFailures, String(h.details.error ?? 'unknown'));
    return {
      projects,
      wallMs: performance.now() - started,
      dropAt,
      executions,
      makespansMs: projects.map((p) => (byProject.get(p)?.stopDate?.getTime() ?? Number.NaN) - dropAt),
      calls: calls.slice(0, answered),
      quotaPeaks,
      quotasRaised: Object.fromEntries(Object.entries(quotas).map(([k, v]) => [findQuota(k)?.name ?? k, v])),
      lambda,
      cloudFormation: operationSpans(sd),
      taskFailures,
      transitions: executions.reduce((n, e) => n + e.transitions, 0),
      violations,
      statusVersions,
    };
  } finally {
    session.destroy();
    await sd.stop();
  }
}

/** In-progress → final spans of stack operations (the stack's own events) and resource operations. */
function operationSpans(sd: LocalStackdrop): FleetReport['cloudFormation'] {
  const stacks: Array<[number, number]> = [];
  const resources: Array<[number, number]> = [];
  for (const stack of sd.cloudFormation.stacks.values()) {
    if (!stack.stackName.startsWith('stackdrop-') || stack.stackName === sd.plan.stackName) continue;
    const open = new Map<string, number>();
    for (const e of stack.events) {
      const own = e.LogicalResourceId === stack.stackName;
      const id = own ? '' : e.LogicalResourceId;
      if (e.ResourceStatus.endsWith('_IN_PROGRESS')) {
        if (!open.has(id)) open.set(id, e.Timestamp.getTime());
      } else if (open.has(id)) {
        (own ? stacks : resources).push([open.get(id)!, e.Timestamp.getTime()]);
        open.delete(id);
      }
    }
  }
  return { stacks, resources };
}

function projectOf(e: Execution): string {
  const key = /"key":"manifests\/([^"]+)-production\.yaml"/.exec(e.input)?.[1];
  return key ?? e.executionArn;
}

/** Waits (real time) until `n` provisioning executions exist and all have ended. */
async function waitForExecutions(
  sd: LocalStackdrop,
  arn: string,
  n: number,
  timeoutMs: number,
): Promise<Execution[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await sd.drain();
    const all = [...sd.stepFunctions.executions.values()].filter((e) => e.stateMachineArn === arn);
    if (all.length >= n && all.every((e) => e.status !== 'RUNNING')) return all;
    if (performance.now() > deadline)
      throw new Error(
        `after ${timeoutMs} ms: ${all.length} of ${n} executions, ${all.filter((e) => e.status === 'RUNNING').length} running`,
      );
    const running = all.filter((e) => e.status === 'RUNNING');
    if (running.length > 0) await Promise.race([Promise.all(running.map((e) => e.done)), sleep(1000)]);
    else await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every version of a project's status document, in the order S3 stored them (the bucket is
 * versioned; many share one virtual instant, so LastModified cannot order them).
 */
function statusVersionsOf(session: LocalSession, project: string): StatusDocument[] {
  const key = `status/${project}-${ENVIRONMENT}.json`;
  const stored = session.sd.cloud.s3.bucket(session.bucket).objects.get(key) ?? [];
  return stored.filter((v) => !v.deleteMarker).map((v) => JSON.parse(v.body.toString('utf8')));
}

async function readTurn(sd: LocalStackdrop, project: string): Promise<TurnFile | undefined> {
  const v = sd.cloud.s3.currentObject(sd.outputs.BucketName!, `turns/${project}-${ENVIRONMENT}.json`);
  return v ? (JSON.parse(v.body.toString('utf8')) as TurnFile) : undefined;
}
