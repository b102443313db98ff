// TypeDoc plugin: the schema diagram as a picture in the API site.
//
// At build time it asks scripts/schema-diagram.ts for the Mermaid erDiagram
// the entity metadata gives today (so the picture cannot drift from the
// entities), warns (an error under treatWarningsAsErrors) when the committed
// docs/SCHEMA.md differs from it, renders it to SVG with beautiful-mermaid
// (pure TypeScript, no browser, no network), writes it to media/schema.svg
// and shows it in place of the Mermaid source on the Schema page.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMermaidSVG } from 'beautiful-mermaid';
import { PageEvent, RendererEvent } from 'typedoc';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_MD = join(ROOT, 'docs', 'SCHEMA.md');
/** Where the picture goes, relative to the site's root. */
export const SCHEMA_SVG = 'media/schema.svg';

/** The Markdown of docs/SCHEMA.md as the entity metadata gives it now. */
export function currentSchemaMarkdown() {
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  return execFileSync(tsx, [join(ROOT, 'scripts', 'schema-diagram.ts'), '--print'], { cwd: ROOT, encoding: 'utf8' });
}

/** The erDiagram inside the Markdown's ```mermaid block. */
export function mermaidOf(markdown) {
  const match = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!match) throw new Error('docs/SCHEMA.md has no ```mermaid block');
  return match[1];
}

/**
 * The SVG of an erDiagram, self-contained: beautiful-mermaid adds
 * `@import` lines for web fonts, which would make the picture fetch from
 * Google Fonts; the system fonts it lists after them are used instead.
 */
export function schemaSvg(mermaid) {
  return renderMermaidSVG(mermaid, { transparent: false })
    .split('\n')
    .filter((line) => !/@import\s+url\(/.test(line))
    .join('\n');
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  /** @type {string | undefined} */
  let svg;
  app.renderer.on(RendererEvent.BEGIN, () => {
    const markdown = currentSchemaMarkdown();
    if (readFileSync(SCHEMA_MD, 'utf8') !== markdown) {
      app.logger.warn('docs/SCHEMA.md differs from the entity metadata: run npm run docs:schema and commit it');
    }
    svg = schemaSvg(mermaidOf(markdown));
  });

  app.renderer.on(PageEvent.END, (page) => {
    // Only docs/SCHEMA.md holds a Mermaid block.
    if (!page.contents?.includes('<code class="mermaid">')) return;
    const base = relative(dirname(join('/', page.url)), '/') || '.';
    const src = `${base}/${SCHEMA_SVG}`;
    const figure =
      `<figure class="schema-diagram"><a href="${src}" title="Open the diagram on its own (zoomable)">` +
      `<img id="schema-diagram" src="${src}" alt="Entity-relationship diagram of every table of @migochat/db, its columns, keys and relations" style="max-width:100%;height:auto;background:#fff"></a>` +
      `<figcaption>Generated from the entity metadata at build time. <a href="${src}">Open full size</a>.</figcaption></figure>`;
    // TypeDoc renders the ```mermaid block as <pre><code class="mermaid">...</code>...</pre>.
    const replaced = page.contents.replace(/<pre><code class="mermaid">[\s\S]*?<\/pre>/, (source) => `${figure}<details><summary>Mermaid source</summary>${source}</details>`);
    page.contents = replaced;
  });

  app.renderer.on(RendererEvent.END, (event) => {
    if (!svg) return;
    const file = join(event.outputDirectory, SCHEMA_SVG);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, svg);
  });
}
