import { html } from 'hono/html';
import { traceIdentity } from '../../audit/trace/build.ts';
import { MusterError } from '../../core/errors.ts';
import { listCredentials } from '../../credentials/queries.ts';
import { rpSubjectsOf } from '../../federation/rp-subjects.ts';
import { placeHold } from '../../lifecycle/holds.ts';
import { identityView, listIdentities } from '../../mur/identity-repository.ts';
import type { IdentitySummary } from '../../mur/identity-views.ts';
import { agreementService } from '../../runtime/agreements.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Muster } from '../../runtime/context.ts';
import { readBack } from '../../runtime/evidence/accounts.ts';
import { targetConnector } from '../../runtime/reconcile.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import type { Html } from '../layout/html.ts';
import { peopleSearchForm } from '../layout/search.ts';
import { render, renderPart } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, mayUse, musterOf, type OperatorDeps } from './deps.ts';
import {
  accountsSection,
  attributesSection,
  credentialsSection,
  entitlementsSection,
  holdsSection,
  personPath,
  type RpRelease,
  relyingPartiesSection,
  statusSection,
  vettingSection,
} from './identity-sections.ts';
import { formField, refusal } from './respond.ts';
import { timelineSection } from './trace-view.ts';

/**
 * People: a search page and the page of one person (the roles of `GET /api/identities/{id}`), with the buttons the
 * operator's roles allow (place a hold: security-officer; suspend a card: issuer, helpdesk, security-officer),
 * posting through the same services as the API.
 */

const TIMELINE_DAYS = 90;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function results(people: readonly IdentitySummary[], q: string): Html {
  return html`<div id="search-results">${dataTable({
    id: 'people',
    caption: q ? `People matching “${q}”` : 'People (first page)',
    columns: [
      { label: 'Name', cell: (p: IdentitySummary) => html`<a href="${personPath(p.id)}">${p.fullName ?? p.id}</a>` },
      { label: 'Status', cell: (p) => p.status },
      { label: 'Kind', cell: (p) => p.kind },
      { label: 'Employee id', cell: (p) => p.employeeId },
      { label: 'Email', cell: (p) => p.email },
      { label: 'Department', cell: (p) => p.department },
      { label: 'User type', cell: (p) => p.userType },
    ],
    rows: people,
    empty: 'Nobody matches.',
  })}</div>`;
}

async function search(c: ConsoleContext, muster: Muster): Promise<Response> {
  const q = (c.req.query('q') ?? '').trim();
  let people: IdentitySummary[];
  try {
    people = (await listIdentities(muster.store, { ...(q ? { q } : {}), limit: 50, today: muster.clock.now().toISOString().slice(0, 10) })).items as IdentitySummary[];
  } catch (error) {
    return refusal(c, error);
  }
  if (c.req.header('hx-request') === 'true') return c.html(await results(people, q));
  return render(c, 'People', html`${peopleSearchForm({ action: `${CONSOLE_PATH}/identities`, inputId: 'search-q', q, resultsId: 'search-results' })}${results(people, q)}`);
}

async function rpReleases(muster: Muster, identityId: string): Promise<RpRelease[]> {
  const [subjects, agreements] = await Promise.all([rpSubjectsOf(muster.store, identityId), agreementService(muster).list()]);
  return subjects.map((rp) => {
    const agreement = agreements.find((a) => a.document.relyingParties.some((r) => r.clientId === rp.clientId));
    return { rp, agreement: agreement ? `${agreement.id} v${agreement.version}` : null, released: agreement ? agreement.document.attributes.map((a) => a.name) : [] };
  });
}

async function person(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = c.req.param('id') ?? '';
  if (!UUID.test(id)) return refusal(c, new MusterError('MUSTER_ERR_NOT_FOUND', 'no such identity'));
  let view: Awaited<ReturnType<typeof identityView>>;
  try {
    view = await identityView(muster.store, id);
  } catch (error) {
    return refusal(c, error, { href: `${CONSOLE_PATH}/identities`, text: 'Search people' });
  }
  const name = view.attributes.find((a) => a.name === 'full_name')?.value;
  const [credentials, releases, traces] = await Promise.all([
    mayUse(c, API_ROLES.credentials) ? listCredentials(muster.store, id) : Promise.resolve(null),
    rpReleases(muster, id),
    mayUse(c, API_ROLES.trace) ? traceIdentity(muster.store, id, new Date(muster.clock.now().getTime() - TIMELINE_DAYS * DAY_MS)) : Promise.resolve(null),
  ]);
  const summary = html`<p class="usa-intro" id="person-summary">${view.kind}, <strong id="person-status">${view.status}</strong>${view.expiresAt ? `, expires ${view.expiresAt}` : ''}. <code>${view.id}</code></p>`;
  const body = html`${summary}
${attributesSection(view.attributes)}
${statusSection(view.statusHistory)}
${holdsSection(id, view.holds, mayUse(c, API_ROLES.placeHold))}
${vettingSection(view)}
${accountsSection(id, view.accounts)}
${entitlementsSection(view.entitlements)}
${credentials ? credentialsSection(id, credentials, mayUse(c, API_ROLES.suspendCard)) : ''}
${relyingPartiesSection(releases)}
${traces ? timelineSection(traces, TIMELINE_DAYS) : ''}`;
  return render(c, typeof name === 'string' && name ? name : `Identity ${id}`, body);
}

/** An account's state in its target now, read through the connector reconciliation reads with. */
async function liveAccount(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const accountId = c.req.param('accountId') ?? '';
  const view = UUID.test(id) ? await identityView(muster.store, id).catch(() => null) : null;
  const account = view?.accounts.find((a) => a.id === accountId);
  if (!account) return refusal(c, new MusterError('MUSTER_ERR_NOT_FOUND', 'no such account of this identity'));
  const connector = targetConnector(muster, account.target);
  let read: Awaited<ReturnType<typeof readBack>>;
  try {
    read = await readBack(connector, account.accountRef, () => muster.clock.now());
  } finally {
    await connector?.close();
  }
  const part = !read.read
    ? html`<span class="live-state">Not read: ${read.why}</span>`
    : !read.found
      ? html`<span class="live-state">Not in ${account.target} (read ${read.at})</span>`
      : html`<span class="live-state">${read.enabled ? 'enabled' : 'disabled'} in ${account.target}${read.groups?.length ? `, groups ${read.groups.join(', ')}` : ''} (read ${read.at})</span>`;
  return renderPart(c, `Account ${account.accountRef} in ${account.target}`, part);
}

async function hold(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = c.req.param('id') ?? '';
  try {
    await placeHold(muster.store, muster, id, await formField(c, 'reason'), operatorOf(c).actor);
  } catch (error) {
    return refusal(c, error, { href: personPath(id), text: 'Back to the person' });
  }
  return c.redirect(`${personPath(id)}#holds`, 303);
}

async function suspendCard(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const credentialId = c.req.param('credentialId') ?? '';
  try {
    const owned = (await listCredentials(muster.store, id)).some((cred) => cred.id === credentialId);
    if (!owned) throw new MusterError('MUSTER_ERR_NOT_FOUND', 'no such card of this identity');
    await (await muster.credentials()).cards.suspend(credentialId, { actor: operatorOf(c).actor, correlationId: c.get('correlationId') }, await formField(c, 'reason'));
  } catch (error) {
    return refusal(c, error, { href: personPath(id), text: 'Back to the person' });
  }
  return c.redirect(`${personPath(id)}#credential-${credentialId}`, 303);
}

export function identityPages(deps: OperatorDeps): ConsoleRoute[] {
  const m = () => musterOf(deps);
  return [
    consoleRoute({ method: 'get', path: `${CONSOLE_PATH}/identities`, roles: API_ROLES.identities, nav: 'People', handler: (c) => search(c, m()) }),
    consoleRoute({ method: 'get', path: `${CONSOLE_PATH}/identities/:id`, roles: API_ROLES.identities, handler: (c) => person(c, m()) }),
    consoleRoute({ method: 'get', path: `${CONSOLE_PATH}/identities/:id/accounts/:accountId`, roles: API_ROLES.identities, handler: (c) => liveAccount(c, m()) }),
    consoleRoute({ method: 'post', path: `${CONSOLE_PATH}/identities/:id/holds`, roles: API_ROLES.placeHold, handler: (c) => hold(c, m()) }),
    consoleRoute({ method: 'post', path: `${CONSOLE_PATH}/identities/:id/cards/:credentialId/suspend`, roles: API_ROLES.suspendCard, handler: (c) => suspendCard(c, m()) }),
  ];
}
