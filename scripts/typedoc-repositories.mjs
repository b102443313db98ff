// TypeDoc plugin: the members every repository inherits from EntityRepository
// (findById, getById, raw) are documented once, on the base class, with
// `db.users` in their examples and `T` in their types. On each repository's
// page this rewrites them for that repository: `db.messages.findById(...)`
// returning `Promise<Message | null>`, and `raw` typed `Repository<Message>`.
import { Converter, ReferenceType, ReflectionKind } from 'typedoc';

/** The interface that names each repository's property on `db`. */
const REGISTRY = 'Repositories';
/** The base class whose examples are written for `db.users`. */
const BASE = 'EntityRepository';

/**
 * Per property of `db`: what the examples call one row and the rows `raw`
 * finds, and a `where` for
 * the `raw` example that fits the entity (the base shows the users' one).
 */
const EXAMPLES = {
  users: { noun: 'user', rows: 'vip', where: '{ leadScore: MoreThan(90) }' },
  messages: { noun: 'message', rows: 'aiAnswers', where: '{ isAiResponse: true }' },
  conversations: { noun: 'conversation', rows: 'closed', where: '{ isActive: false }' },
  leadActivities: { noun: 'activity', rows: 'byAgent', where: "{ performedBy: 'agent-7' }" },
  posts: { noun: 'post', rows: 'reels', where: '{ postType: PostType.REEL }' },
  adCampaigns: { noun: 'campaign', rows: 'running', where: '{ status: AdCampaignStatus.ACTIVE }' },
  settings: { noun: 'setting', rows: 'billing', where: "{ category: 'billing' }" },
};
const BASE_WHERE = EXAMPLES.users.where;

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    const registry = project.getReflectionsByKind(ReflectionKind.Interface).find((r) => r.name === REGISTRY);
    if (!registry) return app.logger.warn(`typedoc-repositories: no ${REGISTRY} interface`);
    /** repository class name -> property of db */
    const propertyOf = new Map();
    for (const child of registry.children ?? []) {
      if (child.type instanceof ReferenceType) propertyOf.set(child.type.name, child.name);
    }
    for (const cls of project.getReflectionsByKind(ReflectionKind.Class)) {
      const base = cls.extendedTypes?.find((t) => t instanceof ReferenceType && t.name === BASE);
      if (!base) continue;
      const prop = propertyOf.get(cls.name);
      const example = prop && EXAMPLES[prop];
      if (!example) {
        app.logger.warn(`typedoc-repositories: ${cls.name} has no property in ${REGISTRY} or no entry in EXAMPLES (scripts/typedoc-repositories.mjs)`);
        continue;
      }
      const entityType = base.typeArguments?.[0];
      for (const member of cls.children ?? []) {
        if (!member.inheritedFrom?.name?.startsWith(`${BASE}.`)) continue;
        for (const owner of [member, ...(member.signatures ?? []), member.getSignature, member.setSignature].filter(Boolean)) {
          if (owner.comment) owner.comment = rewriteComment(owner.comment.clone(), prop, example);
          if (entityType) substitute(owner, entityType);
          for (const param of owner.parameters ?? []) if (entityType) substitute(param, entityType);
        }
        const left = [member, ...(member.signatures ?? []), member.getSignature].filter(Boolean).flatMap((o) => o.comment?.blockTags ?? []);
        if (prop !== 'users' && left.some((t) => t.content.some((p) => p.text.includes('db.users.')))) {
          app.logger.warn(`typedoc-repositories: ${cls.name}.${member.name} still shows db.users in its example: extend the rewrite`);
        }
      }
    }
  });
}

/** The base example, for `db[prop]`. */
function rewriteComment(comment, prop, { noun, rows, where }) {
  for (const tag of comment.blockTags) {
    if (tag.tag !== '@example') continue;
    tag.content = tag.content.map((part) =>
      part.kind === 'code'
        ? {
            ...part,
            text: part.text
              .replaceAll('db.users.', `db.${prop}.`)
              .replace(/\bconst user\b/g, `const ${noun}`)
              .replace(/\bconst vip\b/g, `const ${rows}`)
              .replaceAll(BASE_WHERE, where),
          }
        : part,
    );
  }
  return comment;
}

/** Replaces the base class's type parameter `T` in `owner`'s type by the entity. */
function substitute(owner, entityType) {
  if (owner.type) owner.type = mapType(owner.type, entityType);
}

function mapType(type, entityType) {
  if (!type || typeof type !== 'object') return type;
  if (type instanceof ReferenceType && type.refersToTypeParameter && type.name === 'T') return entityType;
  for (const key of ['types', 'elements', 'typeArguments']) {
    if (Array.isArray(type[key])) type[key] = type[key].map((t) => mapType(t, entityType));
  }
  for (const key of ['elementType', 'objectType', 'indexType', 'target', 'checkType', 'extendsType', 'trueType', 'falseType']) {
    if (type[key] && typeof type[key] === 'object' && 'type' in type[key]) type[key] = mapType(type[key], entityType);
  }
  return type;
}
