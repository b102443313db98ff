// Neutral column types as each driver must see them (adaptDriverTypes in src/typeorm/driver-types.ts).
import { describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { TIMESTAMP } from '../../src/column-types';
import { SQLITE_NOW } from '../../src/dialect';
import { createDataSource } from '../../src/data-source';
import { adaptDriverTypes } from '../../src/typeorm/index';

const column = (type: string): ColumnMetadata => ({ type }) as unknown as ColumnMetadata;

describe('adaptDriverTypes', () => {
  it('gives SQLite timestamp defaults with milliseconds', () => {
    const ds = createDataSource({ url: 'sqlite::memory:' });
    expect(ds.driver.mappedDataTypes.createDateDefault).toBe(SQLITE_NOW);
    expect(ds.driver.mappedDataTypes.updateDateDefault).toBe(SQLITE_NOW);
  });

  it('maps the neutral timestamp type to timestamp with time zone on a PostgreSQL DataSource built by hand', () => {
    const ds = new DataSource({ type: 'postgres', url: 'postgres://u:p@127.0.0.1:1/db' });
    expect(ds.driver.normalizeType(column(TIMESTAMP))).not.toBe('timestamp with time zone');
    adaptDriverTypes(ds);
    expect(ds.driver.normalizeType(column(TIMESTAMP))).toBe('timestamp with time zone');
    expect(ds.driver.normalizeType(column('varchar'))).toBe('character varying');
  });
});
