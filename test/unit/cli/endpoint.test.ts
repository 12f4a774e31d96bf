import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from './helpers.ts';

/** Web servers that are not AWS, as a person may have on the local cloud's port. */
const bodies = {
  'an HTML page (200)': {
    status: 200,
    type: 'text/html',
    body: '<html><body>Welcome to nginx</body></html>',
  },
  'an HTML error page (404)': { status: 404, type: 'text/html', body: '<html>Not Found</html>' },
  'some other JSON API': { status: 200, type: 'application/json', body: '{"hello":"world"}' },
  'a 502 from a proxy': { status: 502, type: 'text/plain', body: 'Bad Gateway' },
};
const servers: Record<string, { server: Server; url: string }> = {};

beforeAll(async () => {
  for (const [name, answer] of Object.entries(bodies)) {
    const server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers[name] = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
}, 30_000);

afterAll(() => {
  for (const { server } of Object.values(servers)) server.close();
});

describe('a server on the endpoint that is not AWS', () => {
  it.each(Object.keys(bodies))(
    'is "endpoint unreachable / not an AWS endpoint", exit 3, for %s',
    async (name) => {
      // Prepare: fake credentials so the SDK signs and sends.
      const h = harness(
        {},
        {
          env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' },
        },
      );
      // Act
      const result = await h.run('--endpoint-url', servers[name]!.url, 'status');
      // Assess
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `Endpoint unreachable: ${servers[name]!.url} answered, but not as an AWS endpoint does`,
      );
      expect(result.stderr).not.toMatch(/XML parse error|NotFound: Unknown|not deployed here/);
    },
    30_000,
  );
});
