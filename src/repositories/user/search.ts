/**
 * `UserRepository.search`: the criteria checked before any SQL runs, then one
 * keyset page of users matching them, newest first by id.
 *
 * @internal
 * @module
 */
import { Brackets, type EntityManager } from 'typeorm';
import type { Engine } from '../../column-types';
import { User } from '../../entities/user.entity';
import { CustomerLabel, CustomerType, Governorate, LeadStage } from '../../enums';
import { pageRequest, toPage, type CursorKey, type CursorList, type Page } from '../../pagination';
import { invalid } from '../../validation';
import { checkEnum, checkMaxLength, checkText, optionsOf } from '../support/checks';
import type { UserSearch } from '../user.types';

/** The longest column {@link UserRepository.search} matches (first and last name). */
const MAX_QUERY_LENGTH = 100;

const SEARCH: CursorList = { name: 'users.search', sort: 'id' };

/** Search criteria, checked: the page, the trimmed text (`''` for none) and the enum filters. */
export interface UserFilter {
  limit: number;
  key: CursorKey | null;
  text: string;
  stage: LeadStage | undefined;
  label: CustomerLabel | null | undefined;
  type: CustomerType | undefined;
  governorate: Governorate | undefined;
}

/** Checks `criteria` (nothing touches the database). */
export function checkSearch(criteria: UserSearch | undefined, engine: Engine): UserFilter {
  const options = optionsOf('UserSearch', 'criteria', criteria);
  const { limit, key } = pageRequest(SEARCH, engine, options);
  const query: unknown = options.query;
  if (query !== undefined && typeof query !== 'string') invalid('UserSearch', 'query', 'isString', 'query must be a string');
  const text = typeof query === 'string' ? query.trim() : '';
  // Longer text can match no field; NUL and lone surrogates would match differently per engine.
  checkMaxLength('UserSearch', 'query', text, MAX_QUERY_LENGTH);
  checkText('UserSearch', 'query', text);
  const stage = options.stage === undefined ? undefined : checkEnum(LeadStage, 'LeadStage', options.stage);
  const label = options.label === undefined || options.label === null ? options.label : checkEnum(CustomerLabel, 'CustomerLabel', options.label);
  const type = options.type === undefined ? undefined : checkEnum(CustomerType, 'CustomerType', options.type);
  const governorate = options.governorate === undefined ? undefined : checkEnum(Governorate, 'Governorate', options.governorate);
  return { limit, key, text, stage, label, type, governorate };
}

/** One page of the users matching `filter`, on `m`. */
export async function searchUsers(m: EntityManager, filter: UserFilter): Promise<Page<User>> {
  const { limit, key, text, stage, label, type, governorate } = filter;
  const qb = m.createQueryBuilder(User, 'u');
  if (text !== '') {
    // The database folds both sides: JavaScript's toLowerCase folds letters
    // (É, astral capitals) that SQLite's and PostgreSQL's LOWER may keep.
    const pattern = `%${escapeLike(text)}%`;
    qb.andWhere(
      new Brackets((w) => {
        for (const column of ['u.firstName', 'u.lastName', 'u.phoneNumber', 'u.psid']) {
          w.orWhere(`LOWER(${column}) LIKE LOWER(:pattern) ESCAPE '\\'`, { pattern });
        }
        // A number typed with spaces, dashes or a leading 00 still finds the E.164 form stored.
        const digits = phoneDigits(text);
        if (digits !== null) w.orWhere('u.phoneNumber LIKE :digits', { digits: `%${digits}%` });
      }),
    );
  }
  if (stage !== undefined) qb.andWhere('u.leadStage = :stage', { stage });
  if (label === null) qb.andWhere('u.customerLabel IS NULL');
  else if (label !== undefined) qb.andWhere('u.customerLabel = :label', { label });
  if (type !== undefined) qb.andWhere('u.customerType = :type', { type });
  if (governorate !== undefined) qb.andWhere('u.governorate = :governorate', { governorate });
  if (key) qb.andWhere('u.id < :afterId', { afterId: key[1] });
  const rows = await qb.orderBy('u.id', 'DESC').limit(limit + 1).getMany();
  return toPage(rows, limit, SEARCH, (u) => [null, u.id]);
}

/** The digits of search text that looks like (part of) a phone number, without a leading 00; `null` otherwise. */
function phoneDigits(text: string): string | null {
  if (!/^[+\d\s().\-]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '').replace(/^00/, '');
  return digits.length >= 3 ? digits : null;
}

/** Escapes LIKE wildcards so user text matches literally (with `ESCAPE '\'`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
