import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerAnswers } from './worker-answers.ts';
import type { FromOcspWorker } from './worker-messages.ts';

const REQUEST = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);
const GOOD = Buffer.from([1]);
const REVOKED = Buffer.from([2]);

function answers(epoch = 0): { answers: WorkerAnswers; asked: FromOcspWorker[] } {
  const asked: FromOcspWorker[] = [];
  return { answers: new WorkerAnswers({ postMessage: (m) => asked.push(m) }, 10, epoch), asked };
}

/** Asks for REQUEST and answers it as the responder's thread would, read at `epoch`. */
async function ask(w: WorkerAnswers, asked: FromOcspWorker[], der: Uint8Array, epoch: number, copyable = true): Promise<Uint8Array> {
  const pending = w.answer(REQUEST);
  const id = (asked.at(-1) as { id: number }).id;
  w.receive({ type: 'answer', id, epoch, der, serial: '07', copyable });
  return (await pending).der;
}

test('an answer is asked for once, then copied until its serial changes', async () => {
  const { answers: w, asked } = answers();
  assert.equal(w.answerNow(REQUEST), undefined);
  assert.deepEqual(await ask(w, asked, GOOD, 0), GOOD);
  assert.deepEqual(w.answerNow(REQUEST)?.der, GOOD);
  w.receive({ type: 'changed', epoch: 1, serial: '08' });
  assert.deepEqual(w.answerNow(REQUEST)?.der, GOOD, 'another serial changed');
  w.receive({ type: 'changed', epoch: 2, serial: '07' });
  assert.equal(w.answerNow(REQUEST), undefined);
  assert.deepEqual(await ask(w, asked, REVOKED, 2), REVOKED);
  assert.deepEqual(w.answerNow(REQUEST)?.der, REVOKED);
});

test('an answer read before a change the worker was told of is served once and never copied', async () => {
  const { answers: w, asked } = answers();
  const pending = w.answer(REQUEST);
  w.receive({ type: 'changed', epoch: 1, serial: '07' });
  w.receive({ type: 'answer', id: (asked.at(-1) as { id: number }).id, epoch: 0, der: GOOD, serial: '07', copyable: true });
  assert.deepEqual((await pending).der, GOOD);
  assert.equal(w.answerNow(REQUEST), undefined);
});

test('a change of any serial (a refresh) drops every copy; answers not copyable are never kept', async () => {
  const { answers: w, asked } = answers(5);
  await ask(w, asked, GOOD, 5);
  w.receive({ type: 'changed', epoch: 6 });
  assert.equal(w.answerNow(REQUEST), undefined);
  await ask(w, asked, GOOD, 6, false);
  assert.equal(w.answerNow(REQUEST), undefined);
});
