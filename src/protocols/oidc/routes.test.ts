import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MUSTER_OWN_PATHS, ownRouteAt } from '../../config/issuer.ts';
import { OP_PATHS, interactionPathOf } from './routes.ts';

test("no path of the OP, at the host's root, lies under one of muster's own routes (nor the reverse)", () => {
  for (const path of OP_PATHS) {
    if (path.startsWith('/.well-known/')) continue; // muster's well-known documents are others, exactly named
    assert.equal(ownRouteAt(path), undefined, path);
    for (const own of MUSTER_OWN_PATHS) assert.ok(!own.startsWith(`${path}/`) && own !== path, `${own} under ${path}`);
  }
});

test("the sign-in pages follow the issuer's path", () => {
  assert.equal(interactionPathOf('https://idp.agency.example'), '/interaction');
  assert.equal(interactionPathOf('https://idp.agency.example/oidc'), '/oidc/interaction');
  assert.equal(interactionPathOf('https://idp.agency.example/a/b/op'), '/a/b/op/interaction');
});
