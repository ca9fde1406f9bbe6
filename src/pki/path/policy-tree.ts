/** The valid_policy_tree of RFC 5280 §6.1.2 (a): nodes by depth, each with its parent. */
export const ANY_POLICY = '2.5.29.32.0';

export interface PolicyNode {
  readonly policy: string;
  expected: Set<string>;
  readonly parent: PolicyNode | undefined;
  readonly children: PolicyNode[];
}

/** levels[d] holds the nodes of depth d; an empty tree is `null`. */
export type PolicyTree = PolicyNode[][] | null;

export function initialTree(): PolicyTree {
  return [[{ policy: ANY_POLICY, expected: new Set([ANY_POLICY]), parent: undefined, children: [] }]];
}

export function addChild(tree: PolicyNode[][], parent: PolicyNode, depth: number, policy: string, expected: Set<string>): void {
  const node: PolicyNode = { policy, expected, parent, children: [] };
  parent.children.push(node);
  (tree[depth] ??= []).push(node);
}

/** Removes a node and its whole subtree. */
export function removeNode(tree: PolicyNode[][], node: PolicyNode, depth: number): void {
  for (const child of [...node.children]) removeNode(tree, child, depth + 1);
  const level = tree[depth] ?? [];
  level.splice(level.indexOf(node), 1);
  if (node.parent) node.parent.children.splice(node.parent.children.indexOf(node), 1);
}

/** Deletes childless nodes above `depth`, bottom up; returns null when the root goes. */
export function prune(tree: PolicyNode[][], depth: number): PolicyTree {
  for (let d = depth - 1; d >= 0; d--) {
    for (const node of [...(tree[d] ?? [])]) if (node.children.length === 0) removeNode(tree, node, d);
  }
  return (tree[0] ?? []).length === 0 ? null : tree;
}
