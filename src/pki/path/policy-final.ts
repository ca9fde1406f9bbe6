import { PolicyConstraints } from '@peculiar/asn1-x509';
import { ANY_POLICY, addChild, prune, removeNode, type PolicyNode } from './policy-tree.ts';
import { getExtension, skipCerts, type ParsedCert } from './parsed.ts';
import type { PolicyState } from './policy.ts';

function isAnchorDomain(node: PolicyNode): boolean {
  return node.parent !== undefined && node.parent.policy === ANY_POLICY;
}

/** §6.1.5 (g)(iii): intersect the tree with the user-initial-policy-set. */
function intersect(tree: PolicyNode[][], n: number, userSet: ReadonlySet<string>): void {
  const nodeSet = tree.flatMap((level, depth) => level.filter(isAnchorDomain).map((node) => ({ node, depth })));
  for (const { node, depth } of nodeSet) {
    if (node.policy !== ANY_POLICY && !userSet.has(node.policy)) removeNode(tree, node, depth);
  }
  const anyLeaf = (tree[n] ?? []).find((node) => node.policy === ANY_POLICY);
  if (!anyLeaf?.parent) return;
  const present = new Set(nodeSet.map(({ node }) => node.policy));
  for (const policy of userSet) if (!present.has(policy)) addChild(tree, anyLeaf.parent, n, policy, new Set([policy]));
  removeNode(tree, anyLeaf, n);
}

/** The policy each leaf was first asserted under, in the trust anchor's domain. */
function anchorPolicyOf(leaf: PolicyNode): string {
  let node = leaf;
  while (node.parent && !isAnchorDomain(node)) node = node.parent;
  return node.policy;
}

/** §6.1.5 (a), (b), (g). Returns the user-constrained policy set, or a failure reason. */
export function finishPolicies(state: PolicyState, ee: ParsedCert, n: number, userPolicies: readonly string[]): { reason?: string; set: string[] } {
  if (state.explicitPolicy > 0) state.explicitPolicy--;
  const require = getExtension(ee, '2.5.29.36', PolicyConstraints)?.requireExplicitPolicy;
  if (require !== undefined && skipCerts(require) === 0) state.explicitPolicy = 0;
  let tree = state.tree;
  if (tree && !userPolicies.includes(ANY_POLICY)) {
    intersect(tree, n, new Set(userPolicies));
    tree = prune(tree, n);
  }
  const leaves = tree ? (tree[n] ?? []) : [];
  const set = [...new Set(leaves.map(anchorPolicyOf))].sort();
  if (state.explicitPolicy === 0 && set.length === 0) return { reason: 'no valid policy (explicit policy required)', set };
  return { set };
}
