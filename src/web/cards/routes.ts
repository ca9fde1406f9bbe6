import { MusterError } from '../../core/errors.ts';
import type { FixedRole } from '../../core/operators/roles.ts';
import { currentProofing, currentSponsorship } from '../../credentials/issuance-record-repository.ts';
import { recordProofing, recordSponsorship, type RecordingOperator } from '../../credentials/issuance-records.ts';
import { listCredentials } from '../../credentials/queries.ts';
import { identityView, listIdentities } from '../../mur/identity-repository.ts';
import type { Muster } from '../../runtime/context.ts';
import { answerRefusal, checkedId, formFields } from '../answers.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { mayUse, musterOf, type OperatorDeps } from '../operator/deps.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { show } from '../view.ts';
import { CARD_ROLES, type CardOperation, DERIVED_REASONS, operationPath } from './buttons.ts';
import { cardRequest, proofingRequest } from './forms.ts';
import { CARDS_PATH, type CardPerson, cardPersonPage, cardSearchPage, cardsPathOf } from './pages.ts';

/**
 * PIV card issuance from the console, each step a form for the role of its API route and through the same service:
 * sponsorship (sponsor), identity proofing (registrar), issuance (issuer) — the services refuse one operator in two
 * parts (separation of duties, audited) and the page shows their message; a person's cards and derived credentials
 * with the buttons of the roles that may press them.
 */

const PAGE_ROLES = ['sponsor', 'registrar', 'issuer', 'helpdesk', 'security-officer', 'auditor'] as const satisfies readonly FixedRole[];

function recorder(c: ConsoleContext): RecordingOperator {
  const me = operatorOf(c);
  return { operatorId: me.identityId, actor: me.actor, correlationId: c.get('correlationId') };
}

const actorOf = (c: ConsoleContext) => ({ actor: operatorOf(c).actor, correlationId: c.get('correlationId') });

async function personOf(m: Muster, id: string): Promise<CardPerson> {
  const identity = await identityView(m.store, checkedId(id, 'identity'));
  const name = identity.attributes.find((a) => a.name === 'full_name')?.value;
  const [sponsorship, proofing, credentials] = await Promise.all([currentSponsorship(m.store, id), currentProofing(m.store, id), listCredentials(m.store, id)]);
  return { id, name: typeof name === 'string' && name ? name : id, status: identity.status, sponsorship, proofing, credentials };
}

/** Runs one step for the person of the address, answering the service's refusal or going back to the person's page. */
function step(c: ConsoleContext, work: (identityId: string, field: (name: string) => string) => Promise<unknown>): Promise<Response> {
  const id = c.req.param('id') ?? '';
  return formFields(c).then((field) =>
    answerRefusal(
      c,
      operatorOf(c),
      { href: cardsPathOf(id), text: 'Back to the cards' },
      () => work(checkedId(id, 'identity'), field),
      () => c.redirect(cardsPathOf(id), 303),
    ),
  );
}

/** A credential of this person, or 404 (a credential id of someone else's is not reachable through another's page). */
async function ownCredential(m: Muster, identityId: string, credentialId: string): Promise<string> {
  const found = (await listCredentials(m.store, identityId)).some((k) => k.id === credentialId);
  if (!found) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no credential ${credentialId} of this person`, [{ field: 'credentialId', value: credentialId, message: 'not found' }]);
  return credentialId;
}

function operationRoute(deps: OperatorDeps, operation: CardOperation): ConsoleRoute {
  return consoleRoute({
    method: 'post',
    path: operationPath(':id', ':credentialId', operation),
    roles: CARD_ROLES[operation],
    handler: (c) =>
      step(c, async (identityId, field) => {
        const m = musterOf(deps);
        const credentialId = await ownCredential(m, identityId, checkedId(c.req.param('credentialId') ?? '', 'credential'));
        const services = await m.credentials();
        const reason = field('reason').trim();
        if (operation === 'terminate') return services.cards.terminate(credentialId, reason, actorOf(c));
        if (operation === 'terminateDerived') {
          if (!(DERIVED_REASONS as readonly string[]).includes(reason))
            throw new MusterError('MUSTER_ERR_VALIDATION', `Why: ${DERIVED_REASONS.join(', ')}`, [{ field: 'reason', value: reason, message: 'unknown reason' }]);
          return services.derived.terminate(credentialId, reason as (typeof DERIVED_REASONS)[number], actorOf(c));
        }
        if (operation === 'activate') return services.cards.activate(credentialId, actorOf(c), reason || undefined);
        return services.cards[operation](credentialId, actorOf(c), reason);
      }),
  });
}

export function cardRoutes(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: CARDS_PATH,
      roles: PAGE_ROLES,
      nav: 'Card issuance',
      handler: async (c) => {
        const m = musterOf(deps);
        const q = (c.req.query('q') ?? '').trim();
        const found = await listIdentities(m.store, { ...(q ? { q } : {}), limit: 50, today: m.clock.now().toISOString().slice(0, 10) });
        return show(c, cardSearchPage(q, found.items));
      },
    }),
    consoleRoute({
      method: 'get',
      path: `${CARDS_PATH}/:id`,
      roles: PAGE_ROLES,
      handler: (c) =>
        answerRefusal(
          c,
          operatorOf(c),
          { href: CARDS_PATH, text: 'Find a person' },
          () => personOf(musterOf(deps), c.req.param('id') ?? ''),
          (person) => {
            const may = (roles: readonly FixedRole[]) => mayUse(c, roles);
            const ops = Object.fromEntries(Object.entries(CARD_ROLES).map(([op, roles]) => [op, may(roles)])) as Record<CardOperation, boolean>;
            return show(c, cardPersonPage(person, { ...ops, sponsor: may(['sponsor']), proof: may(['registrar']), issue: may(['issuer']) }, musterOf(deps).clock.now()));
          },
        ),
    }),
    consoleRoute({
      method: 'post',
      path: `${CARDS_PATH}/:id/sponsorship`,
      roles: ['sponsor'],
      handler: (c) => step(c, (identityId, field) => recordSponsorship(musterOf(deps), { identityId, reason: field('reason') }, recorder(c))),
    }),
    consoleRoute({
      method: 'post',
      path: `${CARDS_PATH}/:id/proofing`,
      roles: ['registrar'],
      handler: (c) =>
        step(c, (identityId, field) => {
          const m = musterOf(deps);
          return recordProofing(m, proofingRequest(identityId, field, m.clock.now()), recorder(c));
        }),
    }),
    consoleRoute({
      method: 'post',
      path: `${CARDS_PATH}/:id/issue`,
      roles: ['issuer'],
      handler: (c) => step(c, async (identityId, field) => (await musterOf(deps).credentials()).cards.issue(cardRequest(identityId, field), actorOf(c))),
    }),
    ...(Object.keys(CARD_ROLES) as CardOperation[]).map((operation) => operationRoute(deps, operation)),
  ];
}
