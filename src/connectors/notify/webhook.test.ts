import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CountingServer, countingServer } from '../outbound/test-servers.ts';
import { agencyFetch } from '../outbound/index.ts';
import type { Notification } from './port.ts';
import { WebhookNotifier } from './webhook.ts';

let gateway: CountingServer;
let elsewhere: CountingServer;
before(async () => {
  elsewhere = await countingServer((_request, response) => response.writeHead(200).end());
  gateway = await countingServer((request, response) => {
    if (request.url === '/moved') response.writeHead(302, { location: `${elsewhere.url}/admin` }).end();
    else response.writeHead(204).end();
  });
});
after(async () => {
  await gateway.close();
  await elsewhere.close();
});

const message: Notification = { id: 'n-1', to: 'a@example.gov', subject: 'bound', text: 'text', at: new Date('2026-05-01T00:00:00Z') };

test('a notification webhook is POSTed once, and a redirect is refused rather than followed', async () => {
  await new WebhookNotifier(`${gateway.url}/notices`).deliver(message);
  assert.equal(gateway.requests.at(-1)?.path, '/notices');
  await assert.rejects(new WebhookNotifier(`${gateway.url}/moved`).deliver(message), /a redirect to http:\/\/127\.0\.0\.1:\d+\/admin, and muster follows no redirects/);
  assert.equal(elsewhere.connections(), 0, 'the redirect target is never contacted');
});

test('a webhook outside outbound.agencyNetworks is refused', async () => {
  const notifier = new WebhookNotifier(`${gateway.url}/notices`, agencyFetch({ ranges: ['10.0.0.0/8'] }));
  await assert.rejects(notifier.deliver(message), /127\.0\.0\.1, a loopback address not allowed by outbound\.agencyNetworks/);
});
