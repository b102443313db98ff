/**
 * Where `recordInboundBatch` (1,000 messages) spends its time on SQLite,
 * against the set-based raw batch (multi-row insert, `UPDATE ... FROM
 * (VALUES ...)`) on the same connection, interleaved; then a CPU profile of
 * the library's batches. 20k users / 200k messages in a temp file.
 *
 *   npx tsx bench/profiles/sqlite-batch.ts
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqlite } from '../dataset';
import { shapeOf } from '../peers/canonical';
import { libraryInput as libraryInputOf, libraryPeer } from '../peers/library';
import { rawPeer, sqliteRaw } from '../peers/raw';
import type { IngestInput, Peer } from '../peers/types';
import { openDatabase } from '../../src/index';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { User } from '../../src/entities/user.entity';
import { profileCalls } from './cpu-profile';

const USERS = 20_000;
const ROUNDS = Number(process.env['ROUNDS'] ?? 30);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'migochat-profile-'));
  const file = join(dir, 'batch.db');
  await (await openDatabase({ url: `sqlite:${file}`, migrate: true })).close();
  const loader = new BetterSqlite3(file);
  loadSqlite(loader, { users: USERS, messages: 10 * USERS, campaigns: 20 });
  loader.close();
  const db = await openDatabase({ url: `sqlite:${file}` });
  const connection = (db.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
  const shapes = { user: shapeOf(db.dataSource, User), conversation: shapeOf(db.dataSource, Conversation), message: shapeOf(db.dataSource, Message) };
  const userColumns = db.dataSource.getMetadata(User).columns.map((c) => c.databaseName);
  const contenders: Peer[] = [libraryPeer(db, shapes), rawPeer(sqliteRaw(connection), shapes, userColumns, 'set-based')];
  let clock = Date.UTC(2026, 0, 1);
  let tag = 0;
  const batch = (): IngestInput[] =>
    Array.from({ length: 1000 }, () => {
      const userId = 1 + Math.floor(Math.random() * USERS);
      const source = (userId - 1) % 2 === 0 ? 'messenger' : 'whatsapp';
      const id = `p-${++tag}`;
      clock += 1000;
      return { userId, source, text: `bench message ${tag}`, fb: source === 'messenger' ? id : null, wa: source === 'whatsapp' ? id : null, at: clock };
    });
  const times = new Map(contenders.map((p) => [p.name, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of [...contenders].sort(() => Math.random() - 0.5)) {
      const inputs = batch();
      const started = performance.now();
      await peer.recordInboundBatch(inputs);
      times.get(peer.name)!.push(performance.now() - started);
    }
  }
  console.log(`median ms per batch of 1,000, ${ROUNDS} interleaved rounds`);
  for (const [name, t] of times) console.log(`${t.sort((a, b) => a - b)[t.length >> 1]!.toFixed(1).padStart(8)}  ${name}`);
  await profileCalls('sqlite-batch', ROUNDS, async () => {
    for (let round = 0; round < ROUNDS; round++) await db.messages.recordInboundBatch(batch().map(libraryInputOf));
  }, 40);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
