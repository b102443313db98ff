// NestJS: TypeOrmModule on the library's DataSource options, an injected
// Repository<User> for plain TypeORM reads, and the library's Database (its
// repositories) as a provider on the same DataSource. The README's recipe.
// Needs @nestjs/common, @nestjs/core, @nestjs/typeorm and rxjs, and
// "experimentalDecorators" in tsconfig (as every NestJS project has).
// Run: npx tsx examples/nest.ts  (in-memory SQLite; DATABASE_URL overrides)
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { attachDatabase, Database, dataSourceOptions, LeadStage, MessageSource, User } from '@migochat/db';

@Injectable()
class LeadService {
  // Tokens named explicitly, so injection works with or without emitDecoratorMetadata.
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(Database) private readonly db: Database,
  ) {}

  /** A webhook's first message: the library's repositories for the writes. */
  async inbound(psid: string, text: string): Promise<void> {
    const user = await this.db.users.findOrCreateByPsid(psid, { primarySource: MessageSource.MESSENGER });
    await this.db.messages.recordInbound({ userId: user.id, text, source: MessageSource.MESSENGER, facebookMessageId: `m_${psid}_${Date.now()}` });
    if (user.leadStage === LeadStage.NEW) await this.db.users.changeLeadStage(user.id, LeadStage.CONTACTED, { performedBy: 'nest-example' });
  }

  /** Plain TypeORM for a read the repositories do not offer. */
  contacted(): Promise<number> {
    return this.users.countBy({ leadStage: LeadStage.CONTACTED });
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      // Every engine adjustment travels in these options; migrate: true runs the migrations at startup.
      useFactory: () => ({
        ...dataSourceOptions({ url: process.env.DATABASE_URL || 'sqlite::memory:', migrate: true }),
        autoLoadEntities: true,
        retryAttempts: 2,
      }),
    }),
    TypeOrmModule.forFeature([User]),
  ],
  providers: [{ provide: Database, inject: [DataSource], useFactory: (dataSource: DataSource) => attachDatabase(dataSource) }, LeadService],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const leads = app.get(LeadService);
    await leads.inbound('nest_psid_1', 'Hi, is this still available?');
    await leads.inbound('nest_psid_2', 'How much is delivery to Giza?');
    console.log(`Contacted leads: ${await leads.contacted()}`);
    console.log(await app.get(Database).health());
  } finally {
    await app.close(); // TypeOrmModule destroys the DataSource
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
