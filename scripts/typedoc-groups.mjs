// TypeDoc plugin: puts every top-level export into a reader-facing group
// (Entities, Enums, Repositories, ...) chosen by the source file it comes
// from, so new exports land in the right group without a tag on each one.
// An explicit `@group` tag in the TSDoc still wins.
import { Comment, CommentTag, Converter, ReferenceReflection, ReflectionKind, RendererEvent } from 'typedoc';

/** First match wins; paths are relative to src/. */
const RULES = [
  [/^entities(\.ts|\/)/, 'Entities'],
  [/^(enums|enum-utils)\.ts$/, 'Enums'],
  [/^(repositories\/|search\/|pagination\.ts$|scope\.ts$)/, 'Repositories'],
  [/^(config|data-source|database|attach-database|column-types|naming-strategy|logger)\.ts$/, 'Database'],
  [/^typeorm\//, 'Database'],
  [/^(operations|migrations)\//, 'Operations'],
  [/^(errors|driver-errors|validation)\.ts$/, 'Errors'],
  [/^events\//, 'Live events'],
  [/^testing\//, 'Testing'],
  [/^(meta\/|phone-number\.ts$)/, 'Meta webhooks'],
];

/**
 * Names shown first in their group (sidebar and module page), in this order;
 * the rest follow in the configured sort. A reader starts from these.
 */
const LEADS = {
  Database: ['openDatabase', 'Database', 'DatabaseOptions', 'databaseOptionsFromEnv', 'DatabaseScope', 'TransactionOptions'],
  Repositories: ['Repositories', 'UserRepository', 'MessageRepository', 'ConversationRepository', 'LeadActivityRepository'],
  Errors: ['MigochatDbError', 'isMigochatDbError', 'MigochatDbErrorCode'],
  'Live events': ['DatabaseEvents', 'DomainEvent', 'LiveEvent', 'EventFilter'],
  Testing: ['createTestDatabase'],
  // The functions first, then what they answer; the body types follow in source order.
  'Meta webhooks': [
    'ingestWhatsAppWebhook',
    'ingestMessengerWebhook',
    'verifyWebhookSignature',
    'WebhookIngestOptions',
    'WebhookEventResult',
    'WebhookMessageResult',
    'WebhookReceiptResult',
    'WebhookReferralResult',
    'WebhookIgnoredResult',
    'WebhookIgnoredReason',
    'WebhookAttribution',
  ],
};

/** The entry point whose names a bare `{@link Name}` in another entry point falls back to. */
const MAIN_MODULE = '@migochat/db';

/** @param {import('typedoc').Application} app */
export function load(app) {
  requireExamples(app);
  linkAcrossModules(app);
  leadsFirst(app);
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const reflection of Object.values(project.reflections)) {
      const parent = reflection.parent;
      if (!parent || !(parent.kindOf(ReflectionKind.Module) || parent.kindOf(ReflectionKind.Project))) continue;
      if (reflection.kindOf(ReflectionKind.Module) || reflection.isDocument()) continue;
      if (reflection.comment?.blockTags.some((t) => t.tag === '@group')) continue;
      // A re-export of a name another entry point documents (e.g. ENTITIES in
      // `@migochat/db/typeorm`) goes in the group of what it refers to.
      const target = reflection instanceof ReferenceReflection ? (reflection.tryGetTargetReflectionDeep() ?? reflection) : reflection;
      const file = project.getSymbolIdFromReflection(target)?.fileName ?? '';
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

/**
 * A comment in another entry point (e.g. `@migochat/db/typeorm`) that links
 * to a name by itself, `{@link ConfigError}`, means the name in `@migochat/db`
 * when its own module has no such name; so does a link in a guide, which
 * falls back to the other entry points after that. TypeDoc looks such links up only in
 * the comment's module unless TypeScript resolved them (it does not inside
 * `@throws {@link X}`, nor for a name the file does not import).
 * @param {import('typedoc').Application} app
 */
export function linkAcrossModules(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const main = project.getChildByName(MAIN_MODULE);
    if (!main) return;
    // A Markdown document (a guide) belongs to no module: its bare names are
    // looked up in the main entry point, then in the others.
    const modules = [main, ...(project.children ?? []).filter((m) => m !== main && m.kindOf(ReflectionKind.Module))];
    for (const reflection of Object.values(project.reflections)) {
      // A module's own comment (its description) counts as inside it.
      let module = reflection;
      while (module && !module.kindOf(ReflectionKind.Module)) module = module.parent;
      const isDocument = reflection.isDocument() && !module;
      if (!isDocument && (!module || module === main || !reflection.comment)) continue;
      const parts = isDocument
        ? reflection.content
        : [reflection.comment.summary, ...reflection.comment.blockTags.map((t) => t.content)].flat();
      for (const part of parts) {
        if (part.kind !== 'inline-tag' || part.target !== undefined || !part.tag.startsWith('@link')) continue;
        const name = part.text.split('|')[0].trim();
        if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(name) || module?.getChildByName(name)) continue;
        const target = (isDocument ? modules : [main]).map((m) => m.getChildByName(name)).find(Boolean);
        if (target) part.target = target;
      }
    }
  });
}

/**
 * Puts the {@link LEADS} of each group first, once TypeDoc has grouped and
 * sorted the children (the sidebar and the module pages read `groups`).
 * @param {import('typedoc').Application} app
 */
export function leadsFirst(app) {
  app.renderer.on(RendererEvent.BEGIN, (event) => {
    for (const reflection of Object.values(event.project.reflections)) {
      for (const group of reflection.groups ?? []) {
        const leads = LEADS[group.title];
        if (!leads) continue;
        const rank = (child) => {
          const i = leads.indexOf(child.name);
          return i === -1 ? leads.length : i;
        };
        // Array.prototype.sort is stable: the others keep their order.
        group.children.sort((a, b) => rank(a) - rank(b));
      }
    }
  });
}
