// The local cloud's own costs, which bound the demo and the e2e suite: server start, first call of a
// protocol (loads the SDK schema), SDK round trips per protocol, and how fast the instant clock
// burns through timers. Run: npm exec -- node bench/local-cloud.bench.ts
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { VirtualClock } from '#local/clock.ts';
import { startLocalCloud } from '#local/kernel.ts';
import { median, provenance, range, writeResults } from './lib.ts';

const RUNS = 5;
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

type Scenario = { name: string; unit: string; run: () => Promise<number> };

const scenarios: Scenario[] = [
  {
    name: 'start a fresh cloud and answer its first EC2 call (SDK schemas already loaded by the process)',
    unit: 'ms',
    run: async () => {
      const start = performance.now();
      const running = await startLocalCloud({ speed: 0 });
      await new EC2Client({ endpoint: running.endpoint, region: 'eu-west-1', credentials }).send(
        new DescribeInstancesCommand({}),
      );
      const ms = performance.now() - start;
      await running.stop();
      return ms;
    },
  },
  {
    name: 'SQS send + receive + delete (awsJson), per message, 300 messages',
    unit: 'ms',
    run: async () => {
      const running = await startLocalCloud({ speed: 0 });
      const sqs = new SQSClient({ endpoint: running.endpoint, region: 'eu-west-1', credentials });
      const q = running.cloud.sqs.createQueue('bench');
      const url = running.cloud.sqs.queueUrl(q.name);
      const start = performance.now();
      for (let i = 0; i < 300; i++) {
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: got.Messages![0]!.ReceiptHandle }),
        );
      }
      const ms = (performance.now() - start) / 300;
      await running.stop();
      return ms;
    },
  },
  {
    name: 'S3 put + get (restXml), per object, 300 objects of 4 KiB',
    unit: 'ms',
    run: async () => {
      const running = await startLocalCloud({ speed: 0 });
      const s3 = new S3Client({
        endpoint: running.endpoint,
        region: 'eu-west-1',
        credentials,
        forcePathStyle: true,
      });
      running.cloud.s3.createBucket('bench-bucket', { versioning: true, eventBridge: true });
      const body = 'x'.repeat(4096);
      const start = performance.now();
      for (let i = 0; i < 300; i++) {
        await s3.send(new PutObjectCommand({ Bucket: 'bench-bucket', Key: `k${i % 10}`, Body: body }));
        await (
          await s3.send(new GetObjectCommand({ Bucket: 'bench-bucket', Key: `k${i % 10}` }))
        ).Body?.transformToString();
      }
      const ms = (performance.now() - start) / 300;
      await running.stop();
      return ms;
    },
  },
  {
    name: 'EC2 DescribeInstances of 50 instances (ec2Query XML from the SDK schema), per call, 100 calls',
    unit: 'ms',
    run: async () => {
      const running = await startLocalCloud({ speed: 0 });
      const { ec2 } = running.cloud;
      const vpc = ec2.createVpc({ CidrBlock: '10.0.0.0/16' });
      const subnet = ec2.createSubnet({ VpcId: vpc.VpcId, CidrBlock: '10.0.1.0/24' });
      ec2.runInstances({
        ImageId: 'ami-0a2b3c4d5e6f70819',
        MinCount: 50,
        MaxCount: 50,
        SubnetId: subnet.SubnetId,
      });
      const client = new EC2Client({ endpoint: running.endpoint, region: 'eu-west-1', credentials });
      await client.send(new DescribeInstancesCommand({}));
      const start = performance.now();
      for (let i = 0; i < 100; i++) await client.send(new DescribeInstancesCommand({}));
      const ms = (performance.now() - start) / 100;
      await running.stop();
      return ms;
    },
  },
  {
    name: 'instant clock: 2,000 timers at distinct times (e.g. resources finishing), total',
    unit: 'ms',
    run: async () => {
      const clock = new VirtualClock({ start: 0, speed: 'instant' });
      let fired = 0;
      const done = new Promise<void>((resolve) => {
        for (let i = 1; i <= 2000; i++) {
          clock.setTimer(i * 1000, () => {
            fired++;
            if (fired === 2000) resolve();
          });
        }
      });
      const start = performance.now();
      await done;
      return performance.now() - start;
    },
  },
  {
    name: 'manual clock: advance through 2,000 timers, total',
    unit: 'ms',
    run: async () => {
      const clock = new VirtualClock({ start: 0, speed: 0 });
      for (let i = 1; i <= 2000; i++) clock.setTimer(i * 1000, () => undefined);
      const start = performance.now();
      await clock.advance(2000 * 1000);
      return performance.now() - start;
    },
  },
];

const rows: string[] = [];
for (const scenario of scenarios) {
  await scenario.run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await scenario.run());
  rows.push(
    `| ${scenario.name} | ${median(samples).toFixed(2)} ${scenario.unit} | ${range(samples, (x) => x.toFixed(2))} ${scenario.unit} |`,
  );
  console.log(rows.at(-1));
}

const report = `# Local cloud benchmark

${provenance('local-cloud').join('\n')}
- What: real SDK v3 clients over HTTP on 127.0.0.1 against \`startLocalCloud()\`, and the virtual
  clock on its own. One warm-up, then ${RUNS} timed runs of each scenario. The machine is shared
  with other processes, which accounts for most of the spread.

## Result (${RUNS} runs)

| scenario | median | min – max |
|---|---|---|
${rows.join('\n')}

The first call of a protocol in a process also loads that SDK client's schemas (\`import\` of the
client package, ~150 ms for EC2, the largest); every later cloud in the process reuses them.
The instant clock waits \`idleMs\` (3 ms) of quiet after the last HTTP request before a jump, so a
client between two requests is not overtaken; with no request in that window it jumps at once, and
it runs every timer due at the same instant together.
`;
writeResults('local-cloud', report);
console.log('wrote bench/results/local-cloud.md');
