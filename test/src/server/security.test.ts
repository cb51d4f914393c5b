import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCode, type Runtime, startRuntime } from '../../../index.ts';
import { eventsUrl, get, isControl, startServerRuntime, WsProbe, within } from './helpers.ts';

interface Context {
  runtime: Runtime;
}

async function refusedStatus(url: string, headers: Record<string, string>): Promise<number | undefined> {
  try {
    const probe = await WsProbe.open(url, { headers });
    probe.close();
    return undefined;
  } catch (error) {
    return (error as { status?: number }).status;
  }
}

// --- origin

const Origin = suite<Context>('browser origin', {} as Context);
Origin.before.each(async (context) => {
  context.runtime = (await startServerRuntime({ allowOrigins: ['http://localhost:3000'] })).runtime;
});
Origin.after.each(async (context) => {
  await within(context.runtime.stop(), 'stop');
});

Origin('refuses a WebSocket upgrade from another origin with 403', async ({ runtime }) => {
  assert.is(
    await refusedStatus(eventsUrl(runtime), {
      origin: 'https://evil.example',
    }),
    403,
  );
  assert.is(await refusedStatus(eventsUrl(runtime), { origin: 'null' }), 403);
});

Origin('refuses /api from another origin with 403, naming the origin', async ({ runtime }) => {
  const response = await get(runtime, '/api/domains', {
    origin: 'https://evil.example',
  });
  assert.is(response.status, 403);
  assert.match(((await response.json()) as { error: string }).error, 'Origin "https://evil.example" is not allowed');
});

Origin('accepts the server own origin, an allowed origin, and clients that send none', async ({ runtime }) => {
  const own = new URL(runtime.serverUrl ?? '').origin;
  const variants: Array<Record<string, string>> = [{ origin: own }, { origin: 'http://localhost:3000' }, {}];
  for (const headers of variants) {
    const probe = await WsProbe.open(eventsUrl(runtime), { headers });
    await probe.next(isControl('hello'), 'hello');
    probe.close();
    assert.is((await get(runtime, '/api/domains', headers)).status, 200);
  }
});

Origin('refuses a foreign Host header on a loopback server (DNS rebinding)', async ({ runtime }) => {
  assert.is(await refusedStatus(eventsUrl(runtime), { host: 'attacker.example' }), 403);
});

// --- token

const Token = suite<Context>('token', {} as Context);
Token.before.each(async (context) => {
  context.runtime = (await startServerRuntime({ token: 's3cret' })).runtime;
});
Token.after.each(async (context) => {
  await within(context.runtime.stop(), 'stop');
});

Token('refuses /events and /api without the token or with a wrong one (401)', async ({ runtime }) => {
  assert.is(await refusedStatus(eventsUrl(runtime), {}), 401);
  assert.is(
    await refusedStatus(eventsUrl(runtime), {
      authorization: 'Bearer wrong',
    }),
    401,
  );
  assert.is(await refusedStatus(eventsUrl(runtime, 'token=wrong'), {}), 401);
  assert.is((await get(runtime, '/api/domains')).status, 401);
  assert.is((await get(runtime, '/api/history', { authorization: 'Bearer nope' })).status, 401);
});

Token('accepts the token as a Bearer header or as ?token=', async ({ runtime }) => {
  const bearer = await WsProbe.open(eventsUrl(runtime), {
    headers: { authorization: 'Bearer s3cret' },
  });
  await bearer.next(isControl('hello'), 'hello');
  bearer.close();
  const query = await WsProbe.open(eventsUrl(runtime, 'token=s3cret'));
  await query.next(isControl('hello'), 'hello');
  query.close();
  assert.is((await get(runtime, '/api/tree', { authorization: 'Bearer s3cret' })).status, 200);
  assert.is((await get(runtime, '/api/domains?token=s3cret')).status, 200);
});

Token('leaves /, /health and /metrics open', async ({ runtime }) => {
  for (const path of ['/', '/health', '/metrics']) assert.is((await get(runtime, path)).status, 200, path);
});

// --- binding

const Binding = suite('binding');

Binding('refuses a non-loopback host without a token with ERR_SERVER, before starting anything', async () => {
  try {
    await startRuntime({
      tickInterval: 'manual',
      database: ':memory:',
      server: { host: '0.0.0.0', port: 0 },
    });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_SERVER'), String(error));
    assert.match((error as Error).message, 'server.host "0.0.0.0" is not a loopback address');
    assert.match((error as Error).message, 'set a token');
  }
});

Binding('refuses a bad port with ERR_INVALID_OPTION', async () => {
  try {
    await startRuntime({
      tickInterval: 'manual',
      database: ':memory:',
      server: { port: 70_000 },
    });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_INVALID_OPTION'), String(error));
    assert.match((error as Error).message, 'server.port must be an integer from 0 to 65535');
  }
});

Binding('binds a non-loopback host when a token is set', async () => {
  const runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { host: '0.0.0.0', port: 0, token: 't' },
  });
  try {
    assert.match(runtime.serverUrl ?? '', /^http:\/\/0\.0\.0\.0:\d+\/$/);
  } finally {
    await within(runtime.stop(), 'stop');
  }
});

Binding('a taken port fails the start with a clear ERR_SERVER cause', async () => {
  const first = (await startServerRuntime()).runtime;
  try {
    const port = Number(new URL(first.serverUrl ?? '').port);
    await startServerRuntime({ port });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.match(String((error as Error).message), 'port is taken');
  } finally {
    await within(first.stop(), 'stop');
  }
});

Origin.run();
Token.run();
Binding.run();
