/**
 * The catalogue of requestable access (docs/governance.md): versioned items with owners, a privileged flag, a
 * maximum duration and an approval chain. Other parts of governance read items through these functions only.
 */
export { type CatalogueDeps, type CatalogueItem, CatalogueService, catalogueHistory, listCatalogue, offeredItem } from './catalogue.ts';
export { APPROVAL_STEPS, type ApprovalStep, ITEM_KINDS, type ItemDocument, type ItemKind, checkItem } from './item.ts';
