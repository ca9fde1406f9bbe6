/**
 * The console's layout, for every page: `render(c, title, body)` answers with the page in the USWDS shell
 * (header with the operator, side navigation by role, skip link, footer); `dataTable` and `barChart`/`lineChart`
 * (an SVG with its table) for the content; `assetUrl` for the served USWDS and htmx files.
 */
export { assetRoutes, assetUrl, ASSET_CACHE, ASSETS_PATH } from './assets.ts';
export { barChart, lineChart, type ChartData, type ChartSeries } from './chart.ts';
export type { Html } from './html.ts';
export { navEntriesOf, navFor, type NavEntry } from './nav.ts';
export { type ConsoleShell, isHtmx, render, renderPart, shellFor, shellPage, type ShellOperator, type ShellView } from './shell.ts';
export { type Column, dataTable, type DataTableOptions } from './table.ts';
