import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientsFor, DEFAULT_LOCAL_ENDPOINT, readLocalClock, resolveTarget } from '#cli/context.ts';

describe('resolveTarget', () => {
  it('uses the AWS settings and the default stack name when nothing is given', () => {
    expect(resolveTarget({}, { AWS_REGION: 'eu-west-1' })).toEqual({
      stack: 'stackdrop',
      local: false,
      region: 'eu-west-1',
    });
  });

  it('takes the stack from --stack over STACKDROP_STACK', () => {
    expect(resolveTarget({}, { STACKDROP_STACK: 'sd-prod' }).stack).toBe('sd-prod');
    expect(resolveTarget({ stack: 'other' }, { STACKDROP_STACK: 'sd-prod' }).stack).toBe('other');
  });

  it("points --local at STACKDROP_ENDPOINT, or the default local address, in the local cloud's region", () => {
    expect(resolveTarget({ local: true }, {})).toMatchObject({
      local: true,
      endpoint: DEFAULT_LOCAL_ENDPOINT,
      region: 'eu-west-1',
    });
    expect(resolveTarget({ local: true }, { STACKDROP_ENDPOINT: 'http://127.0.0.1:9000' }).endpoint).toBe(
      'http://127.0.0.1:9000',
    );
  });

  it('treats STACKDROP_ENDPOINT or --endpoint-url alone as the local cloud', () => {
    expect(resolveTarget({}, { STACKDROP_ENDPOINT: 'http://127.0.0.1:9000' })).toMatchObject({
      local: true,
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(resolveTarget({ endpointUrl: 'http://127.0.0.1:7000' }, {})).toMatchObject({
      local: true,
      endpoint: 'http://127.0.0.1:7000',
    });
  });

  it('keeps --region and --profile', () => {
    expect(
      resolveTarget({ region: 'us-west-2', profile: 'prod' }, { AWS_REGION: 'eu-west-1' }),
    ).toMatchObject({ region: 'us-west-2', profile: 'prod' });
  });
});

describe('clientsFor', () => {
  it('builds every client against the local endpoint with path-style S3 and fake credentials', async () => {
    const clients = clientsFor({
      stack: 'stackdrop',
      local: true,
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
    });
    const { preflight, ...main } = clients;
    for (const client of [...Object.values(main), ...Object.values(preflight)]) {
      const endpoint = await client.config.endpoint!();
      expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4566');
      expect(await client.config.region()).toBe('us-east-1');
      expect((await client.config.credentials()).accessKeyId).toBe('AKIDLOCALCLOUD');
    }
    expect(clients.s3.config.forcePathStyle).toBe(true);
  });

  it('leaves the endpoint to the SDK for AWS itself', async () => {
    const clients = clientsFor({ stack: 'stackdrop', local: false, region: 'eu-west-1' });
    expect(clients.cfn.config.endpoint).toBeUndefined();
    expect(clients.s3.config.forcePathStyle).toBe(false);
  });
});

describe('readLocalClock', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A stand-in endpoint answering GET /_local/clock with `status` and `body`. */
  async function endpoint(status: number, body: unknown): Promise<string> {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/_local/clock' ? status : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("tells the local cloud's virtual time, standing still on an instant clock", async () => {
    // Prepare
    const url = await endpoint(200, { now: Date.UTC(2026, 10, 26, 9, 0, 0), speed: 'instant' });

    // Act
    const now = await readLocalClock(url);

    // Assess
    expect(now?.().toISOString()).toBe('2026-11-26T09:00:00.000Z');
  });

  it('leaves the time to this machine when the endpoint has no local clock', async () => {
    // Prepare
    const url = await endpoint(404, { message: 'not found' });

    // Act
    const now = await readLocalClock(url);

    // Assess
    expect(now).toBeUndefined();
  });
});
