// TypeDoc plugin: the Markdown documents (projectDocuments in typedoc.json)
// get their title from their first `# heading` and their sidebar group from
// where they live, so the files stay plain Markdown that GitHub renders
// without front matter.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter } from 'typedoc';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** First match wins; paths relative to the repository. */
const GROUPS = [
  [/^docs\/guides\/getting-started\.md$/, 'Start here'],
  [/^docs\/SCHEMA\.md$/, 'Start here'],
  [/^docs\/guides\//, 'Guides'],
  [/./, 'Project'],
];

/** Fence languages the documents use beyond TypeDoc's default highlightLanguages. */
const EXTRA_LANGUAGES = ['ini'];

/** @param {import('typedoc').Application} app */
export function load(app) {
  // Added to typedoc.json's list (or TypeDoc's default) once the options are read, which
  // happens again after the plugins load: the production guide's pgbouncer.ini is an `ini` block.
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    registerEveryGuide(app);
    const languages = app.options.getValue('highlightLanguages');
    const missing = EXTRA_LANGUAGES.filter((lang) => !languages.includes(lang));
    if (missing.length) app.options.setValue('highlightLanguages', [...languages, ...missing]);
  });
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    const heading = /^# (.+)$/m.exec(document.content.map((p) => p.text).join(''));
    if (heading && !document.frontmatter.title) document.name = heading[1].trim();
    const path = app.files.getReflectionPath?.(document) ?? '';
    const rel = relative(ROOT, path).split(sep).join('/');
    if (!document.frontmatter.group) document.frontmatter.group = GROUPS.find(([re]) => re.test(rel))?.[1] ?? 'Project';
  });
}

/**
 * Every guide in docs/guides/ is a document of the site: one that typedoc.json's
 * projectDocuments does not list (a new guide) is added after the last listed
 * guide, so it cannot be left out. List it there to give it another place.
 * @param {import('typedoc').Application} app
 */
function registerEveryGuide(app) {
  const documents = app.options.getValue('projectDocuments');
  const listed = new Set(documents.map((path) => relative(ROOT, path).split(sep).join('/')));
  const guides = readdirSync(join(ROOT, 'docs', 'guides'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/guides/${name}`);
  const missing = guides.filter((guide) => !listed.has(guide));
  if (missing.length === 0) return;
  const isGuide = (path) => relative(ROOT, path).split(sep).join('/').startsWith('docs/guides/');
  const after = documents.findLastIndex(isGuide) + 1 || documents.length;
  documents.splice(after, 0, ...missing.map((guide) => join(ROOT, guide)));
  app.options.setValue('projectDocuments', documents);
}
