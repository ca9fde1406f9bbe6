import { SignInRefused } from './refusal.ts';

/** The request body of a step, read by the HTTP face (which bounds its size). */
export interface StepBody {
  readonly contentType: string;
  text(): Promise<string>;
}

/** A JSON body, required to be sent as application/json (which a cross-site form cannot do). */
export async function readJson(body: StepBody): Promise<unknown> {
  if (!/^application\/json\b/i.test(body.contentType)) throw new SignInRefused('bad-request', 'send the response as application/json');
  try {
    return JSON.parse(await body.text());
  } catch (error) {
    if (error instanceof SignInRefused) throw error;
    throw new SignInRefused('bad-request', 'the request body is not JSON');
  }
}

export async function readForm(body: StepBody): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(body.contentType)) throw new SignInRefused('bad-request', 'send the form as application/x-www-form-urlencoded');
  return new URLSearchParams(await body.text());
}

/**
 * A request with a body that is not a form (the WebAuthn response, as JSON) must come from the issuer's own pages
 * when the browser says where it comes from; forms are checked by the HTTP face's CSRF guard, which also refuses a
 * form that does not say.
 */
export function requireSameOrigin(origin: string | undefined, issuerOrigin: string): void {
  if (origin !== undefined && origin !== issuerOrigin) throw new SignInRefused('bad-request', 'the request came from another site');
}
