import { ACMClient, DescribeCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

/**
 * Route 53 (through the AWS CLI), ACM DNS validation on the virtual clock, and the CloudFront and
 * WAF rules CloudFormation meets, each against the AWS page that states it (read 2026-12-07).
 */
const R53 = 'https://docs.aws.amazon.com/Route53/latest/APIReference';
const ACM = 'https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html';

let cloud: FidelityCloud;
let zoneId: string;

beforeAll(async () => {
  cloud = await startFidelityCloud();
  zoneId = cloud.cloud.route53.createHostedZone({ Name: 'example.com', CallerReference: 'fidelity' }).zone.Id;
}, HOOK_TIMEOUT);
afterAll(async () => {
  await cloud.stop();
}, HOOK_TIMEOUT);

const batch = (action: string, name: string, type: string, extra: Record<string, unknown>) =>
  JSON.stringify({ Changes: [{ Action: action, ResourceRecordSet: { Name: name, Type: type, ...extra } }] });

describe('Route 53 ChangeResourceRecordSets (through the AWS CLI)', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;
  const change = (b: string) => [
    'route53',
    'change-resource-record-sets',
    '--hosted-zone-id',
    zoneId,
    '--change-batch',
    b,
  ];

  beforeAll(async () => {
    const www = { TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] };
    out = await cloud.aws(
      change(batch('CREATE', 'www.example.com', 'A', www)),
      change(batch('CREATE', 'www.example.com', 'A', www)),
      change(batch('DELETE', 'gone.example.com', 'A', www)),
      change(
        batch('CREATE', 'example.com', 'CNAME', { TTL: 300, ResourceRecords: [{ Value: 'x.example.net' }] }),
      ),
      change(
        batch('CREATE', 'www.example.com', 'CNAME', {
          TTL: 300,
          ResourceRecords: [{ Value: 'x.example.net' }],
        }),
      ),
      change(batch('CREATE', 'shop.example.org', 'A', www)),
      change(
        batch('CREATE', 'alias.example.com', 'A', {
          TTL: 60,
          AliasTarget: {
            HostedZoneId: 'Z32O12XQLNTSW2',
            DNSName: 'x.elb.amazonaws.com',
            EvaluateTargetHealth: false,
          },
        }),
      ),
      change(
        batch('CREATE', 'alias.example.com', 'A', {
          AliasTarget: {
            HostedZoneId: 'Z32O12XQLNTSW2',
            DNSName: 'missing-1.eu-west-1.elb.amazonaws.com',
            EvaluateTargetHealth: false,
          },
        }),
      ),
      ['route53', 'list-hosted-zones-by-name', '--dns-name', 'example.com'],
      ['route53', 'get-hosted-zone', '--id', 'ZNOSUCHZONE0000'],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'CREATE writes a record set and answers a PENDING change',
    `${R53}/API_ChangeResourceRecordSets.html`,
    () => {
      expect(out[0]!.json.ChangeInfo.Status).toBe('PENDING');
      expect(out[0]!.json.ChangeInfo.Id).toMatch(/^\/change\/C/);
    },
  );
  fidelity(
    'CREATE of an existing record set is InvalidChangeBatch',
    `${R53}/API_ChangeResourceRecordSets.html`,
    () => {
      expect(cliError(out[1]!)).toEqual({
        code: 'InvalidChangeBatch',
        message:
          "[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists]",
      });
    },
  );
  fidelity(
    'DELETE of a missing record set is InvalidChangeBatch',
    `${R53}/API_ChangeResourceRecordSets.html`,
    () => {
      expect(cliError(out[2]!).message).toContain('but it was not found');
    },
  );
  fidelity(
    'No CNAME at the zone apex',
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html',
    () => {
      expect(cliError(out[3]!).message).toContain('is not permitted at apex in zone example.com.');
    },
  );
  fidelity(
    'A CNAME cannot share its name with another record',
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat',
    () => {
      expect(cliError(out[4]!).message).toContain('conflicting RRSet of type A');
    },
  );
  fidelity('A name outside the zone is refused', `${R53}/API_ChangeResourceRecordSets.html`, () => {
    expect(cliError(out[5]!).message).toContain('is not permitted in zone example.com.');
  });
  fidelity(
    'An alias record has no TTL (InvalidInput)',
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html',
    () => {
      expect(cliError(out[6]!).code).toBe('InvalidInput');
    },
  );
  fidelity('An alias must target an existing load balancer', `${R53}/API_AliasTarget.html`, () => {
    expect(cliError(out[7]!)).toMatchObject({ code: 'InvalidChangeBatch' });
  });
  fidelity(
    'ListHostedZonesByName lists zones from the name on',
    `${R53}/API_ListHostedZonesByName.html`,
    () => {
      expect(out[8]!.json.HostedZones.map((z: { Name: string }) => z.Name)).toEqual(['example.com.']);
      expect(out[8]!.json.HostedZones[0].Id).toBe(`/hostedzone/${zoneId}`);
    },
  );
  fidelity('GetHostedZone of an unknown id is NoSuchHostedZone', `${R53}/API_GetHostedZone.html`, () => {
    expect(cliError(out[9]!).code).toBe('NoSuchHostedZone');
  });
});

describe('ACM DNS validation on the virtual clock', () => {
  fidelity(
    'A certificate stays PENDING_VALIDATION without its CNAME and is ISSUED after the record appears',
    ACM,
    async () => {
      const acm = new ACMClient(cloud.config);
      const { CertificateArn } = await acm.send(
        new RequestCertificateCommand({ DomainName: 'app.example.com', ValidationMethod: 'DNS' }),
      );
      const describe = async () =>
        (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
      await cloud.cloud.clock.advance(60 * 60_000);
      const pending = await describe();
      expect(pending.Status).toBe('PENDING_VALIDATION');
      const record = pending.DomainValidationOptions![0]!.ResourceRecord!;
      expect(record.Type).toBe('CNAME');
      expect(record.Name).toMatch(/^_[0-9a-f]{32}\.app\.example\.com\.$/);
      cloud.cloud.route53.changeResourceRecordSets(zoneId, {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: record.Name!,
              Type: 'CNAME',
              TTL: 300,
              ResourceRecords: [{ Value: record.Value! }],
            },
          },
        ],
      });
      await cloud.cloud.clock.advance(cloud.cloud.durations.service.acmDnsValidation - 1);
      expect((await describe()).Status).toBe('PENDING_VALIDATION');
      await cloud.cloud.clock.advance(1);
      const issued = await describe();
      expect(issued.Status).toBe('ISSUED');
      expect(issued.DomainValidationOptions![0]!.ValidationStatus).toBe('SUCCESS');
      acm.destroy();
    },
  );
  fidelity('Without the record, validation times out after 72 hours', ACM, async () => {
    const arn = cloud.cloud.acm.requestCertificate('never.example.org', [], { validationMethod: 'DNS' });
    await cloud.cloud.clock.advance(72 * 60 * 60_000);
    expect(await cloud.cloud.acm.waitForIssue(arn)).toBe('VALIDATION_TIMED_OUT');
  });
});

describe('CloudFront and WAF rules CloudFormation meets', () => {
  fidelity(
    'An alternate domain name needs a certificate, from ACM in us-east-1',
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html',
    () => {
      const cf = cloud.cloud.cloudfront;
      expect(() => cf.createDistribution({ Aliases: ['shop.example.com'] })).toThrow(/alternate domain name/);
      expect(() =>
        cf.createDistribution({
          Aliases: ['shop.example.com'],
          ViewerCertificate: { AcmCertificateArn: 'arn:aws:acm:eu-west-1:000000000000:certificate/abc' },
        }),
      ).toThrow(/isn't in us-east-1/);
    },
  );
  fidelity(
    'A CLOUDFRONT web ACL is created in us-east-1 only',
    'https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html',
    () => {
      expect(() => cloud.cloud.wafv2.createWebAcl({ Name: 'edge', Scope: 'CLOUDFRONT' })).toThrow(
        /scope is not valid/,
      );
    },
  );
  fidelity(
    'A managed rule group must exist',
    'https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html',
    () => {
      expect(() =>
        cloud.cloud.wafv2.createWebAcl({
          Name: 'typo',
          Scope: 'REGIONAL',
          Rules: [
            {
              Name: 'x',
              Priority: 1,
              Statement: {
                ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRules' },
              },
            },
          ],
        }),
      ).toThrow(/doesn’t exist/);
    },
  );
  fidelity(
    'A regional web ACL associates with a load balancer of its Region only',
    'https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html',
    () => {
      const acl = cloud.cloud.wafv2.createWebAcl({ Name: 'regional', Scope: 'REGIONAL' });
      expect(() =>
        cloud.cloud.wafv2.associateWebAcl({
          WebACLArn: acl.Arn,
          ResourceArn:
            'arn:aws:elasticloadbalancing:us-west-2:000000000000:loadbalancer/app/x/0123456789abcdef',
        }),
      ).toThrow(/ARN isn’t valid/);
    },
  );
});
