import type { Clock } from '../../core/clock.ts';
import type { Queryable } from '../../store/store.ts';
import type { LoginRecord } from './login-record.ts';
import { oncePerRequest } from './request-state.ts';
import { recordLoginAndRead, type SessionSubject, sessionSubject } from './sign-in-subject.ts';

/** What the sign-in pages put beside `login` in the interaction result, for the OP to record against its session. */
export interface PivLogin {
  readonly credentialId: string;
  readonly credentialType: LoginRecord['credentialType'];
  readonly aal: LoginRecord['aal'];
  readonly certThumbprint?: string | null;
}

/** What an OP request carries that the session's sign-in is read from. */
export interface SessionRequest {
  readonly oidc: {
    readonly session?: { readonly uid: string; readonly accountId?: string } | undefined;
    readonly result?: { readonly login?: { readonly accountId?: string; readonly piv?: PivLogin; readonly amr?: readonly string[]; readonly ts?: number } } | undefined;
  };
}

/** The sign-in behind an OP session, as one request sees it. */
export interface SessionSignIn {
  /** The login record with its identity and credential as they stand now; undefined when none is recorded. */
  readonly subject: SessionSubject | undefined;
  /** The login was recorded by this very request: the interaction that resumed it just finished a sign-in. */
  readonly justSignedIn: boolean;
}

const SESSION_SIGN_IN = Symbol('muster.sessionSignIn');

/**
 * The sign-in of `sessionUid`, loaded once per request. The one writer of the login record: when the request resumes
 * from a finished sign-in (its interaction result carries `login.piv`) for this very session and account, the
 * sign-in is recorded against the session, whose uid is known only now, and read back in the same statement.
 */
export function sessionSignIn(deps: { readonly store: Queryable; readonly clock: Clock }, ctx: SessionRequest, sessionUid: string): Promise<SessionSignIn> {
  return oncePerRequest(ctx, SESSION_SIGN_IN, sessionUid, async () => {
    const session = ctx.oidc.session;
    const login = ctx.oidc.result?.login;
    if (!login?.piv || session?.uid !== sessionUid || login.accountId === undefined || login.accountId !== session.accountId)
      return { subject: await sessionSubject(deps.store, sessionUid), justSignedIn: false };
    const subject = await recordLoginAndRead(deps.store, {
      sessionUid,
      identityId: login.accountId,
      credentialId: login.piv.credentialId,
      credentialType: login.piv.credentialType,
      aal: login.piv.aal,
      amr: [...(login.amr ?? [])],
      certThumbprint: login.piv.certThumbprint ?? null,
      authTime: login.ts ? new Date(login.ts * 1000) : deps.clock.now(),
    });
    return { subject, justSignedIn: true };
  });
}
