import { decodeJwt } from 'jose';
import { PIV_CLAIMS } from '../../core/federation/profile.ts';
import { MusterError } from '../../core/errors.ts';
import type { RegistrationResponseJSON } from '../../credentials/derived/webauthn/index.ts';
import type { HolderPivSession } from '../../credentials/derived/types.ts';
import { listCredentials } from '../../credentials/queries.ts';
import { PIV_CARD } from '../../credentials/types.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { rpSubjectsOf } from '../../federation/rp-subjects.ts';
import { consentOf, withdrawConsent } from '../../protocols/oidc/interactions/consent-record.ts';
import { CERTIFICATE_ID_CLAIM } from '../../protocols/oidc/claims.ts';
import type { ConsoleOperator } from '../../operators/console-sessions.ts';
import { answerRefusal, formFields } from '../answers.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { messagePage } from '../pages.ts';
import { show } from '../view.ts';
import { type ConsoleRoute, selfConsoleRoute } from '../route.ts';
import type { ConsoleServices } from '../services.ts';
import { SELF_PATH, type RelyingPartyView, bindDerivedPage, boundPage, myCredentialsPage, relyingPartiesPage } from './pages.ts';

/**
 * The cardholder's own pages, open to every signed-in person (a `self` session or an operator's): what they hold,
 * a card reported lost or stolen (suspended at once, through the card service as `POST /api/cards/{id}/suspend`), a
 * Derived PIV credential bound after their PIV authentication (the derived-binding service), and the relying parties
 * that know them. Everything is read and written for the identity of the session only; writes name `operator:<id>`.
 */

const BACK = { href: SELF_PATH, text: 'Back to my credentials' };
const by = (c: ConsoleContext) => ({ actor: operatorOf(c).actor, correlationId: c.get('correlationId') });

/** The PIV Authentication certificate the session was opened with, from the ID token muster's OP issued for it; none after another credential. */
export function pivSessionOf(operator: ConsoleOperator): HolderPivSession | undefined {
  if (!operator.idToken) return undefined;
  const claims = decodeJwt(operator.idToken);
  const thumbprint = claims[CERTIFICATE_ID_CLAIM];
  if (claims[PIV_CLAIMS.credentialType] !== PIV_CARD || typeof thumbprint !== 'string') return undefined;
  return { certThumbprint: thumbprint };
}

function needsPiv(c: ConsoleContext): Response | Promise<Response> {
  const message = 'A Derived PIV credential is bound right after authenticating with your PIV card: sign out, then sign in again with your PIV card.';
  return c.html(messagePage('Sign in with your PIV card', message, { operator: operatorOf(c), link: BACK }), 403);
}

export function selfRoutes(services: ConsoleServices): Omit<ConsoleRoute, 'roles'>[] {
  const derived = async () => (await services.credentials()).derived;
  const agreements = () => new AgreementService({ store: services.store, audit: services.audit, clock: services.clock });
  return [
    selfConsoleRoute({
      method: 'get',
      path: SELF_PATH,
      nav: 'My credentials',
      handler: async (c) => show(c, myCredentialsPage(await listCredentials(services.store, operatorOf(c).identityId))),
    }),
    selfConsoleRoute({
      method: 'post',
      path: `${SELF_PATH}/cards/:id/lost`,
      handler: async (c) => {
        const me = operatorOf(c);
        const field = await formFields(c);
        const reason = field('reason') === 'stolen' ? 'stolen' : 'lost';
        const id = c.req.param('id') ?? '';
        return answerRefusal(
          c,
          me,
          BACK,
          async () => {
            const own = (await listCredentials(services.store, me.identityId)).find((credential) => credential.id === id && credential.type === PIV_CARD);
            if (!own) throw new MusterError('MUSTER_ERR_NOT_FOUND', 'you hold no such PIV card', [{ field: 'id', value: id, message: 'not a card of yours' }]);
            await (await services.credentials()).cards.suspend(id, by(c), `reported ${reason} by the cardholder`);
          },
          () => c.html(messagePage('Card suspended', `Your card is suspended: reported ${reason}. Its certificates are on hold; see the help desk for a new card.`, { operator: me, link: BACK })),
        );
      },
    }),
    selfConsoleRoute({
      method: 'get',
      path: `${SELF_PATH}/derived`,
      handler: async (c) => {
        const me = operatorOf(c);
        if (!pivSessionOf(me)) return needsPiv(c);
        return answerRefusal(
          c,
          me,
          BACK,
          async () => (await derived()).start(me.identityId, by(c)),
          (ceremony) => show(c, bindDerivedPage(ceremony)),
        );
      },
    }),
    bindingRoute('fido2', async (c, holder, field) =>
      (await derived()).bindFido2({ identityId: operatorOf(c).identityId, challengeId: field('challengeId'), registration: parseRegistration(field('registration')) }, by(c), holder),
    ),
    bindingRoute('pki', async (c, holder, field) => (await derived()).bindPki({ identityId: operatorOf(c).identityId, challengeId: field('challengeId'), csr: field('csr') }, by(c), holder)),
    selfConsoleRoute({
      method: 'get',
      path: `${SELF_PATH}/relying-parties`,
      nav: 'My relying parties',
      handler: async (c) => {
        const me = operatorOf(c);
        const parties = await Promise.all(
          (await rpSubjectsOf(services.store, me.identityId)).map(async (subject): Promise<RelyingPartyView> => relyingPartyView(agreements(), services, me.identityId, subject)),
        );
        return show(c, relyingPartiesPage(parties));
      },
    }),
    selfConsoleRoute({
      method: 'post',
      path: `${SELF_PATH}/relying-parties/:client/withdraw`,
      handler: async (c) => {
        const me = operatorOf(c);
        const clientId = c.req.param('client') ?? '';
        const withdrawn = await withdrawConsent(services.store, services.audit, {
          identityId: me.identityId,
          clientId,
          actor: me.actor,
          correlationId: c.get('correlationId'),
          now: services.clock.now(),
        });
        const message = withdrawn
          ? `Your consent to ${clientId} is withdrawn: you are signed out there, and it will ask you again at your next sign-in there.`
          : `You had given ${clientId} no consent.`;
        return c.html(messagePage('Consent withdrawn', message, { operator: me, link: { href: `${SELF_PATH}/relying-parties`, text: 'Back to the relying parties' } }), withdrawn ? 200 : 404);
      },
    }),
  ];
}

type Bound = Parameters<typeof boundPage>[0];

/** A Derived PIV binding by its holder: only in a session the PIV card opened, answered with the credential bound. */
function bindingRoute(kind: 'fido2' | 'pki', bind: (c: ConsoleContext, holder: HolderPivSession, field: (name: string) => string) => Promise<Bound>): Omit<ConsoleRoute, 'roles'> {
  return selfConsoleRoute({
    method: 'post',
    path: `${SELF_PATH}/derived/${kind}`,
    handler: async (c) => {
      const me = operatorOf(c);
      const holder = pivSessionOf(me);
      if (!holder) return needsPiv(c);
      const field = await formFields(c);
      return answerRefusal(
        c,
        me,
        BACK,
        () => bind(c, holder, field),
        (bound) => show(c, boundPage(bound), 201),
      );
    },
  });
}

async function relyingPartyView(agreements: AgreementService, services: ConsoleServices, identityId: string, subject: Awaited<ReturnType<typeof rpSubjectsOf>>[number]): Promise<RelyingPartyView> {
  const found = await agreements.forClient(subject.clientId);
  const document = found?.agreement.document;
  const given = await consentOf(services.store, identityId, subject.clientId);
  const consent = document?.consent === 'allowlisted' ? 'allowlisted' : given ? 'given' : 'none';
  return { ...subject, name: found?.rp?.name ?? subject.clientId, attributes: (document?.attributes ?? []).map((a) => a.name), consent };
}

function parseRegistration(text: string): RegistrationResponseJSON {
  try {
    return JSON.parse(text) as RegistrationResponseJSON;
  } catch {
    throw new MusterError('MUSTER_ERR_DERIVED_BINDING', 'binding refused: the browser sent no passkey registration', [{ field: 'registration', message: 'not JSON' }]);
  }
}
