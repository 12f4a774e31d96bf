// Reaper pass over 10,000 managed instances of which 200 have expired: API calls made and wall time.
// EC2, S3 and EventBridge are in-memory fakes (test/unit/bastion/fake-cloud.ts) paging 1,000
// instances per DescribeInstances call like EC2, so the numbers measure the reaper's own work and
// the number of round trips it needs, not AWS latency. Run: npm exec -- node bench/reaper.bench.ts
import { median, provenance, range, writeResults } from './lib.ts';

process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIAIOSFODNN7EXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const { EC2Client } = await import('@aws-sdk/client-ec2');
const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
const { S3Client } = await import('@aws-sdk/client-s3');
const { mockClient } = await import('aws-sdk-client-mock');
const { ec2, events, s3 } = await import('#shared/aws.ts');
const { reapBastions } = await import('#shared/bastion/reap.ts');
const { ROLE_BASTION_ACCESS, TAG_ACCESS_GROUP, TAG_ROLE, TERMINATE_BATCH_SIZE } = await import(
  '#shared/bastion/constants.ts'
);
const { logger } = await import('#shared/logger.ts');
const { TAG_EXPIRES_AT, TAG_MANAGED } = await import('#shared/naming.ts');
const { FakeEc2, FakeS3 } = await import('#test/unit/bastion/fake-cloud.ts');
const { bastion, iid, openRecord, readyStatus } = await import('#test/unit/bastion/helpers.ts');

const INSTANCES = 10_000;
const EXPIRED = 200;
const PROJECTS = 20;
const PAGE = 1000;
const RUNS = 7;
const NOW = new Date('2026-11-26T08:05:00Z');
const PAST = '2026-11-26T08:00:00Z';
const FUTURE = '2026-11-26T12:00:00Z';

const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(EventBridgeClient);

function seed() {
  ec2Mock.reset();
  s3Mock.reset();
  eventsMock.reset();
  const cloud = new FakeEc2();
  cloud.pageSize = PAGE;
  cloud.install(ec2Mock);
  const store = new FakeS3();
  store.install(s3Mock);
  eventsMock.on(PutEventsCommand).callsFake((input) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map(() => ({ EventId: 'e' })),
  }));
  const records = new Map<string, ReturnType<typeof openRecord>[]>();
  // Every 50th instance has expired; a quarter of the expired are ssh bastions with an access group.
  for (let n = 0; n < INSTANCES; n++) {
    const expired = n % (INSTANCES / EXPIRED) === 0;
    const project = `p${Math.floor(n / (INSTANCES / PROJECTS))}`;
    const id = iid(n + 1);
    const group = expired && n % 4 === 0 ? `sg-${n}` : undefined;
    cloud.add(
      bastion(id, expired ? PAST : FUTURE, {
        project,
        ...(group ? { groups: [group], tags: { [TAG_ACCESS_GROUP]: group } } : {}),
      }),
    );
    if (group) {
      cloud.addGroup(group, [
        { Key: TAG_MANAGED, Value: 'true' },
        { Key: TAG_ROLE, Value: ROLE_BASTION_ACCESS },
        { Key: TAG_EXPIRES_AT, Value: PAST },
      ]);
    }
    if (expired) records.set(project, [...(records.get(project) ?? []), openRecord(id, PAST)]);
  }
  for (const [project, list] of records) {
    store.put(`status/${project}-production.json`, JSON.stringify(readyStatus(list, project)));
  }
  return { cloud, store };
}

function callCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const mock of [ec2Mock, s3Mock, eventsMock]) {
    for (const call of mock.calls()) {
      const name = (call.args[0] as object).constructor.name.replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

const times: number[] = [];
let counts: Record<string, number> = {};
let outcome = { terminated: 0, recorded: 0 };
for (let run = 0; run < RUNS; run++) {
  seed();
  const started = performance.now();
  const result = await reapBastions({ ec2, s3, events, logger, now: () => NOW, bucket: 'bench-bucket' });
  times.push(performance.now() - started);
  counts = callCounts();
  outcome = { terminated: result.terminated.length, recorded: result.recorded.length };
  if (result.terminated.length !== EXPIRED || result.recorded.length !== EXPIRED) {
    throw new Error(`Reaper terminated ${result.terminated.length} and recorded ${result.recorded.length}`);
  }
}

const total = Object.values(counts).reduce((a, b) => a + b, 0);

const report = `# Reaper benchmark

${provenance('reaper').join('\n')}
- Scenario: ${INSTANCES.toLocaleString('en')} managed bastion instances over ${PROJECTS} projects, ${EXPIRED} expired
  (${EXPIRED / 4} of them ssh bastions with an expired access group), EC2 paging ${PAGE} instances per
  DescribeInstances call, terminate batch size ${TERMINATE_BATCH_SIZE}. EC2, S3 and EventBridge are in-memory fakes
  (\`test/unit/bastion/fake-cloud.ts\`), so the time is the reaper's own work plus the fakes, not AWS latency.
- The machine is shared with other processes while the benchmark runs, which accounts for most of the spread.

## Result (${RUNS} runs)

| measure | value |
|---|---|
| instances terminated / expiries recorded | ${outcome.terminated} / ${outcome.recorded} |
| API calls per pass | ${total} |
| wall time, median | ${median(times).toFixed(1)} ms |
| wall time, min – max | ${range(times, (x) => x.toFixed(1))} ms |

API calls by operation:

| operation | calls |
|---|---|
${Object.entries(counts)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, n]) => `| ${name} | ${n} |`)
  .join('\n')}

Reading: the pass is bound by round trips, not computation. With every call made one after the other, at
an assumed 50–150 ms per AWS call the same pass would take about ${((total * 50) / 1000).toFixed(1)}–${((total * 150) / 1000).toFixed(1)} s,
well inside a 5-minute schedule. The access groups of the bastions a pass terminates are deleted by the next
pass: EC2 refuses to delete a group while its instance is still shutting down (the fake models that), so the
reaper skips groups still attached to a listed instance instead of spending a failing call on each.
`;

writeResults('reaper', report);
console.log(report);
