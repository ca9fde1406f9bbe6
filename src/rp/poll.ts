/**
 * Poll delivery (RFC 8936), the alternative to push: the RP asks the transmitter for SETs,
 * processes them with the same receiver, and acknowledges each (or reports its error) in the next
 * request, until the transmitter has no more.
 */
import { RpError, isRpError } from './errors.ts';
import type { RpFetch } from './fetch.ts';
import type { SignalReceiver } from './signals.ts';

export interface PollOptions {
  /** The transmitter's poll endpoint (the stream's `delivery.endpoint_url`). */
  readonly endpoint: string;
  /** Bearer token for the poll endpoint. */
  readonly token: string;
  /** SETs per request; default 25. */
  readonly maxEvents?: number;
  /** Safety bound on requests in one call; default 100. */
  readonly maxRounds?: number;
  readonly fetch?: RpFetch;
}

export interface PollResult {
  readonly accepted: number;
  readonly refused: number;
}

interface Pending {
  ack: string[];
  setErrs: Record<string, { err: string; description: string }>;
}

export async function pollSignals(receiver: SignalReceiver, options: PollOptions): Promise<PollResult> {
  let pending: Pending = { ack: [], setErrs: {} };
  const totals = { accepted: 0, refused: 0 };
  for (let round = 0; round < (options.maxRounds ?? 100); round++) {
    const answer = await request(options, { maxEvents: options.maxEvents ?? 25, returnImmediately: true, ...bodyOf(pending) });
    pending = await processAll(receiver, answer.sets);
    totals.accepted += pending.ack.length;
    totals.refused += Object.keys(pending.setErrs).length;
    if (answer.moreAvailable !== true) break;
  }
  if (pending.ack.length > 0 || Object.keys(pending.setErrs).length > 0) await request(options, { maxEvents: 0, returnImmediately: true, ...bodyOf(pending) });
  return totals;
}

async function processAll(receiver: SignalReceiver, sets: Record<string, string>): Promise<Pending> {
  const pending: Pending = { ack: [], setErrs: {} };
  for (const [jti, set] of Object.entries(sets)) {
    try {
      await receiver.processSet(set);
      pending.ack.push(jti);
    } catch (error) {
      if (!isRpError(error, 'RP_ERR_SIGNAL')) throw error;
      pending.setErrs[jti] = { err: error.details.setErr ?? 'invalid_request', description: error.message };
    }
  }
  return pending;
}

function bodyOf(pending: Pending): { ack: string[]; setErrs?: Pending['setErrs'] } {
  return Object.keys(pending.setErrs).length > 0 ? { ack: pending.ack, setErrs: pending.setErrs } : { ack: pending.ack };
}

async function request(options: PollOptions, body: Record<string, unknown>): Promise<{ sets: Record<string, string>; moreAvailable?: boolean }> {
  const fetcher = options.fetch ?? ((url: string, init) => fetch(url, init as RequestInit));
  let response: Response;
  try {
    response = await fetcher(options.endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new RpError('RP_ERR_POLL', `the poll endpoint cannot be reached: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
  }
  if (!response.ok) throw new RpError('RP_ERR_POLL', `the poll endpoint answered HTTP ${response.status}`);
  const answer = (await response.json().catch(() => undefined)) as { sets?: unknown; moreAvailable?: unknown } | undefined;
  if (typeof answer?.sets !== 'object' || answer.sets === null) throw new RpError('RP_ERR_POLL', 'the poll answer has no sets object');
  return { sets: answer.sets as Record<string, string>, moreAvailable: answer.moreAvailable === true };
}
