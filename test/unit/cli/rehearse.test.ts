import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateProvisioning, formatEstimate, templateCriticalPath } from '#cli/commands/rehearse.ts';
import { planStacks } from '#cli/stacks.ts';
import { createUi } from '#cli/ui.ts';
import { Durations } from '#local/durations.ts';
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
    expect(path.resources).toBe(5);
  });

  it('leaves out resources whose condition is false for these parameters', () => {
    const path = templateCriticalPath(parseCfnTemplate(NETWORK), { NatGateways: 'none' }, durations);
    expect(path.resources).toBe(2);
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
  it('runs database and edge in parallel after the network and the app after both', async () => {
    const stacks = planStacks(parseManifestOrThrow(VALID_MANIFEST, 'acme.yaml'));
    const estimate = await estimateProvisioning(stacks, durations, readTemplate);
    const byStage = Object.fromEntries(estimate.stages.map((s) => [s.stage, s]));
    const network = 136_000;
    expect(byStage.network).toMatchObject({ startMs: 0, durationMs: network });
    expect(byStage.database).toMatchObject({ startMs: network, durationMs: 14 * min });
    expect(byStage.edge).toMatchObject({ startMs: network, durationMs: 150_000 });
    expect(byStage.app).toMatchObject({ startMs: network + 14 * min, durationMs: 152_000 });
    expect(estimate.totalMs).toBe(network + 14 * min + 152_000);
    expect(estimate.criticalPath).toEqual(['network', 'database', 'app']);
    expect(formatEstimate('acme', 'production', estimate, style).join('\n')).toMatchInlineSnapshot(`
      "Rehearsal of acme/production: manifest valid, 4 stacks rendered

        network   starts      0s  takes  2m 16s  5 resources  (NAT gateway 1m 50s)
        database  starts  2m 16s  takes 14m 00s  3 resources  (Aurora cluster 3m 00s → Aurora instance 11m 00s)
        edge      starts  2m 16s  takes  2m 30s  1 resource  (load balancer 2m 30s)
        app       starts 16m 16s  takes  2m 32s  2 resources  (ECS service 2m 30s)

      Estimated first provisioning on AWS: 18m 48s; critical path network → database → app
      Estimated from published AWS durations (local/durations.ts), not a run: the full offline rehearsal
      (CloudFormation engine, state machines, fault scenarios) comes with local cloud part 2."
    `);
  });
});

describe('stackdrop rehearse', () => {
  it('validates, renders and estimates, as JSON, saying it is not a simulation', async () => {
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('rehearse', 'acme.yaml', '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(['project', 'environment', 'stacks', 'estimate', 'simulated']);
    expect(body.simulated).toBe(false);
    expect(body.estimate.criticalPath).toEqual(['network', 'database', 'app']);
  });

  it('says plainly that the full offline run comes with local cloud part 2', async () => {
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('rehearse', 'acme.yaml');
    expect(result.stdout).toContain('not a run: the full offline rehearsal');
    expect(result.stdout).toContain('comes with local cloud part 2');
  });

  it('refuses an invalid manifest, exit 1', async () => {
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), 'version: 1\n');
    expect((await h.run('rehearse', 'acme.yaml')).code).toBe(1);
  });
});
