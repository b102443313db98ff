// TypeDoc plugin: the Markdown documents (projectDocuments in typedoc.json)
// get their title from their first `# heading` and their sidebar group from
// where they live, so the files stay plain Markdown that GitHub renders
// without front matter.
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Converter } from 'typedoc';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** First match wins; paths relative to the repository. */
const GROUPS = [
  [/^docs\/guides\/getting-started\.md$/, 'Start here'],
  [/^docs\/SCHEMA\.md$/, 'Start here'],
  [/^docs\/guides\//, 'Guides'],
  [/./, 'Project'],
];

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    const heading = /^# (.+)$/m.exec(document.content.map((p) => p.text).join(''));
    if (heading && !document.frontmatter.title) document.name = heading[1].trim();
    const path = app.files.getReflectionPath?.(document) ?? '';
    const rel = relative(ROOT, path).split(sep).join('/');
    if (!document.frontmatter.group) document.frontmatter.group = GROUPS.find(([re]) => re.test(rel))?.[1] ?? 'Project';
  });
}
