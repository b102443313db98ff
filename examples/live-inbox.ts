// A live inbox: this process prints every message the moment it is committed,
// while a second process (this file again, with --writer) records them, as a
// webhook receiver would. Both open the database with `events: true`.
// Run: npx tsx examples/live-inbox.ts  (a SQLite file in the temp folder; DATABASE_URL overrides, e.g. postgres://...)
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseOptionsFromEnv, MessageSource, openDatabase, type Database } from '@migochat/db';

const CUSTOMERS = [
  { psid: 'live-ahmed', firstName: 'Ahmed' },
  { psid: 'live-mona', firstName: 'Mona' },
  { psid: 'live-hany', firstName: 'Hany' },
];
const MESSAGES = ['Hi!', 'How much is the blue sofa?', 'Do you deliver to Giza?', 'Thanks, I will think about it'];

async function open(url: string): Promise<Database> {
  // An in-memory database cannot be shared with another process.
  return openDatabase({ ...databaseOptionsFromEnv({ ...process.env, DATABASE_URL: url }), events: true, migrate: true });
}

/** The second process: records each customer's messages, a little apart. */
async function writer(url: string, userIds: number[]): Promise<void> {
  const db = await open(url);
  try {
    for (const text of MESSAGES) {
      await Promise.all(userIds.map((userId) => db.messages.recordInbound({ userId, text, source: MessageSource.MESSENGER })));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await db.close();
  }
}

/** The dashboard: subscribes, starts the writer, prints the inbox as events arrive. */
async function dashboard(url: string): Promise<void> {
  const db = await open(url);
  try {
    const users = await Promise.all(CUSTOMERS.map((c) => db.users.findOrCreateByPsid(c.psid, { firstName: c.firstName })));
    const names = new Map(users.map((u) => [u.id, u.firstName ?? `user ${u.id}`]));
    const live = db.events.stream({ types: ['message.recorded', 'conversation.opened'] });
    await db.events.ready(); // from here on, nothing another process commits is missed

    const child = fork(process.argv[1]!, ['--writer', url, users.map((u) => u.id).join(',')], { stdio: 'inherit' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const expected = users.length * MESSAGES.length;
    const giveUp = setTimeout(() => {
      console.error('no events for 30 s: is events: true set in the writer?');
      process.exit(1);
    }, 30_000);

    let shown = 0;
    for await (const e of live) {
      if (e.type === 'gap') console.log('-- events may be missing: reload the inbox --');
      if (e.type === 'conversation.opened') console.log(`new conversation #${e.conversationId} with ${names.get(e.userId)}`);
      if (e.type === 'message.recorded') {
        console.log(`#${e.conversationId} ${names.get(e.userId)}: ${e.preview ?? `[${e.kind}]`}`);
        if (++shown === expected) break;
      }
    }
    clearTimeout(giveUp);
    if ((await exited) !== 0) throw new Error('the writer process failed');
    const inbox = await db.conversations.inbox({ limit: 10 });
    console.log(`inbox: ${inbox.items.map((c) => `#${c.id} (${c.messageCount})`).join(', ')}`);
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--writer') return writer(process.argv[3]!, process.argv[4]!.split(',').map(Number));
  if (process.env.DATABASE_URL) return dashboard(process.env.DATABASE_URL);
  const file = join(tmpdir(), `migochat-live-inbox-${process.pid}.db`);
  try {
    await dashboard(`sqlite:${file}`);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
