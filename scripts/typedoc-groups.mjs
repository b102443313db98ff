// TypeDoc plugin: puts every top-level export into a reader-facing group
// (Entities, Enums, Repositories, ...) chosen by the source file it comes
// from, so new exports land in the right group without a tag on each one.
// An explicit `@group` tag in the TSDoc still wins.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

/** First match wins; paths are relative to src/. */
const RULES = [
  [/^entities(\.ts|\/)/, 'Entities'],
  [/^(enums|enum-utils)\.ts$/, 'Enums'],
  [/^(repositories\/|pagination\.ts$|scope\.ts$)/, 'Repositories'],
  [/^(config|data-source|database|column-types|naming-strategy|logger)\.ts$/, 'Configuration'],
  [/^(operations|migrations)\//, 'Operations'],
  [/^(errors|driver-errors|validation)\.ts$/, 'Errors'],
  [/^testing\//, 'Test helpers'],
];

/** @param {import('typedoc').Application} app */
export function load(app) {
  requireExamples(app);
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const reflection of Object.values(project.reflections)) {
      const parent = reflection.parent;
      if (!parent || !(parent.kindOf(ReflectionKind.Module) || parent.kindOf(ReflectionKind.Project))) continue;
      if (reflection.kindOf(ReflectionKind.Module)) continue;
      if (reflection.comment?.blockTags.some((t) => t.tag === '@group')) continue;
      const file = project.getSymbolIdFromReflection(reflection)?.fileName ?? '';
      const rel = file.replace(/\\/g, '/').split('/src/').pop() ?? '';
      const group = RULES.find(([re]) => re.test(rel))?.[1];
      if (!group) {
        // A new source file: add it to RULES so its exports land in a group.
        app.logger.warn(`${reflection.getFriendlyFullName()} (src/${rel}) matches no docs group in scripts/typedoc-groups.mjs`);
        continue;
      }
      reflection.comment ??= new Comment();
      reflection.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: group }]));
    }
  });
}

/**
 * Warns (an error under treatWarningsAsErrors) when a public repository
 * method, an exported function or a factory has no `@example`.
 * @param {import('typedoc').Application} app
 */
export function requireExamples(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      const isFunction = reflection.kindOf(ReflectionKind.Function);
      const isRepoMethod =
        reflection.kindOf(ReflectionKind.Method) &&
        reflection.parent?.kindOf(ReflectionKind.Class) &&
        /(Repository|^Database|TestDatabase)$/.test(reflection.parent.name) &&
        !reflection.flags.isPrivate &&
        !reflection.flags.isProtected;
      if (!isFunction && !isRepoMethod) continue;
      const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
      if (comments.some((c) => c?.blockTags.some((t) => t.tag === '@example'))) continue;
      app.logger.warn(`${reflection.getFriendlyFullName()} has no @example`);
    }
  });
}
