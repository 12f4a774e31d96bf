import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  BatchGetImageCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ECSClient, ListClustersCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { certificateCovers, preflightClients, runPreflight } from '#cli/commands/preflight.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';

const rds = mockClient(RDSClient);
const acm = mockClient(ACMClient);
const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const quotas = mockClient(ServiceQuotasClient);
const ec2 = mockClient(EC2Client);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ecr = mockClient(ECRClient);
const route53 = mockClient(Route53Client);
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf';
const manifest = parseManifestOrThrow(
  `version: 1
project: acme
app:
  domain: shop.example.com
  redirectWww: true
  certificateArn: ${CERT}
  secrets:
    APP_KEY: ${SECRET}
    MAIL_PASSWORD: arn:aws:ssm:eu-west-1:123456789012:parameter/stackdrop/acme/production/MAIL_PASSWORD
`,
  'acme.yaml',
);
const clients = preflightClients({ region: 'eu-west-1' });
const run = (existing: string[] = []) =>
  runPreflight(manifest, clients, { region: 'eu-west-1', existing: new Set(existing as never[]) });
const byCheck = async (existing?: string[]) =>
  Object.fromEntries((await run(existing)).map((c) => [c.check, c]));

function healthyAccount() {
  route53.reset();
  route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
  rds.on(DescribeDBEngineVersionsCommand).resolves({
    DBEngineVersions: [{ Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.10.3' }],
  });
  rds
    .on(DescribeOrderableDBInstanceOptionsCommand)
    .resolves({ OrderableDBInstanceOptions: [{ DBInstanceClass: 'db.t4g.medium' }] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  acm.on(DescribeCertificateCommand).resolves({
    Certificate: {
      Status: 'ISSUED',
      DomainName: 'shop.example.com',
      SubjectAlternativeNames: ['*.shop.example.com'],
    },
  });
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/acme/mail' } });
  ssm
    .on(DescribeParametersCommand)
    .resolves({ Parameters: [{ Name: '/acme/mail', KeyId: 'alias/aws/ssm' }] });
  ecs.on(ListClustersCommand).resolves({ clusterArns: [] });
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  iam.on(SimulateCustomPolicyCommand).callsFake((input) => ({
    EvaluationResults: [{ EvalActionName: input.ActionNames[0], EvalDecision: 'allowed' }],
  }));
  quotas
    .on(GetServiceQuotaCommand)
    .callsFake((input) => ({ Quota: { QuotaCode: input.QuotaCode, Value: 5 } }));
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  const missing = () => Object.assign(new Error('not found'), { name: 'RepositoryNotFoundException' });
  ecr.on(DescribeRepositoriesCommand).rejects(missing());
  ecr.on(BatchGetImageCommand).rejects(missing());
}

beforeEach(() => {
  for (const m of [rds, acm, sm, ssm, quotas, ec2, elbv2, ecr, iam, sts, ecs]) m.reset();
  healthyAccount();
});

describe('plan --live preflight', () => {
  it('passes on an account that can take the project, asking the right questions', async () => {
    const checks = await run();
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual([
      'engine version',
      'certificate',
      'hosted zone',
      'secret APP_KEY',
      'secret MAIL_PASSWORD',
      'quota VPCs per Region',
      'quota EC2-VPC Elastic IPs',
      'quota NAT gateways per Availability Zone',
      'quota Gateway VPC endpoints per Region',
      'quota Application Load Balancers per Region',
      'quota DB clusters',
      'quota DB instances',
      'quota Fargate On-Demand vCPU resource count',
      'repository',
      'image platform',
    ]);
    expect(rds).toHaveReceivedCommandWith(DescribeOrderableDBInstanceOptionsCommand, {
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.10.3',
      DBInstanceClass: 'db.t4g.medium',
    });
    expect(quotas).toHaveReceivedCommandWith(GetServiceQuotaCommand, {
      ServiceCode: 'vpc',
      QuotaCode: 'L-F678F1CE',
    });
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/stackdrop/acme/production/MAIL_PASSWORD',
    });
  });

  it('fails an engine version the Region does not offer, with the command to list them', async () => {
    rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [] });
    const checks = await byCheck();
    expect(checks['engine version']).toMatchObject({
      ok: false,
      detail: 'aurora-mysql 8.0.mysql_aurora.3.10.3 is not available in eu-west-1',
      fix: expect.stringContaining(
        'aws rds describe-db-engine-versions --engine aurora-mysql --region eu-west-1',
      ),
    });
  });

  it('fails an instance class that cannot be ordered with the version', async () => {
    rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({ OrderableDBInstanceOptions: [] });
    expect((await byCheck())['engine version']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('cannot be ordered'),
    });
  });

  it.each([
    ['PENDING_VALIDATION', 'finish its DNS validation'],
    ['EXPIRED', 'request a new certificate'],
  ])('fails a certificate that is %s', async (status, fix) => {
    acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: { Status: status as never, DomainName: 'shop.example.com' } });
    expect((await byCheck()).certificate).toMatchObject({
      ok: false,
      detail: `the certificate is ${status}, not ISSUED`,
      fix: expect.stringContaining(fix),
    });
  });

  it('fails a certificate that does not cover www.<domain> when redirectWww is set', async () => {
    acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: { Status: 'ISSUED', DomainName: 'shop.example.com' } });
    expect((await byCheck()).certificate).toMatchObject({
      ok: false,
      detail: 'the certificate (shop.example.com) does not cover www.shop.example.com',
    });
  });

  it('fails a missing secret and a secret scheduled for deletion, with the fix', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET, DeletedDate: new Date() });
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
    const checks = await byCheck();
    expect(checks['secret APP_KEY']).toMatchObject({
      ok: false,
      fix: `restore it: aws secretsmanager restore-secret --secret-id ${SECRET}`,
    });
    expect(checks['secret MAIL_PASSWORD']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('ParameterNotFound'),
    });
  });

  it('fails a quota the new resources would exceed, naming the quota code and the increase', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolves({ Vpcs: Array.from({ length: 5 }, (_, i) => ({ VpcId: `vpc-${i}` })) });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: Array.from({ length: 4 }, () => ({})) });
    const checks = await byCheck();
    expect(checks['quota VPCs per Region']).toMatchObject({
      ok: false,
      detail: '5 in use + 1 new VPC of 5 (L-F678F1CE)',
      fix: expect.stringContaining('--service-code vpc --quota-code L-F678F1CE --desired-value 6'),
    });
    expect(checks['quota EC2-VPC Elastic IPs']).toMatchObject({
      ok: false,
      detail: '4 in use + 2 new Elastic IPs of 5 (L-0263D0A3)',
    });
  });

  it('fails the gateway endpoint and the DB instances a new project adds past their quotas (the 21st project at the defaults)', async () => {
    // Prepare: 5 gateway endpoints (the S3 endpoint of 5 projects) beside interface endpoints,
    // which have their own quota; 4 DB instances; every quota at 5 (healthyAccount).
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        ...Array.from({ length: 5 }, () => ({ VpcEndpointType: 'Gateway' as const })),
        ...Array.from({ length: 3 }, () => ({ VpcEndpointType: 'Interface' as const })),
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: Array.from({ length: 4 }, () => ({})) });

    // Act
    const checks = await byCheck();

    // Assess: the network stack makes one S3 gateway endpoint; the cluster a writer and one reader.
    expect(checks['quota Gateway VPC endpoints per Region']).toMatchObject({
      ok: false,
      detail: '5 in use + 1 new gateway VPC endpoint of 5 (L-1B52E74A)',
      fix: expect.stringContaining('--service-code vpc --quota-code L-1B52E74A --desired-value 6'),
    });
    expect(checks['quota DB instances']).toMatchObject({
      ok: false,
      detail: '4 in use + 2 new DB instances of 5 (L-7B6409FD)',
      fix: expect.stringContaining('--service-code rds --quota-code L-7B6409FD --desired-value 6'),
    });
  });

  it('counts nothing new for stacks that exist already (the Fargate vCPUs follow the manifest always)', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolves({ Vpcs: Array.from({ length: 5 }, (_, i) => ({ VpcId: `vpc-${i}` })) });
    const checks = await byCheck(['network', 'database', 'edge']);
    expect(Object.keys(checks).filter((k) => k.startsWith('quota'))).toEqual([
      'quota Fargate On-Demand vCPU resource count',
    ]);
  });

  it("fails a repository another project owns, or one that is not stackdrop's", async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: [{ repositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/acme-production' }],
    });
    ecr.on(ListTagsForResourceCommand).resolves({
      tags: [
        { Key: 'stackdrop:project', Value: 'other' },
        { Key: 'stackdrop:environment', Value: 'production' },
      ],
    });
    expect((await byCheck()).repository).toMatchObject({
      ok: false,
      detail: 'acme-production belongs to another project (other/production)',
    });
    ecr.on(ListTagsForResourceCommand).resolves({ tags: [] });
    expect((await byCheck()).repository).toMatchObject({
      ok: false,
      detail: expect.stringContaining("is not stackdrop's"),
    });
    ecr.on(ListTagsForResourceCommand).resolves({
      tags: [
        { Key: 'stackdrop:project', Value: 'acme' },
        { Key: 'stackdrop:environment', Value: 'production' },
      ],
    });
    expect((await byCheck()).repository).toMatchObject({ ok: true });
  });

  it('fails when the deploy tag points to an image index without the app architecture, and passes one with it', async () => {
    const index = (architectures: string[]) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: architectures.map((architecture, i) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${String(i).repeat(64)}`,
          size: 500,
          platform: { os: 'linux', architecture },
        })),
      });
    const pushed = (architectures: string[]) =>
      ecr.on(BatchGetImageCommand).resolves({
        images: [
          {
            imageId: { imageDigest: `sha256:${'9'.repeat(64)}`, imageTag: 'main' },
            imageManifest: index(architectures),
            imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
          },
        ],
        failures: [],
      });
    const arm = { ...manifest, app: { ...manifest.app, architecture: 'arm64' as const } };
    const checkArm = async () =>
      (await runPreflight(arm, clients, { region: 'eu-west-1', existing: new Set() })).find(
        (c) => c.check === 'image platform',
      );

    pushed(['amd64']);
    expect(await checkArm()).toMatchObject({
      ok: false,
      detail: expect.stringContaining(
        "acme-production:main (sha256:999999999999): the image's manifest lacks linux/arm64 (it offers linux/amd64)",
      ),
      fix: expect.stringContaining('docker buildx build --platform linux/arm64 --push'),
    });
    expect(ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
      repositoryName: 'acme-production',
      imageIds: [{ imageTag: 'main' }],
      acceptedMediaTypes: expect.arrayContaining([
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ]),
    });
    pushed(['amd64', 'arm64']);
    expect(await checkArm()).toMatchObject({
      ok: true,
      detail: 'acme-production:main: the image offers linux/arm64',
    });
  });

  it('reports a check it cannot run (access denied) as failed with the permission to add', async () => {
    acm
      .on(DescribeCertificateCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    quotas
      .on(GetServiceQuotaCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const checks = await run();
    expect(checks.find((c) => c.check === 'certificate')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('AccessDeniedException'),
    });
    expect(checks.find((c) => c.check === 'quotas')).toMatchObject({
      ok: false,
      fix: expect.stringContaining('Permissions'),
    });
  });

  it('matches one-level wildcards as ACM does', () => {
    expect(certificateCovers(['*.example.com'], 'shop.example.com')).toBe(true);
    expect(certificateCovers(['*.example.com'], 'a.shop.example.com')).toBe(false);
    expect(certificateCovers(['*.example.com'], 'example.com')).toBe(false);
  });

  it("asks IAM's simulator whether the execution role, as the app stage writes it, may read each secret", async () => {
    const checks = await byCheck();
    expect(checks['secret APP_KEY']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('may read it'),
    });
    const calls = iam.commandCalls(SimulateCustomPolicyCommand).map((c) => c.args[0].input);
    const read = calls.find((i) => i.ActionNames?.[0] === 'secretsmanager:GetSecretValue');
    expect(read?.ResourceArns).toEqual([SECRET]);
    const policy = JSON.parse(read?.PolicyInputList?.[0] ?? '{}');
    expect(policy.Statement[0]).toMatchObject({
      Sid: 'ReadDatabaseAndProjectSecrets',
      Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
      Resource: expect.arrayContaining([
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/*',
      ]),
    });
    // The role's permissions boundary from template.yaml caps it.
    const boundary = JSON.parse(read?.PermissionsBoundaryPolicyInputList?.[0] ?? '{}');
    expect(boundary.Statement.map((st: { Sid: string }) => st.Sid)).toContain('ReadSecretsAtTaskStart');
    expect(calls.find((i) => i.ActionNames?.[0] === 'ssm:GetParameters')?.ResourceArns).toEqual([
      'arn:aws:ssm:eu-west-1:123456789012:parameter/stackdrop/acme/production/MAIL_PASSWORD',
    ]);
  });

  it('simulates the existing execution role with SimulatePrincipalPolicy once the edge stack made it', async () => {
    const role = 'arn:aws:iam::123456789012:role/stackdrop/stages/exec';
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'secretsmanager:GetSecretValue', EvalDecision: 'allowed' }],
    });
    await runPreflight(manifest, clients, {
      region: 'eu-west-1',
      existing: new Set(),
      executionRoleArn: role,
    });
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: role,
      ActionNames: ['secretsmanager:GetSecretValue'],
    });
    expect(iam).not.toHaveReceivedCommand(SimulateCustomPolicyCommand);
  });

  it('fails a secret the permissions boundary keeps the role from reading, saying where to put it', async () => {
    iam.on(SimulateCustomPolicyCommand).resolves({
      EvaluationResults: [
        {
          EvalActionName: 'secretsmanager:GetSecretValue',
          EvalDecision: 'implicitDeny',
          PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
        },
      ],
    });
    const checks = await byCheck();
    expect(checks['secret APP_KEY']).toMatchObject({
      ok: false,
      detail: expect.stringContaining(
        "would be refused secretsmanager:GetSecretValue on it (implicitDeny: the stage roles' permissions boundary",
      ),
      fix: expect.stringContaining('create the secret here'),
    });
  });

  it('reports a simulator the caller may not use as a check that could not run', async () => {
    iam.on(SimulateCustomPolicyCommand).rejects(
      Object.assign(new Error('not authorized to perform: iam:SimulateCustomPolicy'), {
        name: 'AccessDenied',
      }),
    );
    expect((await byCheck()).secrets).toMatchObject({
      ok: false,
      detail: expect.stringContaining('could not be checked (AccessDenied'),
    });
  });

  it("fails the Fargate vCPU quota when other clusters' running tasks leave no room for the project's peak", async () => {
    ecs.on(ListClustersCommand).resolves({
      clusterArns: [
        'arn:aws:ecs:eu-west-1:123456789012:cluster/other',
        'arn:aws:ecs:eu-west-1:123456789012:cluster/stackdrop-acme-production',
      ],
    });
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:eu-west-1:123456789012:task/other/1'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ cpu: '4096', launchType: 'FARGATE' }] });
    const check = (await byCheck())['quota Fargate On-Demand vCPU resource count'];
    expect(check).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^4 vCPU in use \+ [\d.]+ at this project's peak .* of 5 \(L-3032A538\)$/,
      ),
      fix: expect.stringContaining('--service-code fargate --quota-code L-3032A538'),
    });
    // The project's own cluster is replaced by its peak, not added to it.
    expect(ecs).not.toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/stackdrop-acme-production',
    });
  });
});

describe('plan --live preflight: the domain’s hosted zone', () => {
  it('finds the zone by name, and without one accepts the domain only with its own certificate', async () => {
    healthyAccount();
    route53.on(ListHostedZonesByNameCommand, { DNSName: 'example.com.' }).resolves({
      HostedZones: [
        {
          Id: '/hostedzone/ZEXAMPLE',
          Name: 'example.com.',
          CallerReference: 'x',
          Config: { PrivateZone: false },
        },
      ],
    });
    expect((await byCheck())['hosted zone']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('is yours'),
    });
    const made = parseManifestOrThrow(
      'version: 1\nproject: acme\napp:\n  domain: shop.example.com\n',
      'a.yaml',
    );
    const found = await runPreflight(made, clients, { region: 'eu-west-1', existing: new Set() });
    expect(found.find((c) => c.check === 'hosted zone')).toMatchObject({
      ok: true,
      detail: 'ZEXAMPLE holds shop.example.com (found by name)',
    });
    route53.reset();
    route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    const none = parseManifestOrThrow(
      'version: 1\nproject: acme\napp:\n  domain: shop.example.com\n',
      'a.yaml',
    );
    const checks = await runPreflight(none, clients, { region: 'eu-west-1', existing: new Set() });
    expect(checks.find((c) => c.check === 'hosted zone')).toMatchObject({
      ok: false,
      detail: 'no Route 53 public hosted zone in this account holds shop.example.com',
    });
  });
});
