import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { validateManifestObject } from '#shared/manifest/index.ts';
import { resolveHostedZone } from '#shared/provision/hosted-zone.ts';

const route53 = mockClient(Route53Client);

function manifest(app: Record<string, unknown>) {
  return validateManifestObject({ version: 1, project: 'shop', app: { allowPlainHttp: false, ...app } });
}

const zone = (id: string, name: string, privateZone = false) => ({
  Id: `/hostedzone/${id}`,
  Name: name,
  CallerReference: id,
  Config: { PrivateZone: privateZone },
});

beforeEach(() => {
  route53.reset();
});

describe('the hosted zone of app.domain', () => {
  it('takes the zone named for the longest suffix of the domain, skipping private zones', async () => {
    // Prepare
    route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'shop.example.com.' })
      .resolves({ HostedZones: [zone('ZPRIVATE', 'shop.example.com.', true)] })
      .on(ListHostedZonesByNameCommand, { DNSName: 'example.com.' })
      .resolves({ HostedZones: [zone('ZPUBLIC1', 'example.com.')] });

    // Act
    const out = await resolveHostedZone(
      manifest({ domain: 'shop.example.com' }),
      'm.yaml',
      new Route53Client({}),
    );

    // Assess
    expect(out.problems).toEqual([]);
    expect(out.manifest.app.hostedZoneId).toBe('ZPUBLIC1');
  });

  it('refuses a domain without a zone and without a certificate, naming the fix', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    const out = await resolveHostedZone(
      manifest({ domain: 'shop.example.com' }),
      'm.yaml',
      new Route53Client({}),
    );
    expect(out.problems).toEqual([
      expect.objectContaining({
        path: 'app.domain',
        message: 'no Route 53 public hosted zone in this account holds shop.example.com',
        hint: expect.stringContaining('aws route53 create-hosted-zone --name example.com'),
      }),
    ]);
  });

  it('leaves the DNS of a domain with its own certificate to the user: no lookup', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    const m = manifest({
      domain: 'shop.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
    });
    const out = await resolveHostedZone(m, 'm.yaml', new Route53Client({}));
    expect(out).toEqual({ manifest: m, problems: [] });
    expect(route53.calls()).toHaveLength(0);
  });

  it('asks for hostedZoneId when two public zones carry the name', async () => {
    route53
      .on(ListHostedZonesByNameCommand)
      .resolves({ HostedZones: [zone('ZONE1', 'shop.example.com.'), zone('ZONE2', 'shop.example.com.')] });
    const out = await resolveHostedZone(
      manifest({ domain: 'shop.example.com' }),
      'm.yaml',
      new Route53Client({}),
    );
    expect(out.problems[0]).toMatchObject({
      path: 'app.hostedZoneId',
      message: expect.stringContaining('ZONE1, ZONE2'),
    });
  });

  it('makes no call when the manifest names the zone', async () => {
    const m = manifest({ domain: 'shop.example.com', hostedZoneId: 'ZGIVEN' });
    await resolveHostedZone(m, 'm.yaml', new Route53Client({}));
    expect(route53.calls()).toHaveLength(0);
  });
});
