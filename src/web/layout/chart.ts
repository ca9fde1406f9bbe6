import { html } from 'hono/html';
import type { Html } from './html.ts';
import { dataTable } from './table.ts';

/**
 * Charts drawn on the server as SVG (no script; colours and sizes as SVG attributes, which the CSP allows), each
 * with the table of its numbers: the picture is an image named by its title for screen readers, the table below it
 * (in a disclosure) is what they read, and what anyone may copy.
 */

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
}

export interface ChartData {
  /** Unique on the page: the ids of the chart's title and table derive from it. */
  readonly id: string;
  readonly title: string;
  /** The labels of the x axis, one per value of each series. */
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** What the values count, for the table's headers and the axis (`days`, `ms`, `people`). */
  readonly unit?: string;
}

/** Colours of the U.S. Web Design System that keep 3:1 against white, one per series. */
const COLOURS = ['#005ea2', '#d54309', '#008817', '#8168b3', '#1b1b1b', '#b50909'];
const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 56, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

function colour(i: number): string {
  return COLOURS[i % COLOURS.length] as string;
}

function maxOf(data: ChartData): number {
  const max = Math.max(0, ...data.series.flatMap((s) => s.values));
  return max > 0 ? max : 1;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Every nth x label, so that labels never overlap. */
function labelStep(count: number): number {
  return Math.max(1, Math.ceil(count / 12));
}

function axes(data: ChartData, max: number, x: (i: number) => number): Html {
  const step = labelStep(data.categories.length);
  const labels = data.categories.map((label, i) =>
    i % step === 0 ? html`<text x="${x(i).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11" fill="#1b1b1b">${label}</text>` : '',
  );
  const ticks = [0, max / 2, max].map((v) => {
    const y = MARGIN.top + PLOT_H - (v / max) * PLOT_H;
    return html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#dfe1e2"/><text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#1b1b1b">${fmt(v)}</text>`;
  });
  return html`${ticks}<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}" stroke="#565c65"/>${labels}`;
}

function legend(data: ChartData): Html {
  const items = data.series.map(
    (s, i) =>
      html`<rect x="${MARGIN.left + i * 140}" y="${HEIGHT - 20}" width="12" height="12" fill="${colour(i)}"/><text x="${MARGIN.left + i * 140 + 16}" y="${HEIGHT - 10}" font-size="12" fill="#1b1b1b">${s.name}</text>`,
  );
  return html`${items}`;
}

function table(data: ChartData): Html {
  const unit = data.unit ? ` (${data.unit})` : '';
  const rows = data.categories.map((label, i) => ({ label, values: data.series.map((s) => s.values[i] ?? 0) }));
  return dataTable({
    id: `${data.id}-table`,
    caption: `${data.title}: the numbers`,
    columns: [{ label: 'Category', cell: (r) => r.label }, ...data.series.map((s, j) => ({ label: `${s.name}${unit}`, numeric: true, cell: (r: (typeof rows)[number]) => fmt(r.values[j] ?? 0) }))],
    rows,
  });
}

function figure(data: ChartData, kind: 'bar' | 'line', drawing: Html): Html {
  const summary = `${data.title}: ${kind} chart of ${data.series.map((s) => s.name).join(', ')} over ${data.categories.length} ${data.categories.length === 1 ? 'category' : 'categories'}; the table below has the numbers.`;
  return html`<figure class="console-chart margin-x-0" id="${data.id}" data-kind="${kind}">
<figcaption class="text-bold">${data.title}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="${data.id}-svg-title" focusable="false">
<title id="${data.id}-svg-title">${summary}</title>
${drawing}
${legend(data)}
</svg>
<details class="margin-top-1"><summary>Table of ${data.title.toLowerCase()}</summary>
${data.categories.length === 0 ? html`<p>No data yet.</p>` : table(data)}
</details>
</figure>`;
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(data: ChartData): Html {
  const max = maxOf(data);
  const groups = Math.max(1, data.categories.length);
  const groupW = PLOT_W / groups;
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, data.series.length));
  const x = (i: number) => MARGIN.left + groupW * i + groupW / 2;
  const bars = data.series.flatMap((s, j) =>
    s.values.map((v, i) => {
      const h = (v / max) * PLOT_H;
      const bx = MARGIN.left + groupW * i + groupW * 0.1 + barW * j;
      return html`<rect class="bar" x="${bx.toFixed(1)}" y="${(MARGIN.top + PLOT_H - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour(j)}"><title>${s.name}, ${data.categories[i]}: ${fmt(v)}</title></rect>`;
    }),
  );
  return figure(data, 'bar', html`${axes(data, max, x)}${bars}`);
}

/** Lines: one per series, a point per category. */
export function lineChart(data: ChartData): Html {
  const max = maxOf(data);
  const n = data.categories.length;
  const x = (i: number) => MARGIN.left + (n <= 1 ? PLOT_W / 2 : (PLOT_W * i) / (n - 1));
  const y = (v: number) => MARGIN.top + PLOT_H - (v / max) * PLOT_H;
  const lines = data.series.map((s, j) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const dots = s.values.map(
      (v, i) => html`<circle class="point" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${colour(j)}"><title>${s.name}, ${data.categories[i]}: ${fmt(v)}</title></circle>`,
    );
    return html`<polyline points="${points}" fill="none" stroke="${colour(j)}" stroke-width="2"/>${dots}`;
  });
  return figure(data, 'line', html`${axes(data, max, x)}${lines}`);
}
