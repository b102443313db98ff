import type { Command } from 'commander';
import { seedDemoData, type SeedResult } from '../../testing/seed';
import { count, countOf, progress, writeTo } from '../output';
import { EXIT, positiveInt, type CommandKit } from '../context';

/** Registers `seed`. */
export function registerSeedCommand(program: Command, kit: CommandKit): void {
  const { io, session, write, withDb } = kit;

  program
    .command('seed')
    .description('fill the database with deterministic demo data (migrated first); Ctrl-C stops after the current batch')
    .option('--users <n>', 'how many leads', positiveInt, 50)
    .option('--messages-per-user <n>', 'messages per lead', positiveInt, 6)
    .option('--seed <s>', 'random seed: the same seed gives the same data', positiveInt, 1)
    .action(async (o: { users: number; messagesPerUser: number; seed: number }, cmd: Command) => {
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'seed', countOf('users'));
          const stop = new AbortController();
          let written: SeedResult | null = null;
          const summary = (w: SeedResult | null) =>
            w === null
              ? 'no leads were written (the demo posts, campaigns and settings may have been)'
              : `${count(w.users)} of ${count(o.users)} users (${count(w.messages)} messages), ${w.posts} posts, ${w.adCampaigns} campaigns and the demo settings were written`;
          session.onInterrupt = () => {
            stop.abort();
            writeTo(io.err, `\nStopping after the current batch (Ctrl-C again to stop at once)...\n`);
            return true;
          };
          session.interruptNote = () => `Interrupted: ${summary(written)}; the batch in progress was rolled back.`;
          try {
            const result = await seedDemoData(db, {
              users: o.users,
              messagesPerUser: o.messagesPerUser,
              seed: o.seed,
              signal: stop.signal,
              onProgress: (done, total, so) => {
                written = so;
                bar.update(done, total);
              },
            });
            bar.stop();
            const skipped = o.users - result.users;
            write(
              `Seeded ${result.users} users, ${result.messages} messages, ${result.posts} posts, ${result.adCampaigns} campaigns.` +
                (skipped > 0 ? ` ${skipped} lead(s) of seed ${o.seed} were already there and were left as they are.` : '') +
                '\n',
            );
          } catch (error) {
            if (!stop.signal.aborted) throw error;
            bar.stop();
            writeTo(io.err, `Interrupted: ${summary(written)}; the rest was not written.\n`);
            process.exitCode = EXIT.interrupted;
          } finally {
            bar.stop();
            session.onInterrupt = null;
          }
        },
        { migrate: true },
      );
    });
}
