import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageSource } from '../../src/enums';
import { exportDatabase, importDatabase } from '../../src/operations/index';
import { makeUser } from '../../src/testing';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { useTempDir } from './support';

describe.each(engines())('import and search on %s', (engine) => {
  const tmp = useTempDir();
  const source = useTestDatabase(engine);
  const targets = useFreshTestDatabases(engine);

  it('indexes imported messages from their text, also from a file without search_text or with a wrong one', async () => {
    const user = await makeUser(source.db);
    await source.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'الســعر كام اللون الأسود؟', whatsappMessageId: 'wamid.import-1' });
    await source.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, text: 'Café XL', whatsappMessageId: 'wamid.import-2' });
    const file = join(tmp.dir, 'search.ndjson');
    await exportDatabase(source.db, file);
    // As a file from before search existed (no search_text), and one whose search_text lies.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const edited = lines.map((line, i) => {
      if (i === 0) return line;
      const entry = JSON.parse(line) as { table: string; row: Record<string, unknown> };
      if (entry.table !== 'messages') return line;
      if (entry.row['text'] === 'Café XL') entry.row['search_text'] = 'something else';
      else delete entry.row['search_text'];
      return JSON.stringify(entry);
    });
    writeFileSync(file, `${edited.join('\n')}\n`);
    const target = await targets.open();
    await importDatabase(target, file);
    expect((await target.messages.search('السعر الاسود')).items.map((m) => m.text)).toEqual(['الســعر كام اللون الأسود؟']);
    expect((await target.messages.search('cafe')).items.map((m) => m.text)).toEqual(['Café XL']);
    expect((await target.messages.search('something')).items).toEqual([]);
  });
});
