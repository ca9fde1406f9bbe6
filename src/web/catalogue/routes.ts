import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isMusterError, MusterError } from '../../core/errors.ts';
import { CatalogueService, catalogueHistory, identitiesByKey, type ItemDocument, listCatalogue, peopleNamed } from '../../governance/index.ts';
import type { Queryable } from '../../store/store.ts';
import { operatorOf } from '../env.ts';
import { musterOf, type OperatorDeps } from '../operator/deps.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { formValues } from '../answers.ts';
import { show } from '../view.ts';
import { CATALOGUE_PATH, catalogueListPage, itemFormPage } from './pages.ts';

/**
 * The catalogue from the console, with the role and service of `PUT /api/catalogue/{name}` (policy-admin): every item;
 * the form of a new item or of an item's next version, saved by `CatalogueService.save` (checked, audited
 * `catalogue.item-saved`). Owners are given by employee id or identity id; the service's refusal names each field.
 */

const POLICY_ADMIN = ['policy-admin'] as const;

/** The owners' lines as identity ids; a line naming nobody is refused. */
async function ownerIds(db: Queryable, text: string): Promise<string[]> {
  const keys = text
    .split(/[\s,]+/)
    .map((k) => k.trim())
    .filter(Boolean);
  const found = await identitiesByKey(db, keys);
  const unknown = keys.filter((k) => !found.has(k));
  if (unknown.length > 0)
    throw new MusterError(
      'MUSTER_ERR_VALIDATION',
      `Owners: nobody in the MUR is ${unknown.join(', ')}`,
      unknown.map((k) => ({ field: 'owners', value: k, message: 'no such person' })),
    );
  return keys.map((k) => found.get(k) as string);
}

/** The versions of an item saved before, newest first; none for a new item. */
async function savedBefore(db: Queryable, name: string): ReturnType<typeof catalogueHistory> {
  if (!name) return [];
  return catalogueHistory(db, name).catch((error: unknown) => {
    if (isMusterError(error, 'MUSTER_ERR_NOT_FOUND')) return [];
    throw error;
  });
}

/** The item document the form describes, as `PUT /api/catalogue/{name}` takes it (the service checks it). */
function documentOf(field: (name: string) => string, approvals: readonly string[], owners: readonly string[]): Record<string, unknown> {
  const kind = field('kind');
  const hours = field('activationHours').trim();
  const grant = kind === 'group' ? { target: field('target'), group: field('group').trim() } : kind === 'role' ? { role: field('role') } : { agreement: field('agreement').trim() };
  return {
    kind,
    ...grant,
    description: field('description').trim(),
    owners,
    privileged: field('privileged') === 'yes',
    maxDays: Number(field('maxDays')),
    approvals,
    activation: field('activation') || 'standing',
    ...(hours ? { activationHours: Number(hours) } : {}),
  };
}

export function catalogueRoutes(deps: OperatorDeps): ConsoleRoute[] {
  const catalogue = () => {
    const m = musterOf(deps);
    return new CatalogueService({ store: m.store, audit: m.audit, clock: m.clock, targets: m.accessTargets.names });
  };
  return [
    consoleRoute({
      method: 'get',
      path: CATALOGUE_PATH,
      roles: [...POLICY_ADMIN],
      nav: 'Catalogue',
      handler: async (c) => {
        const { store } = musterOf(deps);
        const items = await listCatalogue(store);
        return show(
          c,
          catalogueListPage(
            items,
            await peopleNamed(
              store,
              items.flatMap((i) => i.document.owners),
            ),
          ),
        );
      },
    }),
    consoleRoute({
      method: 'get',
      path: `${CATALOGUE_PATH}/new`,
      roles: [...POLICY_ADMIN],
      handler: async (c) => show(c, itemFormPage({ item: null, owners: [], targets: musterOf(deps).accessTargets.names })),
    }),
    consoleRoute({
      method: 'get',
      path: `${CATALOGUE_PATH}/items/:name`,
      roles: [...POLICY_ADMIN],
      handler: async (c) => {
        const m = musterOf(deps);
        const [item] = await catalogueHistory(m.store, c.req.param('name') ?? '');
        if (!item) throw new MusterError('MUSTER_ERR_NOT_FOUND', 'no such catalogue item');
        const names = await peopleNamed(m.store, item.document.owners);
        const owners = item.document.owners.map((o) => names.get(o)?.employeeId ?? o);
        return show(c, itemFormPage({ item, owners, targets: m.accessTargets.names }));
      },
    }),
    consoleRoute({
      method: 'post',
      path: CATALOGUE_PATH,
      roles: [...POLICY_ADMIN],
      handler: async (c) => {
        const me = operatorOf(c);
        const m = musterOf(deps);
        const values = await formValues(c);
        const field = (name: string) => values(name)[0] ?? '';
        const name = field('name').trim();
        try {
          const owners = await ownerIds(m.store, field('owners'));
          await catalogue().save(name, documentOf(field, values('approvals'), owners), me.actor, field('reason').trim());
        } catch (error) {
          if (!isMusterError(error) || error.status >= 500) throw error;
          // the form again, as typed, under the refusal: nothing the operator wrote is lost
          const [item] = await savedBefore(m.store, name);
          const draft = { name, document: documentOf(field, values('approvals'), []) as Partial<ItemDocument>, reason: field('reason'), refusal: error.message };
          return show(c, itemFormPage({ item: item ?? null, owners: [field('owners')], targets: m.accessTargets.names, draft }), error.status as ContentfulStatusCode);
        }
        return c.redirect(CATALOGUE_PATH, 303);
      },
    }),
  ];
}
