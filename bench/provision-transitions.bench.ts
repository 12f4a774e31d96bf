// State transitions per full provisioning, counted from the executed provision state machine
// (aws-local-stepfunctions event log: states entered plus retries, as Step Functions bills them),
// at typical stack durations and at 10× those durations. Target (DESIGN.md §6): ≤ 60 and
// independent of how long stacks take, because stack waits are event-driven (task tokens), not
// polling loops. Run: npm exec -- node bench/provision-transitions.bench.ts
import { median, provenance, range, writeResults } from './lib.ts';

process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIAIOSFODNN7EXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const { createWorld, ACME_MANIFEST, TYPICAL_SECONDS } = await import('#test/helpers/provision-world.ts');
const { countTransitions, statesEntered } = await import('#test/helpers/sfn-harness.ts');

const RUNS = 5;
const TARGET = 60;
// One simulated minute per real millisecond: 10× Aurora (150 simulated minutes) takes 150 ms.
const SCALE = 1 / 60;

interface Scenario {
  name: string;
  factor: number;
  rerun: boolean;
  /** Lose the network stack's completion event (recovered by the wait's timeout and one check). */
  lose?: boolean;
}
const scenarios: Scenario[] = [
  { name: 'first provisioning, typical durations (1×)', factor: 1, rerun: false },
  { name: 'first provisioning, 10× durations', factor: 10, rerun: false },
  { name: 'unchanged re-run (no-op updates), 1×', factor: 1, rerun: true },
  { name: 'unchanged re-run (no-op updates), 10×', factor: 10, rerun: true },
  { name: 'first provisioning, 1×, network completion event lost', factor: 1, rerun: false, lose: true },
];

const rows: { scenario: Scenario; counts: number[] }[] = [];
let failures = 0;
for (const scenario of scenarios) {
  const counts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const world = await createWorld({ scale: SCALE, durationFactor: scenario.factor });
    if (scenario.rerun) await world.run(world.upload(ACME_MANIFEST));
    if (scenario.lose) {
      world.cfn.dropEvent = (stack, status) => stack.endsWith('-network') && status === 'CREATE_COMPLETE';
    }
    const execution = await world.run(world.upload(ACME_MANIFEST));
    world.dispose();
    if (execution.status !== 'SUCCEEDED') {
      failures++;
      console.error(`${scenario.name}: execution ${execution.status}`, execution.error);
    }
    if (!scenario.lose && statesEntered(execution).some((s) => s.startsWith('Check '))) {
      console.warn(`${scenario.name}: a fallback check ran (the wait timed out)`);
    }
    counts.push(countTransitions(execution));
  }
  rows.push({ scenario, counts });
}

const worst = Math.max(...rows.flatMap((r) => r.counts));
const first1 = median(rows[0]!.counts);
const first10 = median(rows[1]!.counts);
const report = `# Provision state transitions

${provenance('provision-transitions').join('\n')}
- Method: the real \`statemachines/provision.asl.json\` executed by aws-local-stepfunctions with every Task
  bound to the real function handlers (test/helpers/sfn-harness.ts bridges \`.waitForTaskToken\`), AWS
  clients mocked behind an in-memory bucket and an in-memory CloudFormation whose final-status events
  reach the real stack-callback function. Transitions = states entered + retries (how Step Functions
  bills). Typical simulated durations (reference/aws-facts.md): network ${TYPICAL_SECONDS.network / 60} min,
  database ${TYPICAL_SECONDS.database / 60} min, edge ${TYPICAL_SECONDS.edge / 60} min, app ${TYPICAL_SECONDS.app / 60} min; 10× multiplies all of them.
- Time is scaled (1 simulated minute = 1 real ms); the task timeouts scale with it, so a 10× stack
  really outlasts more of its wait than a 1× one. Makespan is measured elsewhere (local cloud).

## Result (${RUNS} runs each; target ≤ ${TARGET}, flat)

| scenario | transitions, median | min – max |
|---|---|---|
${rows.map((r) => `| ${r.scenario.name} | ${median(r.counts)} | ${range(r.counts)} |`).join('\n')}

Reading: ${first1} transitions at typical durations and ${first10} at 10× — ${
  first1 === first10 ? 'identical' : 'different'
}: each stack costs one state (one task waiting on its token) however long CloudFormation takes. A
lost completion event costs one more state per fallback round (the wait times out after 4 h, the
check finds the stack final), at most 4 rounds per stack; on AWS the 5-minute sweep of
\`stack-callback\` usually completes the token first, at no transition (the harness does not run the
schedule). Worst run: ${worst} (${worst <= TARGET ? 'within' : 'OVER'} the target).
`;

writeResults('provision-transitions', report);
console.log(report);
if (failures > 0 || worst > TARGET) process.exit(1);
