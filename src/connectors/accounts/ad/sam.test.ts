import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAM_MAX, samBase, samCandidate } from './sam.ts';

test('the pattern fills in the login and names, without characters AD refuses', () => {
  assert.equal(samBase('{key}', 'pat.lee@agency.example', {}), 'pat.lee');
  assert.equal(samBase('{g}{family}', 'E123', { givenName: 'Zoë', familyName: "O'Brien-Smith, Jr" }), "zo'brien-smithjr");
  assert.equal(samBase('{family}', 'E123', {}), 'e123', 'an empty result falls back to the login');
});

test('names are cut to 20 characters, and numbered within 20 on collision', () => {
  const base = samBase('{given}.{family}', 'x', { givenName: 'Maximiliana', familyName: 'Vandenberghe-Oosterhout' });
  assert.equal(base.length, SAM_MAX);
  assert.equal(samCandidate(base, 0), base);
  assert.equal(samCandidate(base, 1), `${base.slice(0, 19)}2`);
  assert.equal(samCandidate(base, 11), `${base.slice(0, 18)}12`);
  assert.equal(samCandidate('plee', 1), 'plee2');
});
