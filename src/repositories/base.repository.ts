import type { EntityTarget, Repository } from 'typeorm';
import type { BaseRecord } from '../entities/base-record';
import { NotFoundError } from '../errors';
import type { RepositoryContext } from './context';
import { selectOne } from './sql';
import { checkId } from './support/checks';

/**
 * What every repository shares: its context, the raw TypeORM repository as an
 * escape hatch, and lookups by id.
 */
export abstract class EntityRepository<T extends BaseRecord> {
  /** @internal */
  protected readonly ctx: RepositoryContext;
  /** @internal */
  protected readonly entity: new () => T;

  /** @internal */
  constructor(ctx: RepositoryContext, entity: new () => T) {
    this.ctx = ctx;
    this.entity = entity;
  }

  /**
   * The TypeORM repository on the same manager (and transaction), for
   * queries this class does not offer. Writes made through it skip validation.
   *
   * @example
   * ```ts
   * const vip = await db.users.raw.find({ where: { leadScore: MoreThan(90) }, take: 10 });
   * ```
   */
  get raw(): Repository<T> {
    return this.ctx.manager.getRepository(this.entity as EntityTarget<T>);
  }

  /**
   * The row with this id, or `null`.
   *
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647 (2^31-1).
   * @example
   * ```ts
   * const user = await db.users.findById(42);
   * ```
   */
  async findById(id: number): Promise<T | null> {
    checkId(this.entity.name, 'id', id);
    return this.ctx.read((m) => selectOne(m, this.ctx.dialect, this.entity, 'id', id));
  }

  /**
   * The row with this id.
   *
   * @throws {@link NotFoundError} when there is none.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647 (2^31-1).
   * @example
   * ```ts
   * const user = await db.users.getById(42);
   * ```
   */
  async getById(id: number): Promise<T> {
    const found = await this.findById(id);
    if (!found) throw new NotFoundError(this.entity.name, { id });
    return found;
  }
}
