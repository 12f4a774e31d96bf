#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { ClockSpeed } from './clock.ts';
import { startLocalCloud } from './kernel.ts';

/**
 * `node local/cli.ts [--port 4566] [--speed auto|instant|0|N] [--region eu-west-1] [--account 000000000000] [--quota L-F678F1CE=10 ...]`
 * starts the local cloud and prints its endpoint, for `aws --endpoint-url` and AWS_ENDPOINT_URL.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    speed: { type: 'string', default: 'auto' },
    region: { type: 'string', default: 'eu-west-1' },
    account: { type: 'string', default: '000000000000' },
    quota: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'Usage: node local/cli.ts [--port 4566] [--speed auto|instant|0|N] [--region eu-west-1] [--account 000000000000]\n' +
      '  --speed  auto (default) = instant while work is under way, real time otherwise; 0 = manual\n' +
      '           (POST /_local/clock/advance); N = N× real time; instant = jump to the next timer when idle\n' +
      '  --quota  CODE=N sets a service quota (e.g. L-F678F1CE=10 for 10 VPCs); repeatable; AWS defaults otherwise\n',
  );
  process.exit(0);
}

const speed: ClockSpeed =
  values.speed === 'instant' || values.speed === 'auto' ? values.speed : Number(values.speed);
if (typeof speed === 'number' && !(Number.isFinite(speed) && speed >= 0)) {
  process.stderr.write(`--speed must be auto, instant or a number >= 0, got ${values.speed}\n`);
  process.exit(2);
}

const quotas: Record<string, number> = {};
for (const entry of values.quota) {
  const [code, value] = entry.split('=');
  if (!code || value === undefined || !Number.isFinite(Number(value))) {
    process.stderr.write(`--quota takes CODE=N (e.g. L-F678F1CE=10), got ${entry}\n`);
    process.exit(2);
  }
  quotas[code] = Number(value);
}

const running = await startLocalCloud({
  quotas,
  port: Number(values.port),
  speed,
  region: values.region,
  accountId: values.account,
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
process.stdout.write(
  `local cloud listening on ${running.endpoint} (region ${values.region}, account ${values.account}, clock speed ${speed})\n` +
    `  export AWS_ENDPOINT_URL=${running.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${values.region}\n` +
    `  aws --endpoint-url ${running.endpoint} s3api list-buckets\n` +
    `  aws --endpoint-url ${running.endpoint} cloudformation list-stacks\n`,
);

const shutdown = () => {
  void running.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
