import { CertificatePolicies, PolicyConstraints, PolicyMappings, InhibitAnyPolicy } from '@peculiar/asn1-x509';
import { ANY_POLICY, addChild, initialTree, prune, removeNode, type PolicyNode, type PolicyTree } from './policy-tree.ts';
import { getExtension, skipCerts, type ParsedCert } from './parsed.ts';

/** Policy state variables of RFC 5280 §6.1.2. */
export interface PolicyState {
  tree: PolicyTree;
  explicitPolicy: number;
  policyMapping: number;
  inhibitAnyPolicy: number;
}

export function initialPolicyState(n: number, explicit: boolean, mappingInhibit: boolean, anyInhibit: boolean): PolicyState {
  return { tree: initialTree(), explicitPolicy: explicit ? 0 : n + 1, policyMapping: mappingInhibit ? 0 : n + 1, inhibitAnyPolicy: anyInhibit ? 0 : n + 1 };
}

function processPolicies(tree: PolicyNode[][], depth: number, policies: string[], anyAllowed: boolean): void {
  const parents = tree[depth - 1] ?? [];
  for (const policy of policies.filter((p) => p !== ANY_POLICY)) {
    const matches = parents.filter((node) => node.expected.has(policy));
    const targets = matches.length > 0 ? matches : parents.filter((node) => node.policy === ANY_POLICY);
    for (const parent of targets) addChild(tree, parent, depth, policy, new Set([policy]));
  }
  if (!policies.includes(ANY_POLICY) || !anyAllowed) return;
  for (const parent of parents) {
    for (const value of parent.expected) {
      if (!parent.children.some((child) => child.policy === value)) addChild(tree, parent, depth, value, new Set([value]));
    }
  }
}

/** §6.1.3 (d)–(f) for certificate `depth` (1-based) of `n`. Returns a failure reason or undefined. */
export function applyCertificatePolicies(state: PolicyState, cert: ParsedCert, depth: number, n: number, selfIssued: boolean): string | undefined {
  const cp = getExtension(cert, '2.5.29.32', CertificatePolicies);
  if (state.tree && cp) {
    const anyAllowed = state.inhibitAnyPolicy > 0 || (depth < n && selfIssued);
    processPolicies(
      state.tree,
      depth,
      cp.map((p) => p.policyIdentifier),
      anyAllowed,
    );
    state.tree = prune(state.tree, depth);
  } else {
    state.tree = null;
  }
  if (state.explicitPolicy === 0 && state.tree === null) return 'no valid policy (explicit policy required)';
  return undefined;
}

function applyMappings(state: PolicyState, mappings: PolicyMappings, depth: number): void {
  const tree = state.tree;
  if (!tree) return;
  const byIssuer = new Map<string, Set<string>>();
  for (const m of mappings) byIssuer.set(m.issuerDomainPolicy, (byIssuer.get(m.issuerDomainPolicy) ?? new Set()).add(m.subjectDomainPolicy));
  for (const [issuerPolicy, subjects] of byIssuer) {
    const nodes = (tree[depth] ?? []).filter((node) => node.policy === issuerPolicy);
    if (state.policyMapping === 0) {
      for (const node of nodes) removeNode(tree, node, depth);
      continue;
    }
    for (const node of nodes) node.expected = new Set(subjects);
    const anyNode = (tree[depth] ?? []).find((node) => node.policy === ANY_POLICY);
    if (nodes.length === 0 && anyNode?.parent) addChild(tree, anyNode.parent, depth, issuerPolicy, new Set(subjects));
  }
  if (state.policyMapping === 0) state.tree = prune(tree, depth);
}

/** §6.1.4 (a), (b), (h), (i), (j): prepare for the next certificate. */
export function preparePolicies(state: PolicyState, cert: ParsedCert, depth: number, selfIssued: boolean): string | undefined {
  const mappings = getExtension(cert, '2.5.29.33', PolicyMappings);
  if (mappings?.some((m) => m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY)) return 'policy mapping to or from anyPolicy';
  if (mappings) applyMappings(state, mappings, depth);
  if (!selfIssued) {
    if (state.explicitPolicy > 0) state.explicitPolicy--;
    if (state.policyMapping > 0) state.policyMapping--;
    if (state.inhibitAnyPolicy > 0) state.inhibitAnyPolicy--;
  }
  const pc = getExtension(cert, '2.5.29.36', PolicyConstraints);
  if (pc?.requireExplicitPolicy !== undefined) state.explicitPolicy = Math.min(state.explicitPolicy, skipCerts(pc.requireExplicitPolicy));
  if (pc?.inhibitPolicyMapping !== undefined) state.policyMapping = Math.min(state.policyMapping, skipCerts(pc.inhibitPolicyMapping));
  const iap = getExtension(cert, '2.5.29.54', InhibitAnyPolicy);
  if (iap) state.inhibitAnyPolicy = Math.min(state.inhibitAnyPolicy, skipCerts(iap.value));
  return undefined;
}
