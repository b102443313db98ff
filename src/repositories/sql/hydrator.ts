/**
 * The compiled hydrator: entities from rows of fixed SQL, converted as
 * TypeORM converts a selected row, without its per-row overhead.
 *
 * @internal
 * @module
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { engineOf } from '../../column-types';
import { dialectFor, type Row } from '../../dialect/index';

/**
 * An entity from a row as the table stores it, converted the way TypeORM
 * converts a selected row (driver hydration, transformers). `prefix` reads
 * the columns of a joined table, selected as `prefix + column name`.
 *
 * @internal
 */
export function hydrateRow<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, row: Row, prefix = ''): T {
  const dataSource = m.connection;
  let byShape = hydrators.get(dataSource);
  if (!byShape) hydrators.set(dataSource, (byShape = new Map()));
  let byPrefix = byShape.get(target);
  if (!byPrefix) byShape.set(target, (byPrefix = new Map()));
  let hydrate = byPrefix.get(prefix);
  if (!hydrate) byPrefix.set(prefix, (hydrate = compileHydrator(m, target, prefix)));
  return hydrate(row) as T;
}

type Hydrator = (row: Row) => ObjectLiteral;

/**
 * A hydrator for rows as arrays with these `columns` (a {@link Table}): the
 * entity's columns are read by position (`prefix + column name`), the rest
 * ignored. Compiled once per DataSource, entity, prefix and column list.
 *
 * @internal
 */
export function tableHydrator<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, columns: readonly string[], prefix = ''): (row: readonly unknown[]) => T {
  const dataSource = m.connection;
  let byTarget = positional.get(dataSource);
  if (!byTarget) positional.set(dataSource, (byTarget = new Map()));
  let byColumns = byTarget.get(target);
  if (!byColumns) byTarget.set(target, (byColumns = { same: new WeakMap(), named: new Map() }));
  // SQLite gives the same column array per statement; other engines a new one per call.
  let hydrate = byColumns.same.get(columns)?.get(prefix);
  if (!hydrate) {
    const key = `${prefix}\u0000${columns.join('\u0000')}`;
    hydrate = byColumns.named.get(key);
    if (!hydrate) byColumns.named.set(key, (hydrate = compileHydrator(m, target, prefix, columns)));
    let byPrefix = byColumns.same.get(columns);
    if (!byPrefix) byColumns.same.set(columns, (byPrefix = new Map()));
    byPrefix.set(prefix, hydrate);
  }
  return hydrate as unknown as (row: readonly unknown[]) => T;
}

const positional = new WeakMap<
  object,
  Map<EntityTarget<ObjectLiteral>, { same: WeakMap<readonly string[], Map<string, Hydrator>>; named: Map<string, Hydrator> }>
>();

const hydrators = new WeakMap<object, Map<EntityTarget<ObjectLiteral>, Map<string, Hydrator>>>();

/**
 * A hydrator for one entity and column prefix, compiled once per DataSource:
 * straight-line code with one constant-key assignment per column, and the
 * driver's conversion only where a column needs one (the way MikroORM
 * hydrates). Keys and property names come from entity metadata, never from
 * input, and are embedded as JSON string literals.
 */
function compileHydrator(m: EntityManager, target: EntityTarget<ObjectLiteral>, prefix: string, positions?: readonly string[]): Hydrator {
  const dataSource = m.connection;
  const metadata = dataSource.getMetadata(target);
  const driver = dataSource.driver;
  const dialect = dialectFor(engineOf(dataSource));
  const parseTimestamp = dialect.parseStoredTimestamp;
  const helpers: unknown[] = [];
  const helper = (value: unknown): string => `h[${helpers.push(value) - 1}]`;
  // What TypeORM's metadata.create does for a row from the database, without its per-call checks when they are no-ops.
  const plainCreate = typeof metadata.target === 'function' && !metadata.isAlwaysUsingConstructor && metadata.lazyRelations.length === 0 && !dataSource.options.typename;
  const lines = [
    plainCreate
      ? `const e = Object.create(${helper((metadata.target as { prototype: object }).prototype)});`
      : `const e = ${helper(() => metadata.create(undefined, { fromDeserializer: true }))}();`,
    'let v;',
  ];
  for (const column of metadata.columns) {
    const general = (value: unknown): unknown => driver.prepareHydratedValue(value, column);
    let value = `${helper(general)}(v)`;
    if (!column.transformer) {
      // The driver already returns these as the entity holds them (pg: int4 as number, bool as boolean).
      if ((typeof column.type === 'string' && AS_RETURNED.has(column.type)) || (column.type === 'boolean' && dialect.nativeBooleans)) value = 'v';
      else if (parseTimestamp && (column.type === 'datetime' || column.type === Date)) {
        value = `((typeof v === 'string' && ${helper(parseTimestamp)}(v)) || ${helper(general)}(v))`;
      } else if (!dialect.nativeBooleans && column.type === 'boolean') {
        // SQLite's 0/1, as the driver reads them (null stays null).
        value = '(v === null ? null : v ? true : false)';
      } else if (dialect.engine === 'sqlite' && (column.type === 'json' || column.type === 'simple-json')) {
        value = `(typeof v === 'string' ? JSON.parse(v) : v)`;
      }
    }
    const assign =
      column.embeddedMetadata || column.isVirtual
        ? `${helper((entity: ObjectLiteral, x: unknown) => column.setEntityValue(entity, x))}(e, ${value});`
        : `e[${JSON.stringify(column.propertyName)}] = ${value};`;
    if (positions) {
      const at = positions.indexOf(prefix + column.databaseName);
      if (at >= 0) lines.push(`v = row[${at}];`, assign);
    } else {
      lines.push(`v = row[${JSON.stringify(prefix + column.databaseName)}];`, `if (v !== undefined) ${assign}`);
    }
  }
  lines.push('return e;');
  const factory = new Function('h', `return function hydrate(row) {\n${lines.join('\n')}\n};`) as (h: unknown[]) => Hydrator;
  return factory(helpers);
}

/** Column types whose driver values need no conversion on either engine. */
const AS_RETURNED: ReadonlySet<string> = new Set(['varchar', 'character varying', 'text', 'integer', 'int', 'int4']);

/**
 * The values of `properties` of an entity as query parameters, converted the
 * way TypeORM's `driver.preparePersistentValue` converts them, compiled once
 * per DataSource, entity and property list: on SQLite a timestamp becomes its
 * stored text, JSON its text, a boolean 1 or 0, and text and integers pass as
 * they are; anything else (and every column on PostgreSQL but those) takes the
 * driver's general path.
 *
 * @internal
 */
export function persistedValues<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, properties: ReadonlyArray<keyof T & string>): (entity: T) => unknown[] {
  const dataSource = m.connection;
  let byTarget = persisters.get(dataSource);
  if (!byTarget) persisters.set(dataSource, (byTarget = new Map()));
  let byList = byTarget.get(target);
  if (!byList) byTarget.set(target, (byList = new WeakMap()));
  let persist = byList.get(properties);
  if (!persist) byList.set(properties, (persist = compilePersister(m, target, properties)));
  return persist as (entity: T) => unknown[];
}

const persisters = new WeakMap<object, Map<EntityTarget<ObjectLiteral>, WeakMap<readonly string[], (entity: ObjectLiteral) => unknown[]>>>();

function compilePersister(m: EntityManager, target: EntityTarget<ObjectLiteral>, properties: readonly string[]): (entity: ObjectLiteral) => unknown[] {
  const dataSource = m.connection;
  const metadata = dataSource.getMetadata(target);
  const driver = dataSource.driver;
  const dialect = dialectFor(engineOf(dataSource));
  const sqlite = dialect.engine === 'sqlite';
  const converters = properties.map((property): ((value: unknown) => unknown) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${property} is not a column of ${metadata.name}`);
    const general = (value: unknown): unknown => driver.preparePersistentValue(value, column);
    if (column.transformer || !sqlite) return general;
    const type = column.type;
    if (type === 'datetime' || type === Date) return (value) => (value instanceof Date ? dialect.dateParam(value) : general(value));
    if (type === 'json' || type === 'simple-json') return (value) => (value === null || value === undefined ? value : JSON.stringify(value));
    if (type === 'boolean') return (value) => (value === null || value === undefined ? value : value === true ? 1 : 0);
    if (typeof type === 'string' && AS_RETURNED.has(type)) return (value) => value;
    return general;
  });
  return (entity) => {
    const values = new Array<unknown>(converters.length);
    for (let i = 0; i < converters.length; i++) values[i] = converters[i]!(entity[properties[i]!]);
    return values;
  };
}
