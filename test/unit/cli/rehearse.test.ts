import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  estimateProvisioning,
  FAULT_NAMES,
  formatEstimate,
  formatRehearsalReport,
  type RehearsalReport,
  rehearsalExitCode,
  templateCriticalPath,
} from '#cli/commands/rehearse.ts';
import { planStacks } from '#cli/stacks.ts';
import { createUi } from '#cli/ui.ts';
import { Durations } from '#local/durations.ts';
import { FAULT_SCENARIOS } from '#local/rehearse.ts';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { harness, VALID_MANIFEST } from './helpers.ts';

const min = 60_000;
const durations = new Durations();
const style = createUi({ write: () => true }, { write: () => true }, {}).style;

const NETWORK = `
Parameters:
  NatGateways: { Type: String, Default: per-az }
Conditions:
  HasNat: !Not [!Equals [!Ref NatGateways, none]]
Resources:
  Vpc: { Type: AWS::EC2::VPC }
  Subnet: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc } }
  Eip: { Type: AWS::EC2::EIP, Condition: HasNat }
  Nat: { Type: AWS::EC2::NatGateway, Condition: HasNat, Properties: { SubnetId: !Ref Subnet, AllocationId: !GetAtt Eip.AllocationId } }
  Route: { Type: AWS::EC2::Route, Condition: HasNat, Properties: { NatGatewayId: !Ref Nat } }
  IsolatedSubnet1: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc } }
  IsolatedSubnet2: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc } }
  DatabaseSecurityGroup: { Type: AWS::EC2::SecurityGroup, Properties: { VpcId: !Ref Vpc } }
  AppSecurityGroup: { Type: AWS::EC2::SecurityGroup, Properties: { VpcId: !Ref Vpc } }
`;
const DATABASE = `
Resources:
  Cluster: { Type: AWS::RDS::DBCluster }
  Writer: { Type: AWS::RDS::DBInstance, Properties: { DBClusterIdentifier: !Ref Cluster } }
  Secret: { Type: AWS::SecretsManager::Secret, Properties: { Name: !Sub '\${Cluster}-secret' } }
`;
const EDGE = 'Resources:\n  Alb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer }\n';
const APP =
  'Resources:\n  Web: { Type: AWS::ECS::Service, DependsOn: [Task] }\n  Task: { Type: AWS::ECS::TaskDefinition }\n';
const TEMPLATES: Record<string, string> = {
  'templates/network.yaml': NETWORK,
  'templates/database.yaml': DATABASE,
  'templates/edge.yaml': EDGE,
  'templates/app.yaml': APP,
};
const readTemplate = async (file: string) => TEMPLATES[file]!;

describe('templateCriticalPath', () => {
  it('follows Ref, GetAtt, Sub and DependsOn to the longest chain', () => {
    const path = templateCriticalPath(parseCfnTemplate(NETWORK), { NatGateways: 'per-az' }, durations);
    expect(path.criticalResources.map((r) => r.logicalId)).toEqual(['Vpc', 'Subnet', 'Nat', 'Route']);
    expect(path.durationMs).toBe(5_000 + 16_000 + 110_000 + 5_000);
    expect(path.resources).toBe(9);
  });

  it('leaves out resources whose condition is false for these parameters', () => {
    const path = templateCriticalPath(parseCfnTemplate(NETWORK), { NatGateways: 'none' }, durations);
    expect(path.resources).toBe(6);
    expect(path.durationMs).toBe(21_000);
  });

  it('counts in resources whose condition it cannot evaluate, and says so', () => {
    const template = parseCfnTemplate(`
Conditions:
  InUsEast: !Equals [!Ref 'AWS::Region', us-east-1]
Resources:
  Cert: { Type: AWS::CertificateManager::Certificate, Condition: InUsEast }
`);
    const path = templateCriticalPath(template, {}, durations);
    expect(path.resources).toBe(1);
    expect(path.unresolvedConditions).toEqual(['InUsEast']);
  });
});

describe('estimateProvisioning', () => {
  it("starts the database at the network's milestone, the edge after the network and the app at the cluster's milestone after the edge", async () => {
    const stacks = planStacks(parseManifestOrThrow(VALID_MANIFEST, 'acme.yaml'));
    const estimate = await estimateProvisioning(stacks, durations, readTemplate);
    const byStage = Object.fromEntries(estimate.stages.map((s) => [s.stage, s]));
    const network = 136_000;
    // VPC 5 s → isolated subnets 16 s: the database's subnets exist 21 s in; the NAT chain goes on.
    const core = 21_000;
    // The app template is synthesised from the manifest (not read through readTemplate).
    const app = stacks.find((s) => s.stage === 'app')!;
    const appMs = templateCriticalPath(
      parseCfnTemplate(app.templateBody!),
      app.parameters,
      durations,
    ).durationMs;
    expect(appMs).toBeGreaterThan(60_000);
    expect(byStage.network).toMatchObject({ startMs: 0, durationMs: network });
    expect(byStage.database).toMatchObject({ startMs: core, durationMs: 14 * min });
    expect(byStage.edge).toMatchObject({ startMs: network, durationMs: 150_000 });
    // The cluster exists at core + 3 min, before the edge is done: the app waits for the edge.
    expect(byStage.app).toMatchObject({ startMs: network + 150_000, durationMs: appMs });
    expect(estimate.totalMs).toBe(core + 14 * min);
    expect(estimate.criticalPath).toEqual(['network', 'database']);
    expect(formatEstimate('acme', 'production', estimate, style).join('\n')).toMatchInlineSnapshot(`
      "Rehearsal of acme/production: manifest valid, 4 stacks rendered

        network   starts      0s  takes  2m 16s  9 resources  (NAT gateway 1m 50s)
        database  starts     21s  takes 14m 00s  3 resources  (Aurora cluster 3m 00s → Aurora instance 11m 00s)
        edge      starts  2m 16s  takes  2m 30s  1 resource  (load balancer 2m 30s)
        app       starts  4m 46s  takes  2m 40s  14 resources  (ECS service 2m 30s)

      Estimated first provisioning on AWS: 14m 21s; critical path network → database
      Estimated from the rendered templates and published AWS durations (local/durations.ts), not a run:
      drop --estimate to rehearse it on the local cloud (state machines, functions, fault scenarios)."
    `);
  });
});

describe('estimateProvisioning with a cache', () => {
  it("starts the app when the whole database stack is done: the cache's endpoint comes only at its end", async () => {
    const stacks = planStacks(
      parseManifestOrThrow(`${VALID_MANIFEST}cache:\n  engine: valkey\n`, 'acme.yaml'),
    );
    expect(stacks.find((s) => s.stage === 'database')?.parameters.CacheEngine).toBe('valkey');
    const estimate = await estimateProvisioning(stacks, durations, readTemplate);
    const byStage = Object.fromEntries(estimate.stages.map((s) => [s.stage, s]));
    expect(byStage.database).toMatchObject({ startMs: 21_000, durationMs: 14 * min });
    expect(byStage.app!.startMs).toBe(byStage.database!.finishMs);
    expect(estimate.criticalPath).toEqual(['network', 'database', 'app']);
  });
});

describe('stackdrop rehearse --estimate', () => {
  it('validates, renders and estimates without running anything, as JSON, saying it is not a simulation', async () => {
    // Prepare
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);

    // Act
    const result = await h.run('rehearse', 'acme.yaml', '--estimate', '--json');

    // Assess
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(['project', 'environment', 'stacks', 'estimate', 'simulated']);
    expect(body.simulated).toBe(false);
    expect(body.estimate.criticalPath).toEqual(['network', 'database']);
  });

  it('says plainly that it is an estimate and how to run the rehearsal', async () => {
    // Prepare
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);

    // Act
    const result = await h.run('rehearse', 'acme.yaml', '--estimate');

    // Assess
    expect(result.stdout).toContain('not a run:');
    expect(result.stdout).toContain('drop --estimate to rehearse it on the local cloud');
  });

  it('refuses --estimate together with --fault, exit 1', async () => {
    // Prepare
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);

    // Act
    const result = await h.run('rehearse', 'acme.yaml', '--estimate', '--fault', 'throttled');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--estimate runs nothing');
  });
});

describe('stackdrop rehearse', () => {
  it('refuses an invalid manifest with its problems, exit 1, before starting a local cloud', async () => {
    // Prepare
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), 'version: 1\n');

    // Act
    const result = await h.run('rehearse', 'acme.yaml');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^✗ acme\.yaml: \d+ problems?\n/);
  });

  it('refuses an unknown fault scenario, exit 1, listing the valid ones', async () => {
    // Prepare
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);

    // Act
    const result = await h.run('rehearse', 'acme.yaml', '--fault', 'disk full', '--fault', 'throttled');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      '✗ Unknown fault scenario "disk full". Choose from: "database fails", "network fails", "app fails", "stack event lost", "throttled", "deploy crashes", "release fails".\n',
    );
  });

  it('knows exactly the fault scenarios the local rehearsal knows', () => {
    expect(FAULT_NAMES).toEqual(FAULT_SCENARIOS.map((s) => s.name));
  });

  it('lists the fault scenarios in --help', async () => {
    // Act
    const result = await harness().run('rehearse', '--help');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"deploy crashes"');
    expect(result.stdout).toContain('$ stackdrop rehearse stackdrop.yaml --fault "database fails"');
  });
});

const readyReport: RehearsalReport = {
  manifest: 'stackdrop.yaml',
  project: 'acme',
  environment: 'production',
  faults: ['deploy crashes'],
  manifestProblems: [],
  outcome: 'ready',
  stages: [
    {
      stage: 'network',
      stackName: 'stackdrop-acme-production-network',
      status: 'CREATE_COMPLETE',
      resources: 3,
      resourceTypes: { 'AWS::EC2::Subnet': 2, 'AWS::EC2::NatGateway': 1 },
      startMs: 0,
      durationMs: 140_000,
    },
    {
      stage: 'database',
      stackName: 'stackdrop-acme-production-database',
      status: 'CREATE_COMPLETE',
      resources: 2,
      resourceTypes: { 'AWS::RDS::DBCluster': 1, 'AWS::RDS::DBInstance': 1 },
      startMs: 140_000,
      durationMs: 843_000,
    },
  ],
  expectedDurationMs: 1_145_000,
  criticalPath: ['network', 'database', 'app'],
  errors: ['deploy: web: ECS deployment circuit breaker: tasks failed their health checks'],
  deploy: { outcome: 'failed', reason: 'circuit breaker', durationMs: 315_000 },
  transitions: 13,
  wallMs: 1234.5,
};

describe('formatRehearsalReport', () => {
  it('shows the plan, the expected duration, the deploy, every error and the outcome, without wall time', () => {
    // Act
    const text = formatRehearsalReport(readyReport, style).join('\n');

    // Assess
    expect(text).toMatchInlineSnapshot(`
      "Rehearsal of stackdrop.yaml (acme/production, fault: "deploy crashes")
      Run offline on stackdrop's own state machines and functions, with published AWS durations on a virtual clock.

      Plan
        STAGE     STATUS                  STARTS    TAKES  RESOURCES
        network   CREATE_COMPLETE             0s   2m 20s    3  2× subnet, 1× NAT gateway
        database  CREATE_COMPLETE         2m 20s  14m 03s    2  1× Aurora cluster, 1× Aurora instance

      Expected first provisioning on AWS: 19m 05s; critical path network → database → app
      Deploy on push: failed after 5m 15s

      Errors the real run would hit
        ✗ deploy: web: ECS deployment circuit breaker: tasks failed their health checks

      Outcome: provisioning ready; the deploy failed — the services keep running the previous image"
    `);
  });

  it('names the stage where provisioning failed', () => {
    // Prepare
    const failed: RehearsalReport = {
      ...readyReport,
      faults: ['network fails'],
      outcome: 'failed',
      stages: [
        {
          ...readyReport.stages[0]!,
          status: 'ROLLBACK_COMPLETE',
          reason: 'NatGatewayLimitExceeded',
          failedResource: 'NatGateway1',
        },
      ],
      errors: ['network: NatGateway1: NatGatewayLimitExceeded'],
    };
    delete failed.deploy;

    // Act
    const text = formatRehearsalReport(failed, style).join('\n');

    // Assess
    expect(text).not.toContain('Expected first provisioning');
    expect(text).toContain('  ✗ network: NatGateway1: NatGatewayLimitExceeded');
    expect(text.split('\n').at(-1)).toBe('Outcome: provisioning failed at the network stage');
    expect(rehearsalExitCode(failed)).toBe(2);
  });

  it('exits 0 for a ready run, 2 for a failed deploy and 1 for an invalid manifest', () => {
    expect(rehearsalExitCode({ ...readyReport, deploy: undefined })).toBe(0);
    expect(rehearsalExitCode(readyReport)).toBe(2);
    expect(rehearsalExitCode({ ...readyReport, outcome: 'invalid' })).toBe(1);
  });
});
