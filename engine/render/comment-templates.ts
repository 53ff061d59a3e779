/**
 * The PR comment's layout lives in `templates/*.hbs`; this module finds them, compiles them once on a
 * private Handlebars instance and renders typed view models. Values arrive already escaped and
 * formatted: templates only arrange them, so `noEscape` is right (the output is Markdown, not HTML),
 * `strict` catches a misspelt field, and `knownHelpersOnly` keeps the helper set to if/unless/each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { InternalError } from '../errors.js';

export interface VerdictView {
  icon: string;
  label: string;
  headline: string;
  reasons: { requires: string; guard: string; message: string }[];
}

export interface SummaryRowView {
  entity: string;
  create: string;
  update: string;
  adopt: string;
  drop: string;
  desired: string;
  managed: string;
}

export interface SummaryView {
  rows: SummaryRowView[];
  total: { create: string; update: string; adopt: string; drop: string };
}

export interface CommentHeadView extends VerdictView {
  title: string;
  summary: SummaryView | null;
  /** Where each side came from, escaped; null for plans that do not record it. */
  sources: { sis: string; canvas: string } | null;
}

export interface SectionOpenView {
  heading: string;
  continued: boolean;
  intro: string | null;
}

export interface DetailsOpenView {
  entity: string;
  counts: string;
  continued: boolean;
}

export interface FooterView {
  planId: string;
  formatVersion: string;
  inputs: { config: string; sis: string; canvas: string; asOf: string };
  commit: string | null;
  repository: string | null;
  approval: { needed: boolean; blocked: boolean; routine: boolean; nothing: boolean; record: string };
}

export interface ContinuedView {
  title: string;
}

export interface TemplateViews {
  comment: CommentHeadView;
  'section-open': SectionOpenView;
  'details-open': DetailsOpenView;
  'details-close': Record<string, never>;
  footer: FooterView;
  continued: ContinuedView;
}

type TemplateName = keyof TemplateViews;

const TEMPLATES: readonly TemplateName[] = ['comment', 'section-open', 'details-open', 'details-close', 'footer', 'continued'];
const PARTIALS = ['verdict', 'summary-table'] as const;

const COMPILE_OPTIONS = {
  noEscape: true,
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { if: true, unless: true, each: true, with: false, lookup: false, log: false },
  preventIndent: true,
} as const;

const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

/**
 * Next to this module when running from the source tree (vitest); from `dist/`, tsc has not copied
 * the .hbs files, so they are read from the source tree the package ships (`files` in package.json).
 */
function templateDirectory(): string {
  const candidates = [new URL('./templates/', import.meta.url), new URL('../../../engine/render/templates/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, 'comment.hbs'))) return dir;
  }
  throw new InternalError(`the PR comment templates are missing (looked in ${candidates.map((u) => fileURLToPath(u)).join(' and ')})`);
}

type Compiled = { [K in TemplateName]: Handlebars.TemplateDelegate<TemplateViews[K]> };

let compiled: Compiled | null = null;

function compileAll(): Compiled {
  const dir = templateDirectory();
  const hb = Handlebars.create();
  for (const name of ['log', 'lookup', 'with']) hb.unregisterHelper(name);
  const read = (name: string) => readFileSync(join(dir, `${name}.hbs`), 'utf8');
  for (const name of PARTIALS) hb.registerPartial(name, hb.compile(read(name), COMPILE_OPTIONS));
  const out: Partial<Record<TemplateName, Handlebars.TemplateDelegate>> = {};
  for (const name of TEMPLATES) out[name] = hb.compile(read(name), COMPILE_OPTIONS);
  return out as Compiled;
}

export function renderTemplate<K extends TemplateName>(name: K, view: TemplateViews[K]): string {
  compiled ??= compileAll();
  const template = compiled[name] as Handlebars.TemplateDelegate<TemplateViews[K]>;
  return template(view, RUNTIME_OPTIONS);
}
