import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { identityByKey } from '../lifecycle/test-fixtures.ts';
import { migrate } from '../store/migrate.ts';
import { recordRpUse } from './rp-subjects.ts';
import { pairwiseSubject, sectorOf, subjectAtRp, subjectFor } from './subjects.ts';

it('a subject is HMAC-SHA-256 of the sector under the secret, base64url (a known answer: identifiers RPs hold must not move)', () => {
  assert.equal(subjectFor(Buffer.alloc(32, 7), 'portal-a'), '38UqIb62fYHE_01utiAGer6xmm_tgy3fqwrOwX3fVoA');
});

describeEachStore('pairwise sectors', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  const ids: Record<string, string> = {};

  it('sets up two people', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1'), hrLine('E2')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied');
    for (const key of ['E1', 'E2']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
  });

  it('is the relying party itself unless it names a sector identifier URI, which RPs naming the same URI share', () => {
    assert.notEqual(sectorOf('portal-a'), sectorOf('portal-b'));
    assert.equal(sectorOf('portal-a', 'https://agency.example/sector'), sectorOf('portal-b', 'https://agency.example/sector'));
    assert.notEqual(sectorOf('portal-a', 'https://agency.example/sector'), sectorOf('portal-a', 'https://agency.example/other'));
  });

  it('the migration keeps the subject an RP already has under the host rule; people new to the RP get its own sector', async () => {
    const at = h.clock.now();
    // the store as it was before per-RP sectors: the RP knows E1 by the subject of its redirect host
    await h.store.exec("ALTER TABLE federation_rp_subjects DROP COLUMN host_sector; DELETE FROM schema_migrations WHERE name = '009_federation_rp_sectors.sql'");
    const hostSub = await pairwiseSubject(h.store, ids.E1 as string, 'portal.agency.example', at);
    await recordRpUse(h.store, ids.E1 as string, 'portal-a', hostSub, at);
    await migrate(h.store);
    assert.equal(await subjectAtRp(h.store, ids.E1 as string, 'portal-a', sectorOf('portal-a'), at), hostSub, 'E1 keeps the subject portal-a knows');
    const fresh = await subjectAtRp(h.store, ids.E2 as string, 'portal-a', sectorOf('portal-a'), at);
    assert.equal(fresh, await pairwiseSubject(h.store, ids.E2 as string, sectorOf('portal-a'), at));
    assert.notEqual(fresh, await pairwiseSubject(h.store, ids.E2 as string, 'portal.agency.example', at));
    await recordRpUse(h.store, ids.E2 as string, 'portal-a', fresh, at);
    assert.equal(await subjectAtRp(h.store, ids.E2 as string, 'portal-a', sectorOf('portal-a'), at), fresh, 'stable on the next sign-in');
  });
});
