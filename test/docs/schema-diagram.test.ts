// docs/SCHEMA.md is generated from the entity metadata (scripts/schema-diagram.ts):
// it must be what the metadata gives today, and show what the schema holds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaDiagram } from '../../scripts/schema-diagram';

describe('the schema diagram', () => {
  it('is what the entity metadata gives (run npm run docs:schema and commit docs/SCHEMA.md when this fails)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await schemaDiagram());
  });

  it('shows every table, its keys and the relations with their delete rules', async () => {
    const diagram = await schemaDiagram();
    for (const table of ['users', 'messages', 'conversations', 'lead_activities', 'posts', 'ad_campaigns', 'app_settings']) {
      expect(diagram).toContain(`  ${table} {`);
    }
    expect(diagram).toContain('varchar(64) psid UK "nullable"');
    expect(diagram).toContain('integer user_id FK');
    expect(diagram).toContain('users ||--o{ messages : "user_id, on delete cascade"');
    expect(diagram).toContain('posts |o--o{ messages : "post_id, on delete set null"');
  });
});
